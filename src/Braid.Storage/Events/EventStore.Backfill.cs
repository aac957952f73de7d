using System.Data.Common;
using System.Globalization;
using System.Text.Json.Nodes;
using Braid.Query.Search;
using Dapper;

namespace Braid.Storage.Events;

public sealed partial class EventStore
{
    /// <summary>Versions per backfill transaction: short enough not to hold up writers for long.</summary>
    public const int BackfillBatch = 1000;

    /// <summary>
    /// Indexes for search the row versions written before migration 0004 (those up to <c>search_backfill.upto</c>) and
    /// normalizes the <c>created</c> of the rows they are current for. Works from the newest version down, a batch per
    /// transaction that also lowers the marker, so it resumes where it stopped and several nodes starting at once take
    /// turns (the marker row is locked). Returns the number of versions indexed; 0 once there is nothing left.
    /// </summary>
    public async Task<long> BackfillSearchAsync(CancellationToken cancellationToken = default)
    {
        long indexed = 0;
        bool more;
        do
        {
            (var count, more) = await BackfillBatchAsync(cancellationToken);
            indexed += count;
        }
        while (more);
        return indexed;
    }

    private async Task<(int Indexed, bool More)> BackfillBatchAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var upto = await connection.ExecuteScalarAsync<long>("SELECT upto FROM search_backfill WHERE id = 1" + Dialect.ForUpdate, transaction: transaction);
        if (upto <= 0)
        {
            return (0, false);
        }

        var versions = await ReadVersionsAsync(connection, transaction, upto, cancellationToken);
        var indexed = 0;
        var tagged = new List<(long Seq, string Tokens)>();
        await using var search = Dialect.HasSearchTokensColumn ? null : SqliteSearchInsert(connection, transaction);
        foreach (var version in versions)
        {
            if (version.Deleted)
            {
                continue;
            }

            var row = JsonNode.Parse(version.Data)!.AsObject();
            var entry = SearchEntry.For(row, Dialect);
            if (search is not null)
            {
                Commands.Bind(search, [version.Seq, .. entry.Columns!.Select(c => (object?)c ?? DBNull.Value)]);
                await search.ExecuteNonQueryAsync(cancellationToken);
            }
            else
            {
                tagged.Add((version.Seq, entry.Tagged!));
            }

            indexed++;

            // Migration 0004 copied created as stored; only a date-time not already in Clock.Format's form changes.
            // The seq condition leaves rows whose current version is another one alone.
            var raw = row[RowFields.Created] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
            if (Clock.NormalizeCreated(row[RowFields.Created]) is { } created && created != raw)
            {
                await connection.ExecuteAsync("""
                    UPDATE event_current SET created = @created
                    WHERE object_type = @ObjectType AND object_id = @ObjectId AND id = @Id AND history_seq = @Seq
                    """, new { created, version.ObjectType, version.ObjectId, version.Id, version.Seq }, transaction);
            }
        }

        if (tagged.Count > 0)
        {
            await connection.ExecuteAsync("""
                UPDATE event_history h SET search_tokens = string_to_array(u.s, ' ')
                FROM unnest(@seqs, @tokens) AS u(seq, s) WHERE h.seq = u.seq
                """, new { seqs = tagged.Select(t => t.Seq).ToArray(), tokens = tagged.Select(t => t.Tokens).ToArray() }, transaction);
        }

        var more = versions.Count == BackfillBatch;
        var next = more ? versions[^1].Seq - 1 : 0;
        await connection.ExecuteAsync("UPDATE search_backfill SET upto = @next WHERE id = 1", new { next }, transaction);
        await transaction.CommitAsync(cancellationToken);
        return (indexed, more && next > 0);
    }

    private static async Task<List<BackfillVersion>> ReadVersionsAsync(DbConnection connection, DbTransaction transaction, long upto, CancellationToken cancellationToken)
    {
        await using var command = Commands.Create(connection, transaction,
            "SELECT seq, object_type, object_id, id, deleted, data FROM event_history WHERE seq <= @upto ORDER BY seq DESC LIMIT @limit",
            "@upto", "@limit");
        Commands.Bind(command, upto, BackfillBatch);
        var versions = new List<BackfillVersion>(BackfillBatch);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(new BackfillVersion(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetBoolean(4), reader.GetString(5)));
        }

        return versions;
    }

    private static DbCommand SqliteSearchInsert(DbConnection connection, DbTransaction transaction)
    {
        var fields = SearchTokens.Fields;
        var parameters = fields.Select((_, i) => "@f" + i.ToString(CultureInfo.InvariantCulture)).ToList();
        // OR REPLACE: a version indexed already (by an earlier, interrupted run) gets its entry written afresh.
        return Commands.Create(connection, transaction,
            $"INSERT OR REPLACE INTO event_search (rowid, {string.Join(", ", fields)}) VALUES (@seq, {string.Join(", ", parameters)})",
            ["@seq", .. parameters]);
    }

    private sealed record BackfillVersion(long Seq, string ObjectType, string ObjectId, string Id, bool Deleted, string Data);
}
