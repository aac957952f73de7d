using System.Globalization;

namespace Braid.Server.Cli;

public enum ExportFormat
{
    JsonLines,
    Parquet,
}

/// <summary>
/// What <c>braid export</c> was asked for: the log (its kind, and its id or name), the organization's name (null: the
/// bootstrap organization), the format, the file to write (null: standard output) and the rows read per query.
/// </summary>
public sealed record ExportRequest(string Kind, string IdOrName, string? Organization, ExportFormat Format, string? Out, int PageSize)
{
    /// <summary>Rows read per query; a page is all the export holds in memory.</summary>
    public const int DefaultPageSize = 5000;

    private static readonly string[] Kinds = ["project_logs", "experiment", "dataset"];

    /// <summary>The request, or null after telling standard error what is wrong with the arguments.</summary>
    public static ExportRequest? Read(string kind, string idOrName, IReadOnlyDictionary<string, string> options)
    {
        var problem = Check(kind, options, out var format, out var pageSize);
        if (problem is not null)
        {
            Console.Error.WriteLine($"braid export: {problem}");
            Console.Error.WriteLine(CommandLine.Usage);
            return null;
        }

        var output = options.GetValueOrDefault("out") is { Length: > 0 } path and not "-" ? path : null;
        return new ExportRequest(kind, idOrName, options.GetValueOrDefault("org"), format, output, pageSize);
    }

    private static string? Check(string kind, IReadOnlyDictionary<string, string> options, out ExportFormat format, out int pageSize)
    {
        format = ExportFormat.JsonLines;
        pageSize = DefaultPageSize;
        if (!Kinds.Contains(kind, StringComparer.Ordinal))
        {
            return $"cannot export '{kind}': the kinds are project_logs, experiment and dataset";
        }

        if (options.Keys.FirstOrDefault(o => o is "user" or "name") is { } stray)
        {
            return $"--{stray} is not an option of export";
        }

        var named = options.GetValueOrDefault("format");
        if (named is not (null or "jsonl" or "parquet"))
        {
            return $"--format must be jsonl or parquet, not '{named}'";
        }

        var extension = Path.GetExtension(options.GetValueOrDefault("out") ?? "").ToLowerInvariant();
        format = (named ?? extension) is "parquet" or ".parquet" ? ExportFormat.Parquet : ExportFormat.JsonLines;
        if (options.GetValueOrDefault("page-size") is { } size
            && (!int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize < 1))
        {
            return $"--page-size must be a positive whole number, not '{size}'";
        }

        return null;
    }
}
