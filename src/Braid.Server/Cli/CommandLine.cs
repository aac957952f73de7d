using Braid.Storage.Tenancy;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Braid.Server.Cli;

/// <summary>
/// Administrative verbs run by the same executable against the configured store, e.g.
/// <c>braid keys create --org acme --user ana@acme.dev --name ci</c> or <c>braid export dataset golden --out golden.parquet</c>.
/// Anything else starts the server.
/// </summary>
public sealed class CommandLine
{
    private readonly string[] _verb;
    private readonly Dictionary<string, string> _options;

    private CommandLine(string[] verb, Dictionary<string, string> options)
    {
        _verb = verb;
        _options = options;
    }

    public const string Usage = """
        usage: braid [server options]                 start the server
               braid keys create [--org NAME] [--user EMAIL] [--name NAME] [server options]
                                                      mint an API key (creating the org and user if missing)
               braid export <project_logs|experiment|dataset> <id-or-name> [--org NAME] [--format jsonl|parquet]
                            [--out FILE] [server options]
                                                      write every row of a log, in id order, as POST /btql
                                                      answers `select: * | from: <kind>('<id>')`; the format
                                                      defaults from the --out extension, else JSON lines; no
                                                      --out: standard output. --org defaults to the bootstrap one
        server options: --urls URL  --data-dir DIR  --database-url URL
        """;

    /// <summary>Options verbs take (each with a value); <c>--page-size</c> is undocumented, for tests of paging.</summary>
    private static readonly HashSet<string> VerbOptions = ["--org", "--user", "--name", "--format", "--out", "--page-size"];

    /// <summary>Splits a verb and its own options off the arguments; the rest configure the server as usual.</summary>
    public static (CommandLine? Command, string[] ServerArgs) Parse(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-'))
        {
            return (null, args);
        }

        var verb = args.TakeWhile(a => !a.StartsWith('-')).ToArray();
        var options = new Dictionary<string, string>();
        var rest = new List<string>();
        for (var i = verb.Length; i < args.Length; i++)
        {
            if (VerbOptions.Contains(args[i]) && i + 1 < args.Length)
            {
                options[args[i][2..]] = args[++i];
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        return (new CommandLine(verb, options), rest.ToArray());
    }

    /// <summary>A verb's standard output is its result (a key, for scripts to capture); logs go to stderr.</summary>
    public void SendLogsToStandardError(ILoggingBuilder logging) =>
        logging.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);

    public async Task<int> RunAsync(IServiceProvider services)
    {
        if (_verb is ["keys", "create"])
        {
            var defaults = services.GetRequiredService<IOptions<ServerOptions>>().Value;
            var tenants = services.GetRequiredService<TenantStore>();
            var key = await tenants.CreateApiKeyAsync(
                _options.GetValueOrDefault("org", defaults.BootstrapOrganization),
                _options.GetValueOrDefault("user", defaults.BootstrapUserEmail),
                _options.GetValueOrDefault("name", "cli"));
            await Console.Error.WriteLineAsync($"API key '{key.PreviewName}' for {key.User.Email} in organization '{key.Organization.Name}':");
            Console.WriteLine(key.Key);
            return 0;
        }

        if (_verb is ["export", var kind, var idOrName])
        {
            if (ExportRequest.Read(kind, idOrName, _options) is not { } request)
            {
                return 2;
            }

            return await ExportCommand.RunAsync(services, request);
        }

        await Console.Error.WriteLineAsync(Usage);
        return 2;
    }
}
