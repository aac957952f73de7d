using Braid.Server.Tests.Infrastructure;
using Braid.Storage;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Storage;

/// <summary>
/// Reads migration 0004's columns the way the query engine will: raw SQL over <c>event_current.created</c> and the
/// search index (SQLite <c>event_search</c>, PostgreSQL <c>event_history.search_tokens</c>).
/// </summary>
public sealed class SearchIndex(BraidApp app)
{
    private Database Database => app.Services.GetRequiredService<Database>();

    /// <summary>A log path as the tests name it (<c>project_logs/{id}</c>) as its stored type and id.</summary>
    public static (string Type, string Id) Stored(string log) => log.Split('/') switch
    {
        [var type, var id] => (type, id),
        _ => throw new ArgumentException(log),
    };

    public async Task<string?> CreatedAsync(string log, string id)
    {
        var (type, objectId) = Stored(log);
        await using var connection = await Database.OpenAsync();
        return await connection.QuerySingleAsync<string?>(
            "SELECT created FROM event_current WHERE object_type = @type AND object_id = @objectId AND id = @id", new { type, objectId, id });
    }

    /// <summary>Ids of the log's current rows whose <paramref name="field"/> has every one of the tokens.</summary>
    public async Task<List<string>> CurrentAsync(string log, string field, params string[] tokens)
    {
        var (type, objectId) = Stored(log);
        await using var connection = await Database.OpenAsync();
        var rows = TestStore.IsPostgres
            ? await connection.QueryAsync<string>("""
                SELECT c.id FROM event_history h JOIN event_current c ON c.history_seq = h.seq
                WHERE h.search_tokens @> @tagged AND c.object_type = @type AND c.object_id = @objectId
                """, new { tagged = tokens.Select(t => $"{field}:{t}").ToArray(), type, objectId })
            : await connection.QueryAsync<string>("""
                SELECT c.id FROM event_search s JOIN event_current c ON c.history_seq = s.rowid
                WHERE event_search MATCH @match AND c.object_type = @type AND c.object_id = @objectId
                """, new { match = Match(field, tokens), type, objectId });
        return rows.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Every indexed version (seq) of any row, current or not, whose <paramref name="field"/> has the tokens.</summary>
    public async Task<List<long>> VersionsAsync(string field, params string[] tokens)
    {
        await using var connection = await Database.OpenAsync();
        var seqs = TestStore.IsPostgres
            ? await connection.QueryAsync<long>("SELECT seq FROM event_history WHERE search_tokens @> @tagged",
                new { tagged = tokens.Select(t => $"{field}:{t}").ToArray() })
            : await connection.QueryAsync<long>("SELECT rowid FROM event_search WHERE event_search MATCH @match",
                new { match = Match(field, tokens) });
        return seqs.Order().ToList();
    }

    /// <summary>Whether a version has an entry in the index at all.</summary>
    public async Task<bool> IsIndexedAsync(long seq)
    {
        await using var connection = await Database.OpenAsync();
        return TestStore.IsPostgres
            ? await connection.ExecuteScalarAsync<bool>("SELECT search_tokens IS NOT NULL FROM event_history WHERE seq = @seq", new { seq })
            : await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM event_search WHERE rowid = @seq", new { seq }) > 0;
    }

    /// <summary>The seqs of a row's versions, oldest first.</summary>
    public async Task<List<long>> HistoryAsync(string log, string id)
    {
        var (type, objectId) = Stored(log);
        await using var connection = await Database.OpenAsync();
        return (await connection.QueryAsync<long>(
            "SELECT seq FROM event_history WHERE object_type = @type AND object_id = @objectId AND id = @id ORDER BY seq",
            new { type, objectId, id })).ToList();
    }

    /// <summary>An FTS5 query for tokens of one column: each token quoted, all of them required.</summary>
    private static string Match(string field, string[] tokens) =>
        $"{{{field}}} : ({string.Join(" AND ", tokens.Select(t => $"\"{t}\""))})";
}
