using Dapper;

namespace Braid.Storage.Automations;

/// <summary>An automation leased to this node: when the run was due and the progress it starts from.</summary>
public sealed record AutomationLease(string AutomationId, long DueMs, string State);

/// <summary>One recorded run of an automation (migration 0016).</summary>
public sealed record AutomationRunRow(
    string Id, string AutomationId, long DueMs, string Node, string Started, string? Ended, string Outcome, long Rows, string? Error, string? Detail);

/// <summary>
/// The schedule, leases, progress and run history of automations (migration 0016). Every change of an automation's
/// state is a conditional UPDATE on its row: a node takes a due automation by moving its lease past now, and saves
/// progress or finishes only while it still holds that lease. Nodes sharing one PostgreSQL therefore run each due
/// time once, and a node that stalls past its lease cannot overwrite the progress of the node that took over.
/// </summary>
public sealed class AutomationStore(Database database)
{
    /// <summary>Adds the automation's schedule, due at <paramref name="firstDueMs"/>, unless it has one.</summary>
    public async Task EnsureAsync(string automationId, string orgId, long firstDueMs, string state)
    {
        await using var connection = await database.OpenAsync();
        await connection.ExecuteAsync(
            """
            INSERT INTO automation_state (automation_id, org_id, next_run_ms, lease_until_ms, state)
            VALUES (@automationId, @orgId, @firstDueMs, 0, @state)
            ON CONFLICT (automation_id) DO NOTHING
            """,
            new { automationId, orgId, firstDueMs, state });
    }

    /// <summary>Takes the automation for <paramref name="node"/> until <paramref name="untilMs"/> when it is due and nobody holds it.</summary>
    public async Task<AutomationLease?> TryLeaseAsync(string automationId, string node, long nowMs, long untilMs)
    {
        await using var connection = await database.OpenAsync();
        return await connection.QuerySingleOrDefaultAsync<AutomationLease>(
            """
            UPDATE automation_state SET lease_holder = @node, lease_until_ms = @untilMs
            WHERE automation_id = @automationId AND next_run_ms <= @nowMs AND lease_until_ms < @nowMs
            RETURNING automation_id AS AutomationId, next_run_ms AS DueMs, state AS State
            """,
            new { automationId, node, nowMs, untilMs });
    }

