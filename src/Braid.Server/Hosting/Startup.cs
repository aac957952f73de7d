using System.Diagnostics;
using Braid.Storage;
using Braid.Storage.Events;
using Braid.Storage.Tenancy;
using Microsoft.Extensions.Options;

namespace Braid.Server.Hosting;

/// <summary>
/// What runs once before the server takes requests: schema migrations (with the search index backfill they call for),
/// then the first-start bootstrap.
/// </summary>
public static partial class Startup
{
    public const string InitialKeyFile = "initial-api-key";

    public static async Task MigrateAsync(this WebApplication app)
    {
        var database = app.Services.GetRequiredService<Database>();
        var version = await database.MigrateAsync();
        LogStore(app.Logger, database.Dialect.Describe(), version);

        // Rows stored before the search index existed; a no-op once done. It runs before requests are taken so that
        // a search never silently misses old rows; it resumes where it stopped if the server is stopped meanwhile.
        var started = Stopwatch.GetTimestamp();
        var indexed = await app.Services.GetRequiredService<EventStore>().BackfillSearchAsync(app.Lifetime.ApplicationStopping);
        if (indexed > 0)
        {
            LogSearchBackfill(app.Logger, indexed, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    /// <summary>
    /// On an empty store: create the organization, its owner and a key, print the key once and write it to
    /// <c>{data}/initial-api-key</c> readable by the owner only.
    /// </summary>
    public static async Task BootstrapAsync(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<ServerOptions>>().Value;
        var tenants = app.Services.GetRequiredService<TenantStore>();
        if (await tenants.CreateMissingBuiltInGroupsAsync() is > 0 and var upgraded)
        {
            LogBuiltInGroups(app.Logger, upgraded);
        }

        var created = await tenants.BootstrapAsync(options.BootstrapOrganization, options.BootstrapUserEmail);
        if (created is null)
        {
            return;
        }

        Directory.CreateDirectory(options.DataDirectory);
        var path = Path.GetFullPath(Path.Combine(options.DataDirectory, InitialKeyFile));
        WriteOwnerOnly(path, created.Key + "\n");
        Console.WriteLine($"""

            Braid created organization '{created.Organization.Name}' with owner {created.User.Email}.
            API key (shown once, also saved to {path}):

                {created.Key}

            """);
    }

    /// <summary>Writes a secret file that only its owner may read (mode 0600 from the moment it exists).</summary>
    public static void WriteOwnerOnly(string path, string content, bool createNew = false)
    {
        var options = new FileStreamOptions { Mode = createNew ? FileMode.CreateNew : FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(content);
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Store: {Store}, schema version {Version}")]
    private static partial void LogStore(ILogger logger, string store, int version);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Access control: {Organizations} organizations got their Owners, Engineers and Viewers groups, every member an Owner")]
    private static partial void LogBuiltInGroups(ILogger logger, int organizations);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Search index: indexed {Versions} row versions stored before it, in {Seconds:F1} s")]
    private static partial void LogSearchBackfill(ILogger logger, long versions, double seconds);
}
