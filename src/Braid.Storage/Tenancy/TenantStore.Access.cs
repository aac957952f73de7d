using System.Data.Common;
using System.Text.Json.Nodes;
using Dapper;

namespace Braid.Storage.Tenancy;

/// <summary>The system roles every organization sees (org_id null). Fixed ids: ACLs refer to them across organizations and restarts.</summary>
public static class SystemRoles
{
    public const string OwnerId = "6c7a3f0e-4b1d-4e7a-9c52-000000000001";
    public const string EngineerId = "6c7a3f0e-4b1d-4e7a-9c52-000000000002";
    public const string ViewerId = "6c7a3f0e-4b1d-4e7a-9c52-000000000003";
}

/// <summary>An ACL's natural key: its whole content, so an identical ACL is found instead of stored twice.</summary>
public static class AclKeys
{
    public static readonly IReadOnlyList<string> Fields = ["object_type", "user_id", "group_id", "permission", "restrict_object_type", "role_id"];

    public static string Of(JsonObject acl) => string.Join("|", Fields.Select(f => (string?)acl[f]));
}

/// <summary>
/// The built-in groups of an organization (landscape §5.4): Owners hold the Owner role on the organization; Engineers
/// create, read, update and delete in every project (the Engineer role on <c>org_project</c>) and read the
/// organization; Viewers read. They are ordinary groups and ACLs, created with the organization, that its owners may
/// change like any other.
/// </summary>
public sealed partial class TenantStore
{
    private static readonly (string Name, string Description, (string ObjectType, string? Permission, string? RoleId)[] Grants)[] BuiltInGroups =
    [
        ("Owners", "Every permission on the organization, including members and access", [("organization", null, SystemRoles.OwnerId)]),
        ("Engineers", "Create, read, update and delete in every project; no member or access management",
            [("org_project", null, SystemRoles.EngineerId), ("organization", "read", null)]),
        ("Viewers", "Read everything", [("org_project", null, SystemRoles.ViewerId), ("organization", "read", null)]),
    ];

    /// <summary>
    /// Gives organizations created before access control their built-in groups, with every member an Owner: before,
    /// every member could do everything, so the upgrade takes nobody's access away. Returns how many were upgraded.
    /// </summary>
    public async Task<int> CreateMissingBuiltInGroupsAsync()
    {
        await using var connection = await database.OpenAsync();
        var upgraded = 0;
        foreach (var orgId in await connection.QueryAsync<string>("SELECT id FROM organizations WHERE builtin_groups IS NULL"))
        {
            await using var transaction = await connection.BeginTransactionAsync();
            var pending = await connection.ExecuteScalarAsync<string?>(
                $"SELECT id FROM organizations WHERE id = @orgId AND builtin_groups IS NULL{database.Dialect.ForUpdate}", new { orgId }, transaction);
            if (pending is not null)
            {
                var members = (await connection.QueryAsync<string>(
                    "SELECT user_id FROM org_members WHERE org_id = @orgId ORDER BY user_id", new { orgId }, transaction)).ToList();
                await CreateBuiltInGroupsAsync(connection, transaction, orgId, members);
                upgraded++;
            }

            await transaction.CommitAsync();
        }

        return upgraded;
    }

    // Called in the transaction that creates the organization, with its creator as the one Owner.
    private async Task CreateBuiltInGroupsAsync(DbConnection connection, DbTransaction transaction, string orgId, IReadOnlyList<string> owners)
    {
        var json = database.Dialect.JsonParameter("data");
        var now = Now();
        foreach (var (name, description, grants) in BuiltInGroups)
        {
            var groupId = NewId();
            var group = new JsonObject
            {
                ["id"] = groupId,
                ["name"] = name,
                ["description"] = description,
                ["member_users"] = new JsonArray([.. (name == "Owners" ? owners : []).Select(u => JsonValue.Create(u))]),
                ["member_groups"] = new JsonArray(),
                ["created"] = now,
                ["deleted_at"] = null,
                ["org_id"] = orgId,
                ["user_id"] = owners.Count > 0 ? owners[0] : null,
            };

            // A group of that name made before the upgrade is the organization's own: it gets no grants from here.
            if (await connection.ExecuteAsync(
                    $"""
                    INSERT INTO objects (id, org_id, kind, scope_id, natural_key, name, data, created)
                    VALUES (@groupId, @orgId, 'group', @orgId, @name, @name, {json}, @now) ON CONFLICT DO NOTHING
                    """,
                    new { groupId, orgId, name, data = group.ToJsonString(), now }, transaction) != 1)
            {
                continue;
            }

            foreach (var (objectType, permission, roleId) in grants)
            {
                var acl = new JsonObject
                {
                    ["id"] = NewId(),
                    ["object_type"] = objectType,
                    ["object_id"] = orgId,
                    ["user_id"] = null,
                    ["group_id"] = groupId,
                    ["permission"] = permission,
                    ["restrict_object_type"] = null,
                    ["role_id"] = roleId,
                    ["created"] = now,
                    ["deleted_at"] = null,
                    ["_object_org_id"] = orgId,
                };
                acl["__key"] = AclKeys.Of(acl);
                await connection.ExecuteAsync(
                    $"""
                    INSERT INTO objects (id, org_id, kind, scope_id, natural_key, name, data, created)
                    VALUES (@id, @orgId, 'acl', @orgId, @key, NULL, {json}, @now) ON CONFLICT DO NOTHING
                    """,
                    new { id = (string)acl["id"]!, orgId, key = (string)acl["__key"]!, data = acl.ToJsonString(), now }, transaction);
            }
        }

        await connection.ExecuteAsync(
            "UPDATE organizations SET builtin_groups = @now WHERE id = @orgId", new { orgId, now }, transaction);
    }

    /// <summary>
    /// The organization's generation: bumped (by triggers, migrations 0014 and 0016) with every change to its roles,
    /// groups, ACLs, members, ai_secrets or env_vars. What a node caches about the organization (its access model, its
    /// AI provider keys) is current while the generation it was read at is.
    /// </summary>
    public async Task<long> AccessGenerationAsync(string orgId)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT access_generation FROM organizations WHERE id = @orgId", new { orgId });
    }
}