    /// <summary>Extends a held lease; false when the node no longer holds it.</summary>
    public async Task<bool> RenewAsync(string automationId, string node, long untilMs)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteAsync(
            "UPDATE automation_state SET lease_until_ms = @untilMs WHERE automation_id = @automationId AND lease_holder = @node",
            new { automationId, node, untilMs }) == 1;
    }

    /// <summary>Saves progress mid-run; false when the node no longer holds the lease (its work is to be dropped).</summary>
    public async Task<bool> SaveAsync(string automationId, string node, string state)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteAsync(
            "UPDATE automation_state SET state = @state WHERE automation_id = @automationId AND lease_holder = @node",
            new { automationId, node, state }) == 1;
    }

    /// <summary>Ends a run: saves its progress, schedules the next one and lets the lease go; false when the lease was lost.</summary>
    public async Task<bool> FinishAsync(string automationId, string node, long nextRunMs, string state)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteAsync(
            """
            UPDATE automation_state SET state = @state, next_run_ms = @nextRunMs, lease_holder = NULL, lease_until_ms = 0
            WHERE automation_id = @automationId AND lease_holder = @node
            """,
            new { automationId, node, nextRunMs, state }) == 1;
    }

    /// <summary>Makes the automation due now (a "run once" request); false when it has no schedule yet.</summary>
    public async Task<bool> MakeDueAsync(string automationId, long nowMs)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteAsync(
            "UPDATE automation_state SET next_run_ms = @nowMs WHERE automation_id = @automationId AND next_run_ms > @nowMs",
            new { automationId, nowMs }) == 1;
    }

    /// <summary>The automation's progress, or null before its first run.</summary>
    public async Task<string?> StateAsync(string automationId)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteScalarAsync<string?>(
            "SELECT state FROM automation_state WHERE automation_id = @automationId", new { automationId });
    }

    /// <summary>Forgets the automation's schedule and progress (it was deleted, or its user reset it).</summary>
    public async Task ForgetAsync(string automationId)
    {
        await using var connection = await database.OpenAsync();
        await connection.ExecuteAsync("DELETE FROM automation_state WHERE automation_id = @automationId", new { automationId });
    }

    /// <summary>
    /// Where an export batch of at most <paramref name="rows"/> rows of a log ends: the version (event_history seq) of
    /// the <paramref name="rows"/>-th live row whose newest version is after <paramref name="after"/>, or null when fewer
    /// are left (the batch then ends at the newest version written).
    /// </summary>
    public async Task<long?> BatchEndAsync(string objectType, string objectId, long after, int rows)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteScalarAsync<long?>(
            """
            SELECT history_seq FROM event_current
            WHERE object_type = @objectType AND object_id = @objectId AND history_seq > @after
            ORDER BY history_seq LIMIT 1 OFFSET @skip
            """,
            new { objectType, objectId, after, skip = rows - 1 });
    }

    /// <summary>
    /// Records a run's start. A due time already recorded is a run whose node died; this node resumes it, and the
    /// record says so.
    /// </summary>
    public async Task StartRunAsync(AutomationRunRow run, string orgId)
    {
        await using var connection = await database.OpenAsync();
        await connection.ExecuteAsync(
            """
            INSERT INTO automation_runs (id, automation_id, org_id, due_ms, node, started, outcome, row_count)
            VALUES (@Id, @AutomationId, @orgId, @DueMs, @Node, @Started, @Outcome, 0)
            ON CONFLICT (automation_id, due_ms) DO UPDATE
            SET id = excluded.id, node = excluded.node, outcome = excluded.outcome,
                error = 'resumed after node ' || automation_runs.node || ' stopped during the run'
            """,
            new { run.Id, run.AutomationId, orgId, run.DueMs, run.Node, run.Started, run.Outcome });
    }

    public async Task EndRunAsync(string runId, string ended, string outcome, long rows, string? error, string? detail)
    {
        await using var connection = await database.OpenAsync();
        await connection.ExecuteAsync(
            "UPDATE automation_runs SET ended = @ended, outcome = @outcome, row_count = @rows, error = @error, detail = @detail WHERE id = @runId",
            new { runId, ended, outcome, rows, error, detail });
    }

    /// <summary>The automation's runs, newest first.</summary>
    public async Task<List<AutomationRunRow>> RunsAsync(string automationId, int limit)
    {
        await using var connection = await database.OpenAsync();
        return [.. await connection.QueryAsync<AutomationRunRow>(
            """
            SELECT id AS Id, automation_id AS AutomationId, due_ms AS DueMs, node AS Node, started AS Started, ended AS Ended,
                   outcome AS Outcome, row_count AS Rows, error AS Error, detail AS Detail
            FROM automation_runs WHERE automation_id = @automationId
            ORDER BY started DESC, due_ms DESC
            LIMIT @limit
            """,
            new { automationId, limit })];
    }

    /// <summary>Drops all but the newest <paramref name="keep"/> runs of the automation, so frequent checks do not grow the table without end.</summary>
    public async Task PruneRunsAsync(string automationId, int keep)
    {
        await using var connection = await database.OpenAsync();
        await connection.ExecuteAsync(
            """
            DELETE FROM automation_runs WHERE automation_id = @automationId AND due_ms < (
                SELECT MIN(due_ms) FROM (SELECT due_ms FROM automation_runs WHERE automation_id = @automationId ORDER BY due_ms DESC LIMIT @keep) newest)
            """,
            new { automationId, keep });
    }
}
