using Braid.Storage.Blobs;

namespace Braid.Server.Blobs;

/// <summary>
/// Removes overflow payloads that no <c>/logs3</c> call ever referenced (<c>/logs3</c> deletes the ones it commits):
/// the client gave up or died between the upload and the reference. An upload older than the signed URL's lifetime
/// is past that point. Run from <c>/logs3/overflow</c> at most once per <see cref="Interval"/>: listing one directory
/// does not need a background service of its own.
/// </summary>
public sealed partial class OverflowSweep(BlobStore blobs, TimeProvider clock, ILogger<OverflowSweep> logger)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    private long _nextRunTicks;

    /// <summary>Sweeps when the last sweep is <see cref="Interval"/> old; returns how many payloads it removed.</summary>
    public int RunIfDue()
    {
        var now = clock.GetUtcNow();
        var next = Interlocked.Read(ref _nextRunTicks);
        // One caller per interval wins the exchange; the others go on without waiting.
        if (now.UtcTicks < next || Interlocked.CompareExchange(ref _nextRunTicks, (now + Interval).UtcTicks, next) != next)
        {
            return 0;
        }

        var removed = blobs.DeleteOlderThan(BlobsApi.OverflowPrefix, now - BlobsApi.UrlLifetime);
        if (removed > 0)
        {
            LogSwept(logger, removed);
        }

        return removed;
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Removed {Count} overflow payloads never referenced by /logs3")]
    private static partial void LogSwept(ILogger logger, int count);
}
