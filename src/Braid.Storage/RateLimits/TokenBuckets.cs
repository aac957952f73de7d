using System.Collections.Concurrent;
using Dapper;

namespace Braid.Storage.RateLimits;

/// <summary>What taking a token answered: whether the request may run, and the tokens left in its bucket after it.</summary>
public readonly record struct BucketTake(bool Granted, double Tokens);

/// <summary>
/// Token buckets keyed by (organization, endpoint class): at most <c>capacity</c> tokens, refilled continuously at a
/// fixed rate, one taken per request. On PostgreSQL a bucket is a row of <c>rate_limit_buckets</c> (migration 0012)
/// that every node updates in one statement, so all nodes share it; on SQLite one process owns the file, so the
/// buckets live in its memory.
/// </summary>
public sealed class TokenBuckets(Database database)
{
    // The tokens a bucket holds at `@now`: what it had plus what the elapsed milliseconds refilled, up to capacity.
    // A node whose clock lags one that wrote the row sees no time elapsed rather than a negative refill.
    private const string Available = "least(@capacity, b.tokens + greatest(0, @now - b.refilled_at) * @perMillisecond)";

    // synchronous_commit off for this statement's transaction only: a bucket lost in a crash merely refills, and
    // without it every request, even a read, would wait for a WAL flush.
    private const string TakePostgres = $"""
        INSERT INTO rate_limit_buckets AS b (org_id, endpoint_class, tokens, refilled_at, granted)
        SELECT @orgId, @bucket, @capacity - 1, @now, true
        FROM (SELECT set_config('synchronous_commit', 'off', true)) AS no_flush_wait
        ON CONFLICT (org_id, endpoint_class) DO UPDATE SET
            tokens = {Available} - CASE WHEN {Available} >= 1 THEN 1 ELSE 0 END,
            granted = {Available} >= 1,
            refilled_at = greatest(b.refilled_at, @now)
        RETURNING granted, tokens
        """;

    private readonly ConcurrentDictionary<(string OrgId, string Bucket), MemoryBucket>? _memory =
        database.Dialect.Name == "sqlite" ? new() : null;

    /// <summary>
    /// Refills the bucket to <paramref name="now"/> and takes one token if a whole one is there. A bucket seen for the
    /// first time starts full. <paramref name="bucket"/> is stored: renaming one only refills its buckets.
    /// </summary>
    public async ValueTask<BucketTake> TakeAsync(string orgId, string bucket, int capacity, double perMillisecond, DateTimeOffset now)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        if (_memory is not null)
        {
            return _memory.GetOrAdd((orgId, bucket), static (_, start) => new MemoryBucket(start.capacity, start.nowMs), (capacity, nowMs))
                .Take(capacity, perMillisecond, nowMs);
        }

        await using var connection = await database.OpenAsync();
        var (granted, tokens) = await connection.QuerySingleAsync<(bool, double)>(
            TakePostgres, new { orgId, bucket, capacity = (double)capacity, now = nowMs, perMillisecond });
        return new BucketTake(granted, tokens);
    }

    /// <summary>The same arithmetic as <see cref="Available"/>, under a lock instead of a row lock.</summary>
    private sealed class MemoryBucket(double tokens, long refilledAt)
    {
        private readonly Lock _lock = new();
        private double _tokens = tokens;
        private long _refilledAt = refilledAt;

        public BucketTake Take(int capacity, double perMillisecond, long now)
        {
            lock (_lock)
            {
                _tokens = Math.Min(capacity, _tokens + Math.Max(0, now - _refilledAt) * perMillisecond);
                _refilledAt = Math.Max(_refilledAt, now);
                var granted = _tokens >= 1;
                if (granted)
                {
                    _tokens -= 1;
                }

                return new BucketTake(granted, _tokens);
            }
        }
    }
}
