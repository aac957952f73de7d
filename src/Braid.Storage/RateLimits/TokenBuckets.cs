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
/// <remarks>
/// On PostgreSQL a node takes the tokens of a large bucket in leases of 1% of its size (<see cref="LeaseSize"/>) and
/// hands them out from memory, so the row is written once per lease rather than once per request. The slack: tokens a
/// node has leased but not yet handed out are spent for the other nodes and still spendable for it, so an
/// organization may briefly see up to (nodes × (lease − 1)) requests more, or fewer, than its bucket alone would
/// allow; the rate over time is unchanged. Buckets under 200 tokens lease one at a time, exactly as before, and once
/// the shared bucket holds less than a lease every request takes its single token from the row.
/// </remarks>
public sealed class TokenBuckets(Database database)
{
    // The tokens a bucket holds at `@now`: what it had plus what the elapsed milliseconds refilled, up to capacity.
    // A node whose clock lags one that wrote the row sees no time elapsed rather than a negative refill.
    private const string Available = "least(@capacity, b.tokens + greatest(0, @now - b.refilled_at) * @perMillisecond)";

    // synchronous_commit off for this statement's transaction only: a bucket lost in a crash merely refills, and
    // without it every request, even a read, would wait for a WAL flush.
    private const string TakePostgres = $"""
        INSERT INTO rate_limit_buckets AS b (org_id, endpoint_class, tokens, refilled_at, granted)
        SELECT @orgId, @bucket, @capacity - @take, @now, true
        FROM (SELECT set_config('synchronous_commit', 'off', true)) AS no_flush_wait
        ON CONFLICT (org_id, endpoint_class) DO UPDATE SET
            tokens = {Available} - CASE WHEN {Available} >= @take THEN @take ELSE 0 END,
            granted = {Available} >= @take,
            refilled_at = greatest(b.refilled_at, @now)
        RETURNING granted, tokens
        """;

    private readonly ConcurrentDictionary<(string OrgId, string Bucket), MemoryBucket>? _memory =
        database.Dialect.Name == "sqlite" ? new() : null;

    private readonly ConcurrentDictionary<(string OrgId, string Bucket), Lease> _leases = new();

    /// <summary>How many tokens a node takes from a shared bucket of <paramref name="capacity"/> at once: 1%, at least one.</summary>
    public static int LeaseSize(int capacity) => Math.Max(1, capacity / 100);

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

        var size = LeaseSize(capacity);
        if (size == 1)
        {
            return await TakeFromStoreAsync(orgId, bucket, capacity, perMillisecond, nowMs, 1);
        }

        var lease = _leases.GetOrAdd((orgId, bucket), static _ => new Lease());
        if (lease.TryTake(capacity, perMillisecond, nowMs) is { } local)
        {
            return local;
        }

        // One request per bucket renews the lease; the others wait for it rather than each leasing a batch.
        await lease.Renewing.WaitAsync();
        try
        {
            if (lease.TryTake(capacity, perMillisecond, nowMs) is { } renewed)
            {
                return renewed;
            }

            // With less than a lease left in the shared bucket, each request takes its own token from the row.
            var take = lease.SharedTokens(capacity, perMillisecond, nowMs) >= size
                ? await TakeFromStoreAsync(orgId, bucket, capacity, perMillisecond, nowMs, size)
                : new BucketTake(false, 0);
            if (!take.Granted)
            {
                take = await TakeFromStoreAsync(orgId, bucket, capacity, perMillisecond, nowMs, 1);
                lease.Fill(0, take.Tokens, nowMs);
                return take;
            }

            lease.Fill(size - 1, take.Tokens, nowMs);
            return new BucketTake(true, Math.Min(capacity, take.Tokens + size - 1));
        }
        finally
        {
            lease.Renewing.Release();
        }
    }

    private async Task<BucketTake> TakeFromStoreAsync(string orgId, string bucket, int capacity, double perMillisecond, long nowMs, int take)
    {
        await using var connection = await database.OpenAsync();
        var (granted, tokens) = await connection.QuerySingleAsync<(bool, double)>(
            TakePostgres, new { orgId, bucket, capacity = (double)capacity, now = nowMs, perMillisecond, take = (double)take });
        return new BucketTake(granted, tokens);
    }

    /// <summary>
    /// Tokens this node has taken from a shared bucket and not handed out yet, with what the bucket held after the
    /// taking: a request's remaining tokens are estimated as that, refilled to now, plus what is left here.
    /// </summary>
    private sealed class Lease
    {
        private readonly Lock _lock = new();
        private int _held;
        private double _shared = double.PositiveInfinity;
        private long _takenAt;

        public SemaphoreSlim Renewing { get; } = new(1, 1);

        public BucketTake? TryTake(int capacity, double perMillisecond, long now)
        {
            lock (_lock)
            {
                if (_held == 0)
                {
                    return null;
                }

                _held--;
                return new BucketTake(true, Math.Min(capacity, Shared(capacity, perMillisecond, now) + _held));
            }
        }

        /// <summary>What the shared bucket held when last seen, refilled to <paramref name="now"/>; full before it is first seen.</summary>
        public double SharedTokens(int capacity, double perMillisecond, long now)
        {
            lock (_lock)
            {
                return Shared(capacity, perMillisecond, now);
            }
        }

        public void Fill(int held, double shared, long takenAt)
        {
            lock (_lock)
            {
                _held += held;
                _shared = shared;
                _takenAt = takenAt;
            }
        }

        private double Shared(int capacity, double perMillisecond, long now) =>
            Math.Min(capacity, _shared + Math.Max(0, now - _takenAt) * perMillisecond);
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
