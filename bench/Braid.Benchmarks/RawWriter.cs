using System.Text.Json.Nodes;
using Braid.Storage;
using Braid.Storage.Events;
using Braid.Storage.Xact;
using Dapper;

namespace Braid.Benchmarks;

/// <summary>
/// The raw ceiling: the same rows written straight into the same schema (history, current row with its created,
/// search index, trace) in large transactions with prepared statements, no server, no HTTP, no JSON merging. Also
/// used to seed big logs fast.
/// </summary>
public sealed class RawWriter(Database database)
{
    public async Task<long> WriteAsync(string projectId, IEnumerable<JsonObject> rows, int rowsPerTransaction = 2000)
    {
        await using var connection = await database.OpenAsync();
        var last = await connection.ExecuteScalarAsync<long>("SELECT last_xact FROM braid_xact WHERE id = 1");
        long written = 0;
        using var batches = rows.Chunk(rowsPerTransaction).GetEnumerator();
        while (batches.MoveNext())
        {
            await using var transaction = await connection.BeginTransactionAsync();
            var xact = XactId.Next(last, DateTimeOffset.UtcNow);
            last = xact;
            await using var history = Commands.Create(connection, transaction,
                $"INSERT INTO event_history (object_type, object_id, id, xact_id, root_span_id, deleted, data) VALUES ('project_logs', @o, @id, @x, @r, @d, {database.Dialect.JsonParameter("data")}) RETURNING seq",
                "@o", "@id", "@x", "@r", "@d", "@data");
            await using var current = Commands.Create(connection, transaction,
                "INSERT INTO event_current (object_type, object_id, id, history_seq, xact_id, root_span_id, created) VALUES ('project_logs', @o, @id, @seq, @x, @r, @c) ON CONFLICT (object_type, object_id, id) DO UPDATE SET history_seq = excluded.history_seq, xact_id = excluded.xact_id, root_span_id = excluded.root_span_id, created = excluded.created",
                "@o", "@id", "@seq", "@x", "@r", "@c");
            await using var search = Commands.Create(connection, transaction,
                "INSERT INTO event_search (rowid, input, output, expected, error, metadata, tags, span_attributes) VALUES (@seq, @f0, @f1, @f2, @f3, @f4, @f5, @f6)",
                "@seq", "@f0", "@f1", "@f2", "@f3", "@f4", "@f5", "@f6");
            await using var trace = Commands.Create(connection, transaction,
                "INSERT INTO event_traces (object_type, object_id, root_span_id, first_xact) VALUES ('project_logs', @o, @r, @x) ON CONFLICT DO NOTHING",
                "@o", "@r", "@x");
            if (database.Dialect.SupportsArrayParameters)
            {
                written += await WriteArraysAsync(connection, transaction, database.Dialect, projectId, xact, batches.Current);
                await transaction.CommitAsync();
                continue;
            }

            foreach (var row in batches.Current)
            {
                var id = (string)row["id"]!;
                var root = (string)row["root_span_id"]!;
                row["created"] ??= "2026-11-29T00:00:00.000Z";
                row["is_root"] = row["span_parents"] is null;
                Commands.Bind(history, projectId, id, xact, root, false, row.ToJsonString());
                var seq = Convert.ToInt64(await history.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
                Commands.Bind(current, projectId, id, seq, xact, root, (string)row["created"]!);
                await current.ExecuteNonQueryAsync();
                Commands.Bind(search, [seq, .. SearchEntry.For(row, database.Dialect).Columns!.Select(c => (object?)c ?? DBNull.Value)]);
                await search.ExecuteNonQueryAsync();
                Commands.Bind(trace, projectId, root, xact);
                await trace.ExecuteNonQueryAsync();
                written++;
            }

            await transaction.CommitAsync();
        }

        await connection.ExecuteAsync("UPDATE braid_xact SET last_xact = @last WHERE id = 1 AND last_xact < @last", new { last });
        return written;
    }

    /// <summary>PostgreSQL's bulk form: the batch as arrays, one statement for all three tables.</summary>
    private static async Task<int> WriteArraysAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, SqlDialect dialect, string projectId, long xact, JsonObject[] rows)
    {
        foreach (var row in rows)
        {
            row["created"] ??= "2026-11-29T00:00:00.000Z";
            row["is_root"] = row["span_parents"] is null;
        }

        await using var command = Commands.Create(connection, transaction, """
            WITH h AS (
                INSERT INTO event_history (object_type, object_id, id, xact_id, root_span_id, deleted, data, search_tokens)
                SELECT 'project_logs', @o, u.id, @x, u.r, false, CAST(u.d AS jsonb), string_to_array(u.s, ' ') FROM unnest(@id, @r, @d, @s) AS u(id, r, d, s)
                RETURNING seq, id, root_span_id, data ->> 'created' AS created),
            c AS (
                INSERT INTO event_current (object_type, object_id, id, history_seq, xact_id, root_span_id, created)
                SELECT 'project_logs', @o, id, seq, @x, root_span_id, created FROM h
                ON CONFLICT (object_type, object_id, id) DO UPDATE SET history_seq = excluded.history_seq, xact_id = excluded.xact_id, root_span_id = excluded.root_span_id, created = excluded.created)
            INSERT INTO event_traces (object_type, object_id, root_span_id, first_xact)
            SELECT DISTINCT 'project_logs', @o, root_span_id, @x FROM h ON CONFLICT DO NOTHING
            """, "@o", "@x", "@id", "@r", "@d", "@s");
        Commands.Bind(command, projectId, xact, rows.Select(r => (string)r["id"]!).ToArray(), rows.Select(r => (string)r["root_span_id"]!).ToArray(), rows.Select(r => r.ToJsonString()).ToArray(),
            rows.Select(r => SearchEntry.For(r, dialect).Tagged!).ToArray());
        await command.ExecuteNonQueryAsync();
        return rows.Length;
    }
}
