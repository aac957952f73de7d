using System.Data.Common;
using System.Text;
using Dapper;

namespace Braid.Storage.Tenancy;

/// <summary>A live key as the API lists it, with its user; never its hash.</summary>
public sealed record KeyRow(
    string Id, string Name, string PreviewName, string Created, string OrgId,
    string UserId, string UserEmail, string? UserGivenName, string? UserFamilyName);

/// <summary>A key just minted or rotated: <see cref="Raw"/> exists only in this value, never in the store.</summary>
public sealed record MintedKey(KeyRow Row, string Raw);

/// <summary>
/// API keys and service tokens share the api_keys table and authenticate alike; a key is a service token when its
/// user is a service account. Each operation below names which of the two it works on.
/// </summary>
public sealed partial class TenantStore
{
    private const string KeyColumns = """
        k.id, k.name, k.preview_name AS PreviewName, k.created, k.org_id AS OrgId,
        k.user_id AS UserId, u.email AS UserEmail, u.given_name AS UserGivenName, u.family_name AS UserFamilyName
        """;

    private const string LiveKeys = """
        FROM api_keys k JOIN users u ON u.id = k.user_id
        WHERE k.org_id = @orgId AND k.deleted_at IS NULL AND u.service_account = @serviceTokens
        """;

    /// <summary>The organization's live API keys (or service tokens), filtered by id and name.</summary>
    public async Task<IReadOnlyList<KeyRow>> ListKeysAsync(string orgId, bool serviceTokens, TenantQuery query)
    {
        var sql = new StringBuilder($"SELECT {KeyColumns} {LiveKeys}");
        if (query.Name is not null)
        {
            sql.Append(" AND k.name = @Name");
        }

        var backwards = query.AppendPage(sql, database.Dialect, "k.id");
        var parameters = new DynamicParameters(query);
        parameters.Add("orgId", orgId);
        parameters.Add("serviceTokens", serviceTokens);
        await using var connection = await database.OpenAsync();
        return TenantQuery.InListOrder(await connection.QueryAsync<KeyRow>(sql.ToString(), parameters), backwards);
    }

    public async Task<KeyRow?> GetKeyAsync(string orgId, string id, bool serviceToken)
    {
        await using var connection = await database.OpenAsync();
        return await GetKeyAsync(connection, null, orgId, id, serviceToken);
    }

    /// <summary>Revokes a live key: it stops authenticating at once. Returns it, or null when there was none.</summary>
    public async Task<KeyRow?> RevokeKeyAsync(string orgId, string id, bool serviceToken)
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var key = await GetKeyAsync(connection, transaction, orgId, id, serviceToken);
        if (key is null || await connection.ExecuteAsync(
                "UPDATE api_keys SET deleted_at = @now WHERE id = @id AND deleted_at IS NULL", new { id, now = Now() }, transaction) != 1)
        {
            return null;
        }

        await transaction.CommitAsync();
        return key;
    }

    /// <summary>Mints a key for a member: an API key, or a service token when the member is a service account.</summary>
    public async Task<MintedKey> MintKeyAsync(string orgId, string userId, string name)
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var key = await MintAsync(connection, transaction, orgId, userId, name);
        await transaction.CommitAsync();
        return key;
    }

    /// <summary>
    /// PUT of a service token: the service account's live token of that name gets a new secret under the same id
    /// (the old one stops authenticating); without one, a token is minted.
    /// </summary>
    public async Task<(MintedKey Key, bool Replaced)> ReplaceServiceTokenAsync(string orgId, string serviceAccountId, string name)
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var id = await connection.ExecuteScalarAsync<string?>(
            $"""
            SELECT k.id {LiveKeys} AND k.user_id = @serviceAccountId AND k.name = @name
            ORDER BY k.id DESC LIMIT 1 {database.Dialect.ForUpdate}
            """,
            new { orgId, serviceTokens = true, serviceAccountId, name }, transaction);
        MintedKey key;
        if (id is null)
        {
            key = await MintAsync(connection, transaction, orgId, serviceAccountId, name);
        }
        else
        {
            var (raw, preview) = NewKey(ServiceTokenPrefix);
            await connection.ExecuteAsync(
                "UPDATE api_keys SET key_hash = @hash, preview_name = @preview WHERE id = @id",
                new { id, hash = Hash(raw), preview }, transaction);
            key = new MintedKey((await GetKeyAsync(connection, transaction, orgId, id, serviceToken: true))!, raw);
        }

        await transaction.CommitAsync();
        return (key, id is not null);
    }

    /// <summary>Whether the user is a service account and a member of the organization.</summary>
    public async Task<bool> IsServiceAccountAsync(string orgId, string userId)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>(
            """
            SELECT COUNT(*) FROM users u JOIN org_members m ON m.user_id = u.id
            WHERE m.org_id = @orgId AND u.id = @userId AND u.service_account = @serviceAccount
            """,
            new { orgId, userId, serviceAccount = true }) > 0;
    }

    private static async Task<MintedKey> MintAsync(DbConnection connection, DbTransaction transaction, string orgId, string userId, string name)
    {
        var serviceToken = await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM users WHERE id = @userId AND service_account = @serviceAccount",
            new { userId, serviceAccount = true }, transaction) > 0;
        var (id, raw, _) = await InsertKeyAsync(connection, transaction, orgId, userId, name, serviceToken ? ServiceTokenPrefix : ApiKeyPrefix);
        var row = await GetKeyAsync(connection, transaction, orgId, id, serviceToken);
        return new MintedKey(row!, raw);
    }

    private static Task<KeyRow?> GetKeyAsync(DbConnection connection, DbTransaction? transaction, string orgId, string id, bool serviceToken) =>
        connection.QuerySingleOrDefaultAsync<KeyRow>(
            $"SELECT {KeyColumns} {LiveKeys} AND k.id = @id", new { orgId, id, serviceTokens = serviceToken }, transaction);
}
