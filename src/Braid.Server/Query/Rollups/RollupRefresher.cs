using Braid.Server.Hosting;
using Braid.Storage.Rollups;
using Microsoft.Extensions.Options;

namespace Braid.Server.Query.Rollups;

/// <summary>
/// Keeps rollups current in the background, so the query behind a chart or an experiment list reads only what was
/// logged in the last few seconds before answering. Projects' logs and experiments have rollups from their creation;
/// the first pass also takes on those an earlier Braid made, so none is counted whole inside a chart request. Nodes
/// sharing one PostgreSQL may all run this: a refresh locks its log's mark, and the second finds nothing left to count.
/// </summary>
public sealed partial class RollupRefresher(LogRollupStore store, TimeProvider clock, IOptions<ServerOptions> options, ILogger<RollupRefresher> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Periodic.RunAsync(TimeSpan.FromSeconds(options.Value.RollupRefreshSeconds), clock, PassAsync, e => LogPassFailed(logger, e), stoppingToken);

    private bool _trackedExisting;

    private async Task PassAsync(CancellationToken cancellationToken)
    {
        if (!_trackedExisting)
        {
            await store.TrackExistingAsync(cancellationToken);
            _trackedExisting = true;
        }

        foreach (var log in await store.StaleAsync(cancellationToken))
        {
            await store.RefreshAsync(log, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "refreshing log rollups failed")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
