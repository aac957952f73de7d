using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Dapper;

namespace Braid.Storage.Tenancy;

public sealed record Organization(string Id, string Name, string Created);

public sealed record User(string Id, string Email, string? GivenName, string? FamilyName, string Created);

/// <summary>
/// Who a request acts as: the key's user, in one organization that user belongs to. Under impersonation
/// (<c>x-bt-impersonate-user</c>) the user is the impersonated one and <see cref="ImpersonatorId"/> the key's.
/// </summary>
public sealed record Principal(string UserId, string OrgId, string OrgName, string ApiKeyId, string? ImpersonatorId = null);

/// <summary>A freshly minted API key: the raw key exists only in this value, never in the store.</summary>
public sealed record CreatedApiKey(string Id, string Key, string PreviewName, Organization Organization, User User);

/// <summary>Organizations, users, memberships and API keys.</summary>
public sealed partial class TenantStore(Database database)
{
    public async Task<Organization?> FindOrganizationByIdAsync(string id)
    {
        await using var connection = await database.OpenAsync();
        return await connection.QuerySingleOrDefaultAsync<Organization>(
            "SELECT id, name, created FROM organizations WHERE id = @id", new { id });
    }

    public async Task<Organization?> FindOrganizationAsync(string name)
    {
        await using var connection = await database.OpenAsync();
        return await connection.QuerySingleOrDefaultAsync<Organization>(
            "SELECT id, name, created FROM organizations WHERE name = @name", new { name });
    }

    /// <summary>
    /// On a store with no organization, creates one with an owner and a first key, atomically, and returns
    /// the key. Returns null when the store already has an organization (also when another node won the race).
    /// </summary>
    public async Task<CreatedApiKey?> BootstrapAsync(string organizationName, string ownerEmail)
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM organizations", transaction: transaction) > 0)
        {
            return null;
        }

        var org = await EnsureOrganizationAsync(connection, transaction, organizationName);
        if (org.Inserted is false)
        {
            return null;
        }

