using System.Data.Common;
using System.Text;
using Dapper;

namespace Braid.Storage.Objects;

/// <summary>A stored control-plane object: its JSON document plus the columns Braid looks it up by.</summary>
public sealed record ObjectRow(
    long Seq, string Id, string OrgId, string Kind, string ScopeId, string? NaturalKey, string? Name,
    string Data, string Created, string? DeletedAt);

/// <summary>What a list asks for. Null filters are absent; <see cref="ScopeName"/> names the parent project.</summary>
public sealed record ObjectQuery(string OrgId, string Kind)
{
    public string[]? Ids { get; init; }
    public string? Name { get; init; }
    public string? ScopeId { get; init; }
    public string? ScopeName { get; init; }
    public string? ScopeKind { get; init; }
    public long? AfterSeq { get; init; }
    public long? BeforeSeq { get; init; }
}

public enum WriteOutcome
{
    Written,
    NotFound,
    NaturalKeyTaken,
}

/// <summary>
/// One table for every control-plane kind. Reads never cross organizations: every statement is keyed by org_id.
/// </summary>
public sealed class ObjectStore(Database database)
{
    private const string Columns = "seq, id, org_id AS OrgId, kind, scope_id AS ScopeId, natural_key AS NaturalKey, name, data, created, deleted_at AS DeletedAt";

    private SqlDialect Dialect => database.Dialect;

    /// <summary>Inserts unless a live object of the same kind already holds the natural key in that scope.</summary>
    public async Task<bool> TryInsertAsync(ObjectRow row)
    {
        await using var connection = await database.OpenAsync();
        var inserted = await connection.ExecuteAsync(
            $"""
            INSERT INTO objects (id, org_id, kind, scope_id, natural_key, name, data, created)
            VALUES (@Id, @OrgId, @Kind, @ScopeId, @NaturalKey, @Name, {Dialect.JsonParameter("Data")}, @Created)
            ON CONFLICT DO NOTHING
            """,
            row);
        return inserted == 1;
    }

    public async Task<ObjectRow?> GetAsync(string orgId, string kind, string id)
    {
        await using var connection = await database.OpenAsync();
        return await connection.QuerySingleOrDefaultAsync<ObjectRow>(
            $"SELECT {Columns} FROM objects WHERE org_id = @orgId AND kind = @kind AND id = @id AND deleted_at IS NULL",
            new { orgId, kind, id });
    }

    public async Task<ObjectRow?> GetByNaturalKeyAsync(string orgId, string kind, string scopeId, string naturalKey)
    {
        await using var connection = await database.OpenAsync();
        return await connection.QuerySingleOrDefaultAsync<ObjectRow>(
            $"""
            SELECT {Columns} FROM objects
            WHERE org_id = @orgId AND kind = @kind AND scope_id = @scopeId AND natural_key = @naturalKey AND deleted_at IS NULL
            """,
            new { orgId, kind, scopeId, naturalKey });
    }

    /// <summary>The paging position of an object, deleted or not, so a cursor outlives the object it names.</summary>
    public async Task<long?> FindSeqAsync(string orgId, string kind, string id)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteScalarAsync<long?>(
            "SELECT seq FROM objects WHERE org_id = @orgId AND kind = @kind AND id = @id", new { orgId, kind, id });
    }

    /// <summary>
    /// Streams matching live objects, newest first (oldest first when paging backwards with <see cref="ObjectQuery.BeforeSeq"/>).
    /// The caller stops reading when it has enough, so filters applied in memory still page correctly.
    /// </summary>
    public async IAsyncEnumerable<ObjectRow> ListAsync(ObjectQuery query, int? limit)
    {
        var sql = new StringBuilder($"SELECT {Columns} FROM objects WHERE org_id = @OrgId AND kind = @Kind AND deleted_at IS NULL");
        if (query.Ids is not null)
        {
            sql.Append(" AND ").Append(Dialect.InList("id", nameof(ObjectQuery.Ids)));
        }

        if (query.Name is not null)
        {
            sql.Append(" AND name = @Name");
        }

        if (query.ScopeId is not null)
        {
            sql.Append(" AND scope_id = @ScopeId");
        }

        if (query.ScopeName is not null)
        {
            sql.Append(" AND scope_id IN (SELECT id FROM objects WHERE org_id = @OrgId AND kind = @ScopeKind AND name = @ScopeName AND deleted_at IS NULL)");
        }

        if (query.AfterSeq is not null)
        {
            sql.Append(" AND seq < @AfterSeq");
        }

        var backwards = query.BeforeSeq is not null;
        sql.Append(backwards ? " AND seq > @BeforeSeq ORDER BY seq ASC" : " ORDER BY seq DESC");
        if (limit is not null)
        {
            sql.Append(" LIMIT ").Append(limit.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        await using var connection = await database.OpenAsync();
        await using var reader = await connection.ExecuteReaderAsync(sql.ToString(), query);
        var parser = reader.GetRowParser<ObjectRow>();
        while (await reader.ReadAsync())
        {
            yield return parser(reader);
        }
    }

    /// <summary>Replaces an object's document and key columns.</summary>
    public async Task<WriteOutcome> UpdateAsync(string orgId, string kind, string id, string? naturalKey, string? name, string data)
    {
        await using var connection = await database.OpenAsync();
        try
        {
            var updated = await connection.ExecuteAsync(
                $"""
                UPDATE objects SET natural_key = @naturalKey, name = @name, data = {Dialect.JsonParameter("data")}
                WHERE org_id = @orgId AND kind = @kind AND id = @id AND deleted_at IS NULL
                """,
                new { orgId, kind, id, naturalKey, name, data });
            return updated == 1 ? WriteOutcome.Written : WriteOutcome.NotFound;
        }
        catch (DbException e) when (Dialect.IsUniqueViolation(e))
        {
            return WriteOutcome.NaturalKeyTaken;
        }
    }

    /// <summary>
    /// Soft-deletes an object and every live object scoped under it (a project's experiments and datasets),
    /// in one transaction. Returns the deleted row, or null when there was no live object.
    /// </summary>
    public async Task<ObjectRow?> DeleteAsync(string orgId, string kind, string id, DateTimeOffset when)
    {
        var deletedAt = Clock.Format(when);
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var row = await connection.QuerySingleOrDefaultAsync<ObjectRow>(
            $"SELECT {Columns} FROM objects WHERE org_id = @orgId AND kind = @kind AND id = @id AND deleted_at IS NULL",
            new { orgId, kind, id }, transaction);
        if (row is null)
        {
            return null;
        }

        await connection.ExecuteAsync(
            """
            UPDATE objects SET deleted_at = @deletedAt
            WHERE org_id = @orgId AND deleted_at IS NULL AND (id = @id OR scope_id = @id)
            """,
            new { orgId, id, deletedAt }, transaction);
        await transaction.CommitAsync();
        return row with { DeletedAt = deletedAt };
    }
}
