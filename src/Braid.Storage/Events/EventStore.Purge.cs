using Braid.Storage.Rollups;
using Dapper;

namespace Braid.Storage.Events;

/// <summary>What one purge batch removed: rows (every version counted once per row), and the versions that may hold attachment references.</summary>
public sealed record PurgedBatch(int Traces, int Rows, IReadOnlyList<string> AttachmentHolders);

public sealed partial class EventStore
{
    /// <summary>
    /// Adds @n to the live rows removed from an object (migration 0019): deletes and purges leave no higher history_seq
    /// behind, so this is how a kept summary learns its rows changed (TraceSummaryStore).
    /// </summary>
    private const string CountRemovals = """
        INSERT INTO event_removals (object_type, object_id, removed) VALUES (@t, @o, @n)
        ON CONFLICT (object_type, object_id) DO UPDATE SET removed = event_removals.removed + excluded.removed
        """;

    /// <summary>
    /// Deletes for good (every version, search entries, trace positions) up to <paramref name="maxTraces"/> whole traces
    /// of <paramref name="obj"/> whose every live row was created before <paramref name="cutoff"/> (Clock.Format text;
    /// null: every trace). Whole traces, so retention never leaves a trace with its root gone and children left. One
    /// short transaction holding the writers' lock, so a concurrent merge cannot bring back half a deleted row, and
    /// ingestion waits at most one batch.
    /// </summary>
    public async Task<PurgedBatch> PurgeAsync(EventObject obj, string? cutoff, int maxTraces)
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteScalarAsync<long>("SELECT last_xact FROM braid_xact WHERE id = 1" + Dialect.ForUpdate, transaction: transaction);

        var args = new DynamicParameters(new { t = obj.TypeName, o = obj.Id, cutoff, maxTraces });
        var old = cutoff is null
            ? ""
            : """
              AND c.created < @cutoff AND NOT EXISTS (
                  SELECT 1 FROM event_current n
                  WHERE n.object_type = c.object_type AND n.object_id = c.object_id AND n.root_span_id = c.root_span_id
                    AND (n.created IS NULL OR n.created >= @cutoff))
              """;
        var roots = (await connection.QueryAsync<string>(
            $"SELECT DISTINCT c.root_span_id FROM event_current c WHERE c.object_type = @t AND c.object_id = @o {old} LIMIT @maxTraces",
            args, transaction)).ToList();
        if (roots.Count == 0)
        {
            return new PurgedBatch(0, 0, []);
        }

        args.Add("roots", roots);
        var inTrace = $"object_type = @t AND object_id = @o AND {Dialect.InList("root_span_id", "roots")}";
        var holders = (await connection.QueryAsync<string>(
            $"SELECT data FROM event_history WHERE {inTrace} AND CAST(data AS TEXT) LIKE '%braintrust_attachment%'", args, transaction)).ToList();
        if (!Dialect.HasSearchTokensColumn)
        {
            await connection.ExecuteAsync($"DELETE FROM event_search WHERE rowid IN (SELECT seq FROM event_history WHERE {inTrace})", args, transaction);
        }

        if (LogRollupStore.RollsUp(obj.Type))
        {
            // The hours these rows were counted in, to be counted again (LogRollupStore): a purge leaves no new version to notice.
            await connection.ExecuteAsync(
                $"""
                INSERT INTO log_rollup_dirty (object_type, object_id, hour)
                SELECT DISTINCT object_type, object_id, substr(created, 1, 13) FROM event_current WHERE {inTrace} AND created IS NOT NULL
                ON CONFLICT DO NOTHING
                """, args, transaction);
        }

        var rows = await connection.ExecuteAsync($"DELETE FROM event_current WHERE {inTrace}", args, transaction);
        await connection.ExecuteAsync(CountRemovals, new { t = obj.TypeName, o = obj.Id, n = (long)rows }, transaction);
        await connection.ExecuteAsync($"DELETE FROM event_history WHERE {inTrace}", args, transaction);
        await connection.ExecuteAsync($"DELETE FROM event_traces WHERE {inTrace}", args, transaction);
        await transaction.CommitAsync();
        return new PurgedBatch(roots.Count, rows, holders);
    }
}
