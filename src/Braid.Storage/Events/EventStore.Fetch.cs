using System.Text;
using Braid.Storage.Xact;
using Dapper;

namespace Braid.Storage.Events;

/// <summary>
/// What a fetch asks for. <see cref="Limit"/> counts traces. <see cref="Version"/> reads the log as it was
/// after that transaction. <see cref="MaxXact"/>/<see cref="MaxRootSpanId"/> are the spec's deprecated manual cursor.
/// </summary>
public sealed record FetchRequest(int Limit)
{
    public long? Version { get; init; }
    public FetchCursor? After { get; init; }
    public long? MaxXact { get; init; }
    public string? MaxRootSpanId { get; init; }
}

/// <summary>A page of rows, newest trace first, and the cursor to the next page when this one was not empty.</summary>
public sealed record FetchPage(IReadOnlyList<StoredEvent> Rows, FetchCursor? Next);

public sealed partial class EventStore
{
    /// <summary>
    /// Pages through a log by trace. A trace's place is fixed by its first write (newest first), so paging
    /// while rows keep arriving never skips or repeats a trace; each row comes back once, at its newest
    /// version (or its newest as of <see cref="FetchRequest.Version"/>). Deleted rows never appear.
    /// </summary>
    public async Task<FetchPage> FetchAsync(EventObject obj, FetchRequest request)
    {
        var version = request.After?.Version ?? request.Version;
        var args = new DynamicParameters(new { t = obj.TypeName, o = obj.Id, limit = request.Limit, v = version });
        var sql = new StringBuilder("SELECT t.root_span_id, t.first_xact FROM event_traces t WHERE t.object_type = @t AND t.object_id = @o");
        if (request.After is { } after)
        {
            sql.Append(" AND (t.first_xact < @ck OR (t.first_xact = @ck AND t.root_span_id < @cr))");
            args.Add("ck", after.TraceXact);
            args.Add("cr", after.RootSpanId);
        }

        if (request.MaxXact is { } maxXact)
        {
            sql.Append(request.MaxRootSpanId is null
                ? " AND t.first_xact <= @mx"
                : " AND (t.first_xact < @mx OR (t.first_xact = @mx AND t.root_span_id < @mr))");
            args.Add("mx", maxXact);
            args.Add("mr", request.MaxRootSpanId);
        }

        sql.Append(version is null
            ? " AND EXISTS (SELECT 1 FROM event_current c WHERE c.object_type = t.object_type AND c.object_id = t.object_id AND c.root_span_id = t.root_span_id)"
            : $" AND t.first_xact <= @v AND EXISTS (SELECT 1 FROM event_history h WHERE h.object_type = t.object_type AND h.object_id = t.object_id AND h.root_span_id = t.root_span_id AND {LiveAsOfVersion})");
        sql.Append(" ORDER BY t.first_xact DESC, t.root_span_id DESC LIMIT @limit");

        await using var connection = await database.OpenAsync();
        var traces = (await connection.QueryAsync<(string Root, long FirstXact)>(sql.ToString(), args)).ToList();
        if (traces.Count == 0)
        {
            return new FetchPage([], null);
        }

        args.Add("roots", traces.Select(t => t.Root).ToArray());
        var rowsSql = version is null
            ? $"""
              SELECT c.root_span_id, h.data, c.xact_id FROM event_current c JOIN event_history h ON h.seq = c.history_seq
              WHERE c.object_type = @t AND c.object_id = @o AND {Dialect.InList("c.root_span_id", "roots")}
              """
            : $"""
              SELECT h.root_span_id, h.data, h.xact_id FROM event_history h
              WHERE h.object_type = @t AND h.object_id = @o AND {Dialect.InList("h.root_span_id", "roots")} AND {LiveAsOfVersion}
              """;
        var order = traces.Select((t, i) => (t.Root, i)).ToDictionary(p => p.Root, p => p.i);
        var rows = (await connection.QueryAsync<(string Root, string Data, long Xact)>(rowsSql, args))
            .OrderBy(r => order[r.Root])
            .ThenByDescending(r => r.Xact)
            .Select(r => new StoredEvent(r.Data, r.Xact))
            .ToList();
        var last = traces[^1];
        return new FetchPage(rows, new FetchCursor(last.FirstXact, last.Root, version));
    }

    /// <summary>Every live row of a log, newest version, in no particular order (for summaries).</summary>
    public async IAsyncEnumerable<StoredEvent> ReadAllAsync(EventObject obj)
    {
        await using var connection = await database.OpenAsync();
        await using var reader = await connection.ExecuteReaderAsync(
            """
            SELECT h.data, c.xact_id FROM event_current c JOIN event_history h ON h.seq = c.history_seq
            WHERE c.object_type = @t AND c.object_id = @o
            """,
            new { t = obj.TypeName, o = obj.Id });
        while (await reader.ReadAsync())
        {
            yield return new StoredEvent(reader.GetString(0), reader.GetInt64(1));
        }
    }

    /// <summary>Every row of a log that was live right after transaction <paramref name="asOf"/>, as it was then.</summary>
    public async IAsyncEnumerable<StoredEvent> ReadAllAsync(EventObject obj, long asOf)
    {
        await using var connection = await database.OpenAsync();
        await using var reader = await connection.ExecuteReaderAsync(
            $"SELECT h.data, h.xact_id FROM event_history h WHERE h.object_type = @t AND h.object_id = @o AND {LiveAsOfVersion}",
            new { t = obj.TypeName, o = obj.Id, v = asOf });
        while (await reader.ReadAsync())
        {
            yield return new StoredEvent(reader.GetString(0), reader.GetInt64(1));
        }
    }

    /// <summary>The newest transaction id handed out: every write committed so far is at or before it.</summary>
    public async Task<long> LastXactAsync()
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT last_xact FROM braid_xact WHERE id = 1");
    }

    public async Task<long> CountAsync(EventObject obj)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM event_current WHERE object_type = @t AND object_id = @o", new { t = obj.TypeName, o = obj.Id });
    }

    /// <summary>A history row <c>h</c> that is its row's newest version as of <c>@v</c>, and not a tombstone.</summary>
    private const string LiveAsOfVersion = """
        h.xact_id <= @v AND NOT h.deleted AND NOT EXISTS (
            SELECT 1 FROM event_history n
            WHERE n.object_type = h.object_type AND n.object_id = h.object_id AND n.id = h.id AND n.xact_id <= @v AND n.seq > h.seq)
        """;
}
