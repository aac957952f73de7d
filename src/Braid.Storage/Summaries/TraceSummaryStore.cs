using Braid.Storage.Events;
using Dapper;

namespace Braid.Storage.Summaries;

/// <summary>Where an object's live rows stand: the highest history_seq among them and how many there are.</summary>
public readonly record struct LiveToken(long Seq, long Rows);

/// <summary>
/// Kept summaries of objects (migration 0019), each valid for the <see cref="LiveToken"/> it was computed at: any
/// write raises the token's seq and any removal lowers its count, so a summary whose token still matches describes
/// exactly the rows there are. Reading the token walks the object's entries in the current rows' index, never the rows.
/// </summary>
public sealed class TraceSummaryStore(Database database)
{
    /// <summary>The object's token now, and the summary kept for it when it was computed at that token with that comparison key.</summary>
    public async Task<(LiveToken Now, string? Summary)> ReadAsync(EventObject obj, string comparisonKey, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QueryFirstAsync<StoredRow>(
            """
            SELECT n.seq AS Seq, n.live_rows AS LiveRows, s.summary AS Summary FROM
                (SELECT COALESCE(MAX(history_seq), 0) AS seq, COUNT(*) AS live_rows FROM event_current
                 WHERE object_type = @t AND object_id = @o) n
            LEFT JOIN trace_summaries s ON s.object_type = @t AND s.object_id = @o
                AND s.seq = n.seq AND s.live_rows = n.live_rows AND s.comparison_key = @key
            """, new { t = obj.TypeName, o = obj.Id, key = comparisonKey });
        return (new LiveToken(row.Seq, row.LiveRows), row.Summary);
    }

    /// <summary>Keeps <paramref name="summary"/>, computed from the rows as they were at <paramref name="token"/> or later.</summary>
    public async Task WriteAsync(EventObject obj, LiveToken token, string comparisonKey, string summary, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            """
            INSERT INTO trace_summaries (object_type, object_id, seq, live_rows, comparison_key, summary)
            VALUES (@t, @o, @seq, @rows, @key, @summary)
            ON CONFLICT (object_type, object_id) DO UPDATE SET
                seq = excluded.seq, live_rows = excluded.live_rows, comparison_key = excluded.comparison_key, summary = excluded.summary
            """, new { t = obj.TypeName, o = obj.Id, seq = token.Seq, rows = token.Rows, key = comparisonKey, summary });
    }

    private sealed class StoredRow
    {
        public long Seq { get; init; }

        public long LiveRows { get; init; }

        public string? Summary { get; init; }
    }
}
