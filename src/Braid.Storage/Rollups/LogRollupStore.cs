using System.Data.Common;
using System.Globalization;
using System.Text.Json.Nodes;
using Braid.Storage.Events;
using Dapper;

namespace Braid.Storage.Rollups;

/// <summary>One stored rollup row: a UTC hour ('YYYY-MM-DDTHH') of a log, root spans or the others; Measures is null in a layout this version cannot read.</summary>
public sealed record RollupRow(string Hour, bool IsRoot, RollupMeasures? Measures);

/// <summary>
/// Hourly rollups of a log (migration 0018), brought up to date when read. A refresh reads the live rows whose
/// current version was committed since the log's mark, in commit order: a span counted nowhere yet is added to its
/// hour; a changed one (a merge, a replace) has its hour, and the hour it was counted in, counted again from the live
/// rows, as are the hours of deleted spans (marked when deleted) and of traces retention purged. So an hour is only
/// ever counted from scratch when something in it changed, and a log that only grows costs its new rows.
/// </summary>
public sealed class LogRollupStore(Database database)
{
    /// <summary>Hours whose spans' created is not a timestamp: such rows exist, so the rollups cannot answer for the log.</summary>
    public const string InvalidHour = "invalid";

    /// <summary>Row versions read per transaction: a first build of a large log goes in steps, never holding the store long.</summary>
    private const int BatchVersions = 2000;

    private SqlDialect Dialect => database.Dialect;

    /// <summary>A mark at the start of the history, so the next refresh counts every row the object has.</summary>
    private const string Mark =
        "INSERT INTO log_rollup_marks (object_type, object_id, seq) VALUES (@t, @o, 0) ON CONFLICT DO NOTHING";

    /// <summary>
    /// Whether the object of mark <c>m</c> has rows its rollups have not counted: an hour marked dirty, or a current row
    /// newer than the mark. The newest version is asked as a MAX, one step down the index from its end: asked as "any
    /// version above the mark", PostgreSQL scanned a 1M-row table to find none.
    /// </summary>
    private const string Stale = """
        EXISTS (SELECT 1 FROM log_rollup_dirty d WHERE d.object_type = m.object_type AND d.object_id = m.object_id)
        OR (SELECT MAX(c.history_seq) FROM event_current c WHERE c.object_type = m.object_type AND c.object_id = m.object_id) > m.seq
        """;

    /// <summary>Counts everything committed to <paramref name="log"/> before the call into its rollups.</summary>
    public async Task RefreshAsync(EventObject log, CancellationToken cancellationToken = default)
    {
        if (!await HasNewsAsync(log, cancellationToken))
        {
            return;
        }

        while (!await RefreshBatchAsync(log, cancellationToken))
        {
        }
    }

    /// <summary>
    /// Whether the log may have rows its rollups have not counted: a read, so charts of a quiet log never wait for the
    /// writer's lock (the refresh itself looks again under it).
    /// </summary>
    private async Task<bool> HasNewsAsync(EventObject log, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(
            $"""
            SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM log_rollup_marks WHERE object_type = @t AND object_id = @o)
                OR EXISTS (SELECT 1 FROM log_rollup_marks m WHERE m.object_type = @t AND m.object_id = @o AND ({Stale}))
                THEN 1 ELSE 0 END
            """, new { t = log.TypeName, o = log.Id });
    }

    /// <summary>Project logs (charts) and experiments (their lists' averages and counts) have rollups; datasets do not.</summary>
    public static bool RollsUp(EventObjectType type) => type is EventObjectType.ProjectLogs or EventObjectType.Experiment;