        var user = await EnsureUserAsync(connection, transaction, ownerEmail);
        await AddMemberAsync(connection, transaction, org.Value.Id, user.Id);
        await CreateBuiltInGroupsAsync(connection, transaction, org.Value.Id, [user.Id]);
        var key = await InsertKeyAsync(connection, transaction, org.Value, user, "initial");
        await transaction.CommitAsync();
        return key;
    }

    /// <summary>
    /// Mints a key for a user in an organization, creating either when missing. The creator of an organization is its
    /// first Owner; a user added to an existing one joins no group, so has only what ACLs grant them.
    /// </summary>
    public async Task<CreatedApiKey> CreateApiKeyAsync(string organizationName, string userEmail, string keyName)
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var org = await EnsureOrganizationAsync(connection, transaction, organizationName);
        var user = await EnsureUserAsync(connection, transaction, userEmail);
        await AddMemberAsync(connection, transaction, org.Value.Id, user.Id);
        if (org.Inserted)
        {
            await CreateBuiltInGroupsAsync(connection, transaction, org.Value.Id, [user.Id]);
        }

        var key = await InsertKeyAsync(connection, transaction, org.Value, user, keyName);
        await transaction.CommitAsync();
        return key;
    }

    /// <summary>
    /// Resolves a raw key to its principal and the organization's generation (<see cref="AccessGenerationAsync"/>), read
    /// in the same statement: one store read per request both checks the key (a revoked one fails at once) and tells
    /// whether what a node cached about the organization is still current.
    /// </summary>
    public async Task<(Principal Principal, long Generation)?> AuthenticateAsync(string rawKey)
    {
        await using var connection = await database.OpenAsync();
        var key = await connection.QuerySingleOrDefaultAsync<(string Id, string UserId, string OrgId, string OrgName, long Generation)>(
            """
            SELECT k.id, k.user_id, k.org_id, o.name, o.access_generation
            FROM api_keys k JOIN organizations o ON o.id = k.org_id
            WHERE k.key_hash = @hash AND k.deleted_at IS NULL
            """,
            new { hash = Hash(rawKey) });
        return key.Id is null ? null : (new Principal(key.UserId, key.OrgId, key.OrgName, key.Id), key.Generation);
    }

    /// <summary>The same user acting in another of their organizations, or null when they are not a member.</summary>
    public async Task<Principal?> SwitchOrganizationAsync(Principal principal, string organizationName)
    {
        if (organizationName == principal.OrgName)
        {
            return principal;
        }

        await using var connection = await database.OpenAsync();
        return await SwitchOrganizationAsync(connection, principal, organizationName);
    }

    private static async Task<Principal?> SwitchOrganizationAsync(DbConnection connection, Principal principal, string organizationName)
    {
        var orgId = await connection.ExecuteScalarAsync<string?>(
            """
            SELECT o.id FROM organizations o JOIN org_members m ON m.org_id = o.id
            WHERE o.name = @organizationName AND m.user_id = @UserId
            """,
            new { organizationName, principal.UserId });
        return orgId is null ? null : principal with { OrgId = orgId, OrgName = organizationName };
    }

    private static async Task<(Organization Value, bool Inserted)> EnsureOrganizationAsync(
        DbConnection connection, DbTransaction transaction, string name)
    {
        var inserted = await connection.ExecuteAsync(
            "INSERT INTO organizations (id, name, created) VALUES (@id, @name, @created) ON CONFLICT DO NOTHING",
            new { id = NewId(), name, created = Now() }, transaction);
        var org = await connection.QuerySingleAsync<Organization>(
            "SELECT id, name, created FROM organizations WHERE name = @name", new { name }, transaction);
        return (org, inserted == 1);
    }

    private static async Task<User> EnsureUserAsync(DbConnection connection, DbTransaction transaction, string email)
    {
        await connection.ExecuteAsync(
            "INSERT INTO users (id, email, created) VALUES (@id, @email, @created) ON CONFLICT DO NOTHING",
            new { id = NewId(), email, created = Now() }, transaction);
        return await connection.QuerySingleAsync<User>(
            "SELECT id, email, given_name AS GivenName, family_name AS FamilyName, created FROM users WHERE email = @email",
            new { email }, transaction);
    }

    // 1 when the user was not a member yet.
    private static Task<int> AddMemberAsync(DbConnection connection, DbTransaction transaction, string orgId, string userId) =>
        connection.ExecuteAsync(
            "INSERT INTO org_members (org_id, user_id, created) VALUES (@orgId, @userId, @created) ON CONFLICT DO NOTHING",
            new { orgId, userId, created = Now() }, transaction);

    private static async Task<CreatedApiKey> InsertKeyAsync(
        DbConnection connection, DbTransaction transaction, Organization org, User user, string name)
    {
        var id = await InsertKeyAsync(connection, transaction, org.Id, user.Id, name, ApiKeyPrefix);
        return new CreatedApiKey(id.Id, id.Raw, id.Preview, org, user);
    }

    private static async Task<(string Id, string Raw, string Preview)> InsertKeyAsync(
        DbConnection connection, DbTransaction transaction, string orgId, string userId, string name, string prefix)
    {
        var (raw, preview) = NewKey(prefix);
        var id = NewId();
        await connection.ExecuteAsync(
            """
            INSERT INTO api_keys (id, org_id, user_id, name, preview_name, key_hash, created)
            VALUES (@id, @orgId, @userId, @name, @preview, @hash, @created)
            """,
            new { id, orgId, userId, name, preview, hash = Hash(raw), created = Now() },
            transaction);
        return (id, raw, preview);
    }

    // A raw key and the preview that may be shown again (its last four characters).
    private static (string Raw, string Preview) NewKey(string prefix)
    {
        var raw = prefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        return (raw, prefix + "****" + raw[^4..]);
    }

    private const string ApiKeyPrefix = "sk-";

    // Braintrust's service tokens start with bt-st-; nothing but the preview depends on it.
    private const string ServiceTokenPrefix = "bt-st-";

    // Keys carry 256 random bits, so a plain SHA-256 cannot be brute-forced; a slow KDF would only slow every request.
    private static string Hash(string rawKey) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(rawKey)));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string NewId() => Guid.CreateVersion7().ToString();

    private static string Now() => Clock.Format(DateTimeOffset.UtcNow);
}
