using System.Text;
using Braid.Storage.Objects;
using Dapper;

namespace Braid.Storage.Tenancy;

/// <summary>An organization as the API shows it: <see cref="Settings"/> is the JSON object of its PATCHable settings.</summary>
public sealed record OrganizationProfile(string Id, string Name, string Created, string Settings);

public sealed partial class TenantStore
{
    private const string ProfileColumns = "o.id, o.name, o.created, o.settings";

    /// <summary>The organizations the user belongs to, filtered by id and name.</summary>
    public async Task<IReadOnlyList<OrganizationProfile>> ListOrganizationsAsync(string userId, TenantQuery query)
    {
        var sql = new StringBuilder(
            $"SELECT {ProfileColumns} FROM organizations o JOIN org_members m ON m.org_id = o.id WHERE m.user_id = @userId");
        if (query.Name is not null)
        {
            sql.Append(" AND o.name = @Name");
        }

        var backwards = query.AppendPage(sql, database.Dialect, "o.id");
        var parameters = new DynamicParameters(query);
        parameters.Add("userId", userId);
        await using var connection = await database.OpenAsync();
        return TenantQuery.InListOrder(await connection.QueryAsync<OrganizationProfile>(sql.ToString(), parameters), backwards);
    }

    /// <summary>An organization the user belongs to; null for any other (so others' organizations stay unseen).</summary>
    public async Task<OrganizationProfile?> GetOrganizationAsync(string userId, string orgId)
    {
        await using var connection = await database.OpenAsync();
        return await connection.QuerySingleOrDefaultAsync<OrganizationProfile>(
            $"""
            SELECT {ProfileColumns} FROM organizations o JOIN org_members m ON m.org_id = o.id
            WHERE m.user_id = @userId AND o.id = @orgId
            """,
            new { userId, orgId });
    }

    /// <summary>Renames an organization and replaces its settings; names are unique across the deployment.</summary>
    public async Task<WriteOutcome> UpdateOrganizationAsync(string orgId, string name, string settings)
    {
        await using var connection = await database.OpenAsync();
        try
        {
            var updated = await connection.ExecuteAsync(
                "UPDATE organizations SET name = @name, settings = @settings WHERE id = @orgId", new { orgId, name, settings });
            return updated == 1 ? WriteOutcome.Written : WriteOutcome.NotFound;
        }
        catch (System.Data.Common.DbException e) when (database.Dialect.IsUniqueViolation(e))
        {
            return WriteOutcome.NaturalKeyTaken;
        }
    }
}
