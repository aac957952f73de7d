using System.Data.Common;
using System.Text;
using Dapper;

namespace Braid.Storage.Tenancy;

/// <summary>A service account to create: a user for an integration, with a first token when <see cref="TokenName"/> is set.</summary>
public sealed record ServiceAccountRequest(string Name, string? TokenName);

/// <summary>One PATCH of an organization's membership. Unknown users to remove are ignored.</summary>
public sealed record MemberChanges
{
    /// <summary>Existing users to add (the caller checks that they exist).</summary>
    public IReadOnlyList<string> InviteIds { get; init; } = [];

    /// <summary>Users to add by email, created when no user has the address yet.</summary>
    public IReadOnlyList<string> InviteEmails { get; init; } = [];

    public IReadOnlyList<ServiceAccountRequest> ServiceAccounts { get; init; } = [];
    public IReadOnlyList<string> RemoveIds { get; init; } = [];
    public IReadOnlyList<string> RemoveEmails { get; init; } = [];
}

/// <summary>A user an invitation named: whether it made them a member (not one already), and a new service account's token.</summary>
public sealed record InvitedMember(User User, bool Added, MintedKey? Token);

public sealed record MemberChangesResult(IReadOnlyList<InvitedMember> Invited, IReadOnlyList<string> RemovedUserIds);

public sealed partial class TenantStore
{
    private const string UserColumns = "u.id, u.email, u.given_name AS GivenName, u.family_name AS FamilyName, u.created";

    // Service accounts get an address no mail can reach (RFC 2606 reserves .invalid); the spec calls it "not routable".
    public const string ServiceAccountDomain = "service-accounts.invalid";

    public async Task<bool> IsMemberAsync(string orgId, string userId)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM org_members WHERE org_id = @orgId AND user_id = @userId", new { orgId, userId }) > 0;
    }

    /// <summary>A user of the deployment by id or email (what <c>x-bt-impersonate-user</c> names), or null.</summary>
    public async Task<User?> FindUserAsync(string idOrEmail)
    {
        await using var connection = await database.OpenAsync();
        return await connection.QuerySingleOrDefaultAsync<User>(
            $"SELECT {UserColumns} FROM users u WHERE u.id = @idOrEmail OR u.email = @idOrEmail", new { idOrEmail });
    }

    /// <summary>A member of the organization, or null for anyone else.</summary>
    public async Task<User?> GetMemberAsync(string orgId, string userId)
    {
        await using var connection = await database.OpenAsync();
        return await connection.QuerySingleOrDefaultAsync<User>(
            $"SELECT {UserColumns} FROM users u JOIN org_members m ON m.user_id = u.id WHERE m.org_id = @orgId AND u.id = @userId",
            new { orgId, userId });
    }

    /// <summary>The organization's members (service accounts included), filtered by id, email and names.</summary>
    public async Task<IReadOnlyList<User>> ListMembersAsync(string orgId, TenantQuery query)
    {
        var sql = new StringBuilder($"SELECT {UserColumns} FROM users u JOIN org_members m ON m.user_id = u.id WHERE m.org_id = @orgId");
        var dialect = database.Dialect;
        if (query.Emails is not null)
        {
            sql.Append(" AND ").Append(dialect.InList("u.email", nameof(query.Emails)));
        }

        if (query.GivenNames is not null)
        {
            sql.Append(" AND ").Append(dialect.InList("u.given_name", nameof(query.GivenNames)));
        }

        if (query.FamilyNames is not null)
        {
            sql.Append(" AND ").Append(dialect.InList("u.family_name", nameof(query.FamilyNames)));
        }

        var backwards = query.AppendPage(sql, dialect, "u.id");
        var parameters = new DynamicParameters(query);
        parameters.Add("orgId", orgId);
        await using var connection = await database.OpenAsync();
        return TenantQuery.InListOrder(await connection.QueryAsync<User>(sql.ToString(), parameters), backwards);
    }

    /// <summary>Which of the ids name a user of the deployment.</summary>
    public async Task<IReadOnlySet<string>> ExistingUserIdsAsync(IReadOnlyList<string> ids)
    {
        if (ids.Count == 0)
        {
            return new HashSet<string>();
        }

        await using var connection = await database.OpenAsync();
        return (await connection.QueryAsync<string>(
            $"SELECT id FROM users WHERE {database.Dialect.InList("id", "ids")}", new { ids = ids.ToArray() })).ToHashSet();
    }

    /// <summary>
    /// Adds and removes members in one transaction: invited users (created by email as needed), new service accounts
    /// with their first token, and removals, whose keys for this organization are revoked with the membership.
    /// </summary>
    public async Task<MemberChangesResult> ChangeMembersAsync(string orgId, MemberChanges changes)
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var invited = new List<InvitedMember>();
        foreach (var id in changes.InviteIds.Distinct())
        {
            if (await connection.QuerySingleOrDefaultAsync<User>(
                    $"SELECT {UserColumns} FROM users u WHERE u.id = @id", new { id }, transaction) is { } user)
            {
                invited.Add(new InvitedMember(user, await AddMemberAsync(connection, transaction, orgId, user.Id) == 1, null));
            }
        }

        foreach (var email in changes.InviteEmails.Distinct())
        {
            var user = await EnsureUserAsync(connection, transaction, email);
            invited.Add(new InvitedMember(user, await AddMemberAsync(connection, transaction, orgId, user.Id) == 1, null));
        }

        foreach (var account in changes.ServiceAccounts)
        {
            var user = await InsertServiceAccountAsync(connection, transaction, account.Name);
            await AddMemberAsync(connection, transaction, orgId, user.Id);
            var token = account.TokenName is null
                ? null
                : await MintAsync(connection, transaction, orgId, user.Id, account.TokenName);
            invited.Add(new InvitedMember(user, true, token));
        }

        var removed = new List<string>();
        var emails = changes.RemoveEmails.ToArray();
        var removeIds = emails.Length == 0
            ? changes.RemoveIds
            : [.. changes.RemoveIds, .. await connection.QueryAsync<string>(
                $"SELECT id FROM users WHERE {database.Dialect.InList("email", "emails")}", new { emails }, transaction)];
        foreach (var userId in removeIds.Distinct())
        {
            var deleted = await connection.ExecuteAsync(
                "DELETE FROM org_members WHERE org_id = @orgId AND user_id = @userId", new { orgId, userId }, transaction);
            if (deleted == 1)
            {
                await connection.ExecuteAsync(
                    "UPDATE api_keys SET deleted_at = @now WHERE org_id = @orgId AND user_id = @userId AND deleted_at IS NULL",
                    new { orgId, userId, now = Now() }, transaction);
                removed.Add(userId);
            }
        }

        await transaction.CommitAsync();
        return new MemberChangesResult(invited, removed);
    }

    private static async Task<User> InsertServiceAccountAsync(DbConnection connection, DbTransaction transaction, string name)
    {
        var id = NewId();
        var user = new User(id, $"{id}@{ServiceAccountDomain}", name, null, Now());
        await connection.ExecuteAsync(
            """
            INSERT INTO users (id, email, given_name, created, service_account)
            VALUES (@Id, @Email, @GivenName, @Created, @serviceAccount)
            """,
            new { user.Id, user.Email, user.GivenName, user.Created, serviceAccount = true }, transaction);
        return user;
    }
}
