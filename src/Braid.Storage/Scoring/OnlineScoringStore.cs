using Dapper;

namespace Braid.Storage.Scoring;

/// <summary>One version of a log row as written: its place in commit order (<see cref="Seq"/>) and the whole row.</summary>
public sealed record LoggedRow(long Seq, string Id, long Xact, string RootSpanId, string Data);

/// <summary>
/// What online scoring reads and records: the rows written to a project's log after a point in commit order, and
/// each rule's progress (migration 0015), advanced by compare and swap so that nodes sharing one PostgreSQL never
/// score the same range twice.
/// </summary>
public sealed class OnlineScoringStore(Database database)
{
    private const string LogRows = """
        SELECT h.seq AS Seq, h.id AS Id, h.xact_id AS Xact, h.root_span_id AS RootSpanId, h.data AS Data
        FROM event_history h
        """;

    /// <summary>The newest row version written so far (0 for an empty store).</summary>
    public async Task<long> LastSeqAsync()
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteScalarAsync<long?>("SELECT MAX(seq) FROM event_history") ?? 0;
    }

    /// <summary>The newest row version written before transaction <paramref name="xact"/> (0 for none): where a new rule starts reading.</summary>
    public async Task<long> SeqBeforeAsync(long xact)
    {
        // Scanned from the newest back: a rule is started soon after it is made, so few rows are newer.
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteScalarAsync<long?>(
            "SELECT seq FROM event_history WHERE xact_id < @xact ORDER BY seq DESC LIMIT 1", new { xact }) ?? 0;
    }

    /// <summary>How far a rule has read, or null before its first claim.</summary>
    public async Task<long?> ProgressAsync(string ruleId)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteScalarAsync<long?>(
            "SELECT scored_through FROM online_scoring_progress WHERE rule_id = @ruleId", new { ruleId });
    }

    /// <summary>
    /// Moves a rule's progress from <paramref name="from"/> (null: it has none yet) to <paramref name="to"/>; false when
    /// another node moved it first, in which case that node scores the range.
    /// </summary>
    public async Task<bool> ClaimAsync(string ruleId, long? from, long to)
    {
        await using var connection = await database.OpenAsync();
        var changed = from is null
            ? await connection.ExecuteAsync(
                "INSERT INTO online_scoring_progress (rule_id, scored_through) VALUES (@ruleId, @to) ON CONFLICT (rule_id) DO NOTHING",
                new { ruleId, to })
            : await connection.ExecuteAsync(
                "UPDATE online_scoring_progress SET scored_through = @to WHERE rule_id = @ruleId AND scored_through = @from",
                new { ruleId, from, to });
        return changed == 1;
    }

    /// <summary>
    /// Live row versions written to a project's log in (<paramref name="after"/>, <paramref name="through"/>], oldest first,
    /// at most <paramref name="limit"/>; with <paramref name="firstVersionsOnly"/> only each row's first version (a span
    /// as it was first logged, not the merges that followed).
    /// </summary>
    public async Task<List<LoggedRow>> NewRowsAsync(string projectId, long after, long through, int limit, bool firstVersionsOnly)
    {
        var first = firstVersionsOnly
            ? """
              AND NOT EXISTS (SELECT 1 FROM event_history p
                              WHERE p.object_type = h.object_type AND p.object_id = h.object_id AND p.id = h.id AND p.seq < h.seq)
              """
            : "";
        await using var connection = await database.OpenAsync();
        return [.. await connection.QueryAsync<LoggedRow>(
            $"""
            {LogRows}
            WHERE h.seq > @after AND h.seq <= @through AND h.object_type = 'project_logs' AND h.object_id = @projectId AND NOT h.deleted {first}
            ORDER BY h.seq
            LIMIT @limit
            """,
            new { after, through, projectId, limit })];
    }

    /// <summary>The live rows of one trace of a project's log, as they are now.</summary>
    public async Task<List<LoggedRow>> TraceAsync(string projectId, string rootSpanId)
    {
        await using var connection = await database.OpenAsync();
        return [.. await connection.QueryAsync<LoggedRow>(
            $"""
            {LogRows}
            JOIN event_current c ON c.history_seq = h.seq
            WHERE c.object_type = 'project_logs' AND c.object_id = @projectId AND c.root_span_id = @rootSpanId AND NOT h.deleted
            """,
            new { projectId, rootSpanId })];
    }
}