    /// <summary>
    /// The objects with rollups (those some query has read, or <see cref="TrackAsync"/> named) that have rows their
    /// rollups have not counted: one query, an index probe per object, however many there are.
    /// </summary>
    public async Task<List<EventObject>> StaleAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var stale = await connection.QueryAsync<(string Type, string Id)>(
            $"SELECT m.object_type, m.object_id FROM log_rollup_marks m WHERE {Stale}");
        return [.. stale.Select(s => EventObject.Stored(s.Type, s.Id))];
    }

    /// <summary>
    /// Has the background refresh count every live project's log and experiment that has no rollups yet: those an
    /// earlier Braid wrote, which would otherwise be counted whole inside their first chart. Idempotent; run at start.
    /// The kind names are the objects table's stored ones.
    /// </summary>
    public async Task TrackExistingAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            """
            INSERT INTO log_rollup_marks (object_type, object_id, seq)
            SELECT CASE kind WHEN 'project' THEN 'project_logs' ELSE 'experiment' END, id, 0 FROM objects
            WHERE kind IN ('project', 'experiment') AND deleted_at IS NULL
            ON CONFLICT DO NOTHING
            """);
    }

    /// <summary>
    /// Has the background refresh count <paramref name="obj"/> from now on, before any query asks: a project's log and
    /// an experiment from their creation, and an experiment when it is summarized (as the SDK does at the end of every
    /// Eval), so their first chart or list is quick.
    /// </summary>
    public async Task TrackAsync(EventObject obj, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(Mark, new { t = obj.TypeName, o = obj.Id });
    }

    /// <summary>
    /// The log's rollup rows for hours in [<paramref name="fromHour"/>, <paramref name="toHour"/>), and its
    /// <see cref="InvalidHour"/> rows, whose spans could fall in any bucket.
    /// </summary>
    public async Task<List<RollupRow>> ReadAsync(EventObject log, string fromHour, string toHour, bool withDurations, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<StoredRow>(
            """
            SELECT hour AS Hour, CAST(is_root AS bigint) AS IsRoot, spans AS Spans, measures AS Measures FROM log_rollups
            WHERE object_type = @t AND object_id = @o AND (hour >= @fromHour AND hour < @toHour OR hour = @invalid)
            ORDER BY hour, is_root
            """, new { t = log.TypeName, o = log.Id, fromHour, toHour, invalid = InvalidHour });
        return [.. rows.Select(r => new RollupRow(r.Hour, r.IsRoot == 1, RollupMeasures.FromJson(r.Spans, r.Measures, withDurations)))];
    }

    /// <summary>
    /// The UTC hour a span's created falls in, or <see cref="InvalidHour"/>. It is read as event_current's created is
    /// (<see cref="Clock.NormalizeCreated"/>), so an offset such as Python's "+00:00" falls in the hour the query's
    /// buckets put it in.
    /// </summary>
    public static string HourOf(JsonNode? created) =>
        Clock.NormalizeCreated(created) is { Length: >= 13 } text && text.EndsWith('Z') && IsHour(text[..13]) ? text[..13] : InvalidHour;

    /// <summary>The stored name of the UTC hour <paramref name="at"/> falls in.</summary>
    public static string HourOf(DateTimeOffset at) => at.UtcDateTime.ToString(HourFormat, CultureInfo.InvariantCulture);

    /// <summary>The start of a stored hour (never <see cref="InvalidHour"/>).</summary>
    public static DateTimeOffset HourStart(string hour) =>
        DateTimeOffset.ParseExact(hour, HourFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private const string HourFormat = "yyyy-MM-dd'T'HH";

    private static bool IsHour(string text) =>
        DateTimeOffset.TryParseExact(text, HourFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _);

    private sealed class Version
    {
        public long Seq { get; init; }

        public string Id { get; init; } = "";

        public string Data { get; init; } = "";

        /// <summary>Some version of the row is at or below the mark, so a refresh may have counted it.</summary>
        public bool Seen { get; init; }
    }

    private sealed class StoredRow
    {
        public string Hour { get; init; } = "";

        public long IsRoot { get; init; }

        public long Spans { get; init; }

        public string Measures { get; init; } = "";
    }

    /// <summary>One step of a refresh in one transaction; true when the log is up to date.</summary>
    private async Task<bool> RefreshBatchAsync(EventObject log, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var key = new { t = log.TypeName, o = log.Id };
        // The insert makes this SQLite's writing transaction at once; on PostgreSQL the row lock below makes a second
        // node refreshing the same log wait, then read the mark this one moved.
        await connection.ExecuteAsync(Mark, key, transaction);
        var mark = await connection.ExecuteScalarAsync<long>(
            "SELECT seq FROM log_rollup_marks WHERE object_type = @t AND object_id = @o" + Dialect.ForUpdate, key, transaction);
        // The live rows whose current version came after the mark, through the current rows' index on the version: a
        // log's new rows are found without reading the rows other logs wrote meanwhile. Deleted rows left the current
        // rows; their hours were marked when they were deleted, and are read with the others below.
        var versions = (await connection.QueryAsync<Version>(
            """
            SELECT c.history_seq AS Seq, c.id AS Id, h.data AS Data,
                EXISTS (SELECT 1 FROM event_history p
                        WHERE p.object_type = c.object_type AND p.object_id = c.object_id AND p.id = c.id AND p.seq <= @mark) AS Seen
            FROM event_current c JOIN event_history h ON h.seq = c.history_seq
            WHERE c.object_type = @t AND c.object_id = @o AND c.history_seq > @mark
            ORDER BY c.history_seq
            LIMIT @limit
            """, new { key.t, key.o, mark, limit = BatchVersions }, transaction)).ToList();
        var through = versions.Count > 0 ? versions[^1].Seq : mark;

        var added = new Dictionary<(string Hour, bool IsRoot), RollupMeasures>();
        var recount = (await connection.QueryAsync<string>(
            "SELECT hour FROM log_rollup_dirty WHERE object_type = @t AND object_id = @o", key, transaction))
            .Select(h => IsHour(h) ? h : InvalidHour).ToHashSet(StringComparer.Ordinal);
        foreach (var version in versions)
        {
            var row = JsonNode.Parse(version.Data)!.AsObject();
            var hour = HourOf(row[RowFields.Created]);
            if (!version.Seen)
            {
                // No version of the row is at or below the mark, so no refresh has counted it: added to its hour.
                Measures(added, hour, row).Add(row);
                continue;
            }

            // A changed row: its hour, and every hour an earlier version could have been counted in, are counted again.
            recount.Add(hour);
            var earlier = await connection.QueryAsync<string>(
                "SELECT data FROM event_history WHERE object_type = @t AND object_id = @o AND id = @id AND seq <= @mark AND NOT deleted",
                new { key.t, key.o, id = version.Id, mark }, transaction);
            foreach (var data in earlier)
            {
                recount.Add(HourOf(JsonNode.Parse(data)![RowFields.Created]));
            }
        }

        if (versions.Count == 0 && recount.Count == 0)
        {
            return true; // nothing new: no write, so a chart of a quiet log costs no commit
        }

        foreach (var hour in recount)
        {
            await RecountAsync(connection, transaction, log, hour, through);
        }

        foreach (var ((hour, isRoot), measures) in added.Where(a => !recount.Contains(a.Key.Hour)))
        {
            var stored = await connection.QueryFirstOrDefaultAsync<StoredRow>(
                "SELECT spans AS Spans, measures AS Measures FROM log_rollups WHERE object_type = @t AND object_id = @o AND hour = @hour AND is_root = @root",
                new { key.t, key.o, hour, root = isRoot ? 1 : 0 }, transaction);
            if (stored is not null && RollupMeasures.FromJson(stored.Spans, stored.Measures) is { } existing)
            {
                measures.Add(existing);
            }
            else if (stored is not null)
            {
                // A layout this version does not read: count the hour again instead of adding to it.
                await RecountAsync(connection, transaction, log, hour, through);
                continue;
            }

            await WriteAsync(connection, transaction, log, hour, isRoot, measures);
        }

        await connection.ExecuteAsync(
            "DELETE FROM log_rollup_dirty WHERE object_type = @t AND object_id = @o", key, transaction);
        await connection.ExecuteAsync(
            "UPDATE log_rollup_marks SET seq = @through WHERE object_type = @t AND object_id = @o", new { key.t, key.o, through }, transaction);
        await transaction.CommitAsync(cancellationToken);
        return versions.Count < BatchVersions;
    }

    private static RollupMeasures Measures(Dictionary<(string, bool), RollupMeasures> hours, string hour, JsonObject row)
    {
        var key = (hour, row[RowFields.IsRoot] is JsonValue root && root.TryGetValue<bool>(out var isRoot) && isRoot);
        if (!hours.TryGetValue(key, out var measures))
        {
            hours[key] = measures = new RollupMeasures();
        }

        return measures;
    }

    /// <summary>Counts an hour again from its live rows as of <paramref name="through"/> (later versions come in a later step).</summary>
    private static async Task RecountAsync(DbConnection connection, DbTransaction transaction, EventObject log, string hour, long through)
    {
        var key = new { t = log.TypeName, o = log.Id, hour };
        await connection.ExecuteAsync(
            "DELETE FROM log_rollups WHERE object_type = @t AND object_id = @o AND hour = @hour", key, transaction);
        DateTimeOffset? range = hour == InvalidHour ? null : HourStart(hour);
        // The invalid hour holds every row whose created is no timestamp; it is found by reading them all, which only a
        // log with such rows ever pays.
        var rows = await connection.QueryAsync<string>(
            range is null
                ? """
                  SELECT h.data FROM event_current c JOIN event_history h ON h.seq = c.history_seq
                  WHERE c.object_type = @t AND c.object_id = @o AND c.history_seq <= @through
                  """
                : """
                  SELECT h.data FROM event_current c JOIN event_history h ON h.seq = c.history_seq
                  WHERE c.object_type = @t AND c.object_id = @o AND c.created >= @from AND c.created < @to AND c.history_seq <= @through
                  """,
            new { key.t, key.o, through, from = range is { } f ? Clock.Format(f) : null, to = range is { } t ? Clock.Format(t.AddHours(1)) : null },
            transaction);
        var counted = new Dictionary<(string, bool), RollupMeasures>();
        foreach (var data in rows)
        {
            var row = JsonNode.Parse(data)!.AsObject();
            if (range is null && HourOf(row[RowFields.Created]) != InvalidHour)
            {
                continue;
            }

            Measures(counted, hour, row).Add(row);
        }

        foreach (var ((_, isRoot), measures) in counted)
        {
            await WriteAsync(connection, transaction, log, hour, isRoot, measures);
        }
    }

    private static Task WriteAsync(DbConnection connection, DbTransaction transaction, EventObject log, string hour, bool isRoot, RollupMeasures measures) =>
        connection.ExecuteAsync(
            """
            INSERT INTO log_rollups (object_type, object_id, hour, is_root, spans, measures) VALUES (@t, @o, @hour, @root, @spans, @measures)
            ON CONFLICT (object_type, object_id, hour, is_root) DO UPDATE SET spans = excluded.spans, measures = excluded.measures
            """,
            new { t = log.TypeName, o = log.Id, hour, root = isRoot ? 1 : 0, spans = measures.Spans, measures = measures.ToJson() }, transaction);
}
