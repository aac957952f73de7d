using System.Data.Common;
using System.Text;
using System.Text.Json.Nodes;
using Braid.Storage.Xact;
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

    /// <summary>The document field holding an object's encrypted secret (ai_secret, env_var value); never rendered.</summary>
    public const string SealedField = "__secret";

    private SqlDialect Dialect => database.Dialect;

    /// <summary>
    /// Inserts unless a live object of the same kind already holds the natural key in that scope; null when it does.
    /// A <paramref name="versioned"/> object gets a new <c>_xact_id</c> in its document and a first version.
    /// </summary>
    /// <summary>
    /// Inserts the object unless its id or natural key is taken (null then). <paramref name="audit"/>, an audit record
    /// of the change, commits with it or not at all; so do the <c>audit</c> rows of <see cref="UpdateAsync"/> and
    /// <see cref="DeleteAsync"/>.
    /// </summary>
    public async Task<ObjectRow?> TryInsertAsync(ObjectRow row, bool versioned = false, ObjectRow? audit = null)
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var xact = versioned ? await NextXactAsync(connection, transaction) : 0;
        if (versioned)
        {
            row = row with { Data = Stamp(row.Data, xact) };
        }

        var inserted = await connection.ExecuteAsync(
            $"""
            INSERT INTO objects (id, org_id, kind, scope_id, natural_key, name, data, created)
            VALUES (@Id, @OrgId, @Kind, @ScopeId, @NaturalKey, @Name, {Dialect.JsonParameter("Data")}, @Created)
            ON CONFLICT DO NOTHING
            """,
            row, transaction);
        if (inserted != 1)
        {
            return null;
        }

        if (versioned)
        {
            await InsertVersionAsync(connection, transaction, row.OrgId, row.Id, xact, row.Data);
        }

        await InsertAuditAsync(connection, transaction, audit);
        await transaction.CommitAsync();
        return row;
    }

    /// <summary>Records an audit event (a document of kind <c>audit_event</c>) on its own.</summary>
    public async Task AuditAsync(ObjectRow audit)
    {
        await using var connection = await database.OpenAsync();
        await InsertAuditAsync(connection, null, audit);
    }

    private async Task InsertAuditAsync(DbConnection connection, DbTransaction? transaction, ObjectRow? audit)
    {
        if (audit is not null)
        {
            await connection.ExecuteAsync(
                $"""
                INSERT INTO objects (id, org_id, kind, scope_id, natural_key, name, data, created)
                VALUES (@Id, @OrgId, @Kind, @ScopeId, @NaturalKey, @Name, {Dialect.JsonParameter("Data")}, @Created)
                """,
                audit, transaction);
        }
    }

    public async Task<ObjectRow?> GetAsync(string orgId, string kind, string id)
    {
        await using var connection = await database.OpenAsync();
        return await connection.QuerySingleOrDefaultAsync<ObjectRow>(
            $"SELECT {Columns} FROM objects WHERE org_id = @orgId AND kind = @kind AND id = @id AND deleted_at IS NULL",
            new { orgId, kind, id });
    }

    /// <summary>Every live object of a kind in every organization, for background work (online scoring rules).</summary>
    public async Task<IReadOnlyList<ObjectRow>> ListEveryOrganizationAsync(string kind)
    {
        await using var connection = await database.OpenAsync();
        return [.. await connection.QueryAsync<ObjectRow>(
            $"SELECT {Columns} FROM objects WHERE kind = @kind AND deleted_at IS NULL ORDER BY seq", new { kind })];
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

    /// <summary>
    /// Replaces an object's document and key columns. A <paramref name="versioned"/> object gets a new <c>_xact_id</c>
    /// and keeps the new state as a version. Returns the stored document when written.
    /// </summary>
    public async Task<(WriteOutcome Outcome, string Data)> UpdateAsync(
        string orgId, string kind, string id, string? naturalKey, string? name, string data, bool versioned = false, ObjectRow? audit = null)
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var xact = versioned ? await NextXactAsync(connection, transaction) : 0;
        if (versioned)
        {
            data = Stamp(data, xact);
        }

        try
        {
            var updated = await connection.ExecuteAsync(
                $"""
                UPDATE objects SET natural_key = @naturalKey, name = @name, data = {Dialect.JsonParameter("data")}
                WHERE org_id = @orgId AND kind = @kind AND id = @id AND deleted_at IS NULL
                """,
                new { orgId, kind, id, naturalKey, name, data }, transaction);
            if (updated != 1)
            {
                return (WriteOutcome.NotFound, data);
            }
        }
        catch (DbException e) when (Dialect.IsUniqueViolation(e))
        {
            return (WriteOutcome.NaturalKeyTaken, data);
        }

        if (versioned)
        {
            await InsertVersionAsync(connection, transaction, orgId, id, xact, data);
        }

        await InsertAuditAsync(connection, transaction, audit);
        await transaction.CommitAsync();
        return (WriteOutcome.Written, data);
    }

    /// <summary>The document of a live versioned object as of a transaction: its latest version at or before it.</summary>
    public async Task<string?> GetVersionAsync(string orgId, string id, long asOf)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteScalarAsync<string?>(
            """
            SELECT data FROM object_versions
            WHERE id = @id AND org_id = @orgId AND xact_id <= @asOf
            ORDER BY xact_id DESC LIMIT 1
            """,
            new { orgId, id, asOf });
    }

    /// <summary>The version (an _xact_id) an environment pins for an object, or null when it pins none.</summary>
    public async Task<long?> GetAssignmentAsync(string orgId, string objectType, string objectId, string environmentId)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteScalarAsync<long?>(
            """
            SELECT object_version FROM environment_objects
            WHERE org_id = @orgId AND object_type = @objectType AND object_id = @objectId AND environment_id = @environmentId
            """,
            new { orgId, objectType, objectId, environmentId });
    }

    /// <summary>Every environment's pinned version of an object: (environment id, version, when pinned).</summary>
    public async Task<IReadOnlyList<(string EnvironmentId, long Version, string Created)>> ListAssignmentsAsync(
        string orgId, string objectType, string objectId)
    {
        await using var connection = await database.OpenAsync();
        return [.. await connection.QueryAsync<(string, long, string)>(
            """
            SELECT environment_id, object_version, created FROM environment_objects
            WHERE org_id = @orgId AND object_type = @objectType AND object_id = @objectId
            ORDER BY environment_id
            """,
            new { orgId, objectType, objectId })];
    }

    /// <summary>Pins (or re-pins) an environment to a version of an object; <paramref name="audit"/> commits with it.</summary>
    public async Task SetAssignmentAsync(string orgId, string objectType, string objectId, string environmentId, long version, ObjectRow? audit = null)
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync(
            """
            INSERT INTO environment_objects (org_id, object_type, object_id, environment_id, object_version, created)
            VALUES (@orgId, @objectType, @objectId, @environmentId, @version, @created)
            ON CONFLICT (object_type, object_id, environment_id)
            DO UPDATE SET object_version = excluded.object_version, created = excluded.created
            """,
            new { orgId, objectType, objectId, environmentId, version, created = Clock.Format(DateTimeOffset.UtcNow) }, transaction);
        await InsertAuditAsync(connection, transaction, audit);
        await transaction.CommitAsync();
    }

    /// <summary>Unpins an environment from an object; false when it pinned nothing. <paramref name="audit"/> commits with an unpin.</summary>
    public async Task<bool> DeleteAssignmentAsync(string orgId, string objectType, string objectId, string environmentId, ObjectRow? audit = null)
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var deleted = await connection.ExecuteAsync(
            """
            DELETE FROM environment_objects
            WHERE org_id = @orgId AND object_type = @objectType AND object_id = @objectId AND environment_id = @environmentId
            """,
            new { orgId, objectType, objectId, environmentId }, transaction) == 1;
        if (deleted)
        {
            await InsertAuditAsync(connection, transaction, audit);
        }

        await transaction.CommitAsync();
        return deleted;
    }

    // Versions share the deployment-wide xact sequence with events, so a prompt version and a log row
    // written later always compare in write order.
    private async Task<long> NextXactAsync(DbConnection connection, DbTransaction transaction)
    {
        var last = await connection.ExecuteScalarAsync<long>(
            "SELECT last_xact FROM braid_xact WHERE id = 1" + Dialect.ForUpdate, transaction: transaction);
        var next = XactId.Next(last, DateTimeOffset.UtcNow);
        await connection.ExecuteAsync("UPDATE braid_xact SET last_xact = @next WHERE id = 1", new { next }, transaction);
        return next;
    }

    private Task InsertVersionAsync(DbConnection connection, DbTransaction transaction, string orgId, string id, long xact, string data) =>
        connection.ExecuteAsync(
            $"""
            INSERT INTO object_versions (id, xact_id, org_id, data)
            VALUES (@id, @xact, @orgId, {Dialect.JsonParameter("data")})
            """,
            new { id, xact, orgId, data },
            transaction);

    private static string Stamp(string data, long xact)
    {
        var doc = JsonNode.Parse(data)!.AsObject();
        doc["_xact_id"] = XactId.Format(xact);
        return doc.ToJsonString();
    }

    /// <summary>
    /// Soft-deletes an object and every live object scoped under it, at any depth (a project's datasets, their
    /// snapshots, views on its experiments), in one transaction. Returns the deleted row, or null when there was no live object.
    /// A deleted object keeps no secret, not even encrypted: <see cref="SealedField"/> is dropped from each document.
    /// </summary>
    public async Task<ObjectRow?> DeleteAsync(string orgId, string kind, string id, DateTimeOffset when, ObjectRow? audit = null)
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
            $"""
            WITH RECURSIVE doomed (id) AS (
                SELECT @id
                UNION
                SELECT o.id FROM objects o JOIN doomed d ON o.scope_id = d.id
                WHERE o.org_id = @orgId AND o.deleted_at IS NULL
            )
            UPDATE objects SET deleted_at = @deletedAt, data = {Dialect.JsonWithout("data", "sealedKey")}
            WHERE org_id = @orgId AND deleted_at IS NULL AND id IN (SELECT id FROM doomed)
            """,
            new { orgId, id, deletedAt, sealedKey = SealedField }, transaction);
        await InsertAuditAsync(connection, transaction, audit);
        await transaction.CommitAsync();
        return row with { DeletedAt = deletedAt };
    }
}
