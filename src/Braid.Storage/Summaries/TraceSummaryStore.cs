using Braid.Storage.Events;
using Dapper;

namespace Braid.Storage.Summaries;

/// <summary>Where an object's live rows stand: the highest history_seq among them, and how many were ever removed.</summary>
public readonly record struct LiveToken(long Seq, long Removed);

/// <summary>
/// Kept summaries of objects (migration 0019), each valid for the <see cref="LiveToken"/> it was computed at: any
/// write raises the token's seq and any delete or purge its count of removals, so a summary whose token still matches
/// describes exactly the rows there are. The token is two index lookups, however large the object.
/// </summary>
public sealed class TraceSummaryStore(Database database)
{
    /// <summary>The object's token now, and the summary kept for it when it was computed at that token with that comparison key.</summary>
    public async Task<(LiveToken Now, string? Summary)> ReadAsync(EventObject obj, string comparisonKey, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QueryFirstAsync<StoredRow>(
            """
            SELECT n.seq AS Seq, n.removed AS Removed, s.summary AS Summary FROM
                (SELECT COALESCE((SELECT MAX(history_seq) FROM event_current WHERE object_type = @t AND object_id = @o), 0) AS seq,
                        COALESCE((SELECT removed FROM event_removals WHERE object_type = @t AND object_id = @o), 0) AS removed) n
            LEFT JOIN trace_summaries s ON s.object_type = @t AND s.object_id = @o
                AND s.seq = n.seq AND s.removed = n.removed AND s.comparison_key = @key
            """, new { t = obj.TypeName, o = obj.Id, key = comparisonKey });
        return (new LiveToken(row.Seq, row.Removed), row.Summary);
    }

    /// <summary>Keeps <paramref name="summary"/>, computed from the rows as they were at <paramref name="token"/> or later.</summary>
    public async Task WriteAsync(EventObject obj, LiveToken token, string comparisonKey, string summary, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            """
            INSERT INTO trace_summaries (object_type, object_id, seq, removed, comparison_key, summary)
            VALUES (@t, @o, @seq, @removed, @key, @summary)
            ON CONFLICT (object_type, object_id) DO UPDATE SET
                seq = excluded.seq, removed = excluded.removed, comparison_key = excluded.comparison_key, summary = excluded.summary
            """, new { t = obj.TypeName, o = obj.Id, seq = token.Seq, removed = token.Removed, key = comparisonKey, summary });
    }

    private sealed class StoredRow
    {
        public long Seq { get; init; }

        public long Removed { get; init; }

        public string? Summary { get; init; }
    }
}
