using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Braid.Storage.Objects;

namespace Braid.Server.AccessControl;

/// <summary>
/// What an ACL check is about: an object of an ACL object type (the spec's AclObjectType), its id (null for an object
/// about to be created), and the objects it inherits grants from, nearest first (project, then org_project, then
/// organization).
/// </summary>
public sealed record AccessTarget(string Type, string? Id, IReadOnlyList<(string Type, string Id)> Ancestors)
{
    public override string ToString() => Id is null ? $"a new {Type}" : $"{Type} '{Id}'";
}

/// <summary>
/// One organization's roles, groups and ACLs at one access generation, and the evaluation over them (inventory §8,
/// landscape §5.4). Immutable once built: the memos inside are derived from it only, so a model can be shared by
/// every request while its generation is current.
/// </summary>
public sealed class AccessModel
{
    private sealed record Grant(string Permission, string? RestrictObjectType);

    private sealed record Acl(string? UserId, string? GroupId, string? Permission, string? RestrictObjectType, string? RoleId);

    private readonly Dictionary<(string Type, string Id), List<Acl>> _acls = [];
    private readonly Dictionary<string, (List<Grant> Grants, List<string> MemberRoles)> _roles = [];
    private readonly Dictionary<string, (HashSet<string> Users, List<string> MemberGroups)> _groups = [];
    private readonly ConcurrentDictionary<string, IReadOnlySet<string>> _groupsOfUser = new();
    private readonly ConcurrentDictionary<string, IReadOnlyList<Grant>> _grantsOfRole = new();

    public AccessModel(long generation, IEnumerable<ObjectRow> rows, IEnumerable<JsonObject> systemRoles)
    {
        Generation = generation;
        foreach (var role in systemRoles)
        {
            AddRole(role);
        }

        foreach (var row in rows)
        {
            var doc = JsonNode.Parse(row.Data)!.AsObject();
            switch (row.Kind)
            {
                case "role":
                    AddRole(doc);
                    break;
                case "group":
                    _groups[row.Id] = ([.. Strings(doc["member_users"])], [.. Strings(doc["member_groups"])]);
                    break;
                case "acl":
                    var key = ((string)doc["object_type"]!, (string)doc["object_id"]!);
                    if (!_acls.TryGetValue(key, out var list))
                    {
                        _acls[key] = list = [];
                    }

                    list.Add(new Acl((string?)doc["user_id"], (string?)doc["group_id"], (string?)doc["permission"],
                        (string?)doc["restrict_object_type"], (string?)doc["role_id"]));
                    break;
            }
        }
    }

    public long Generation { get; }

    /// <summary>
    /// Whether the user may do <paramref name="permission"/> on the target: some ACL on it or on one of its ancestors
    /// grants it to the user or to a group the user is in (through groups in groups), directly or through a role
    /// (through roles in roles), unrestricted or restricted to the target's type. Grants only add: nothing denies.
    /// </summary>
    public bool Allows(string userId, AccessTarget target, string permission)
    {
        var groups = GroupsOf(userId);
        if (target.Id is not null && Grants(target.Type, target.Id, target.Type, userId, groups, permission))
        {
            return true;
        }

        foreach (var (type, id) in target.Ancestors)
        {
            if (Grants(type, id, target.Type, userId, groups, permission))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the user holds a role on an object through an ACL naming that role, to them or one of their groups.</summary>
    public bool HoldsRole(string userId, string type, string id, string roleId)
    {
        var groups = GroupsOf(userId);
        return _acls.TryGetValue((type, id), out var acls)
            && acls.Any(a => a.RoleId == roleId && (a.UserId == userId || (a.GroupId is not null && groups.Contains(a.GroupId))));
    }

    private bool Grants(string type, string id, string targetType, string userId, IReadOnlySet<string> groups, string permission)
    {
        if (!_acls.TryGetValue((type, id), out var acls))
        {
            return false;
        }

        foreach (var acl in acls)
        {
            if (acl.UserId != userId && (acl.GroupId is null || !groups.Contains(acl.GroupId)))
            {
                continue;
            }

            if (acl.Permission is not null && Applies(new Grant(acl.Permission, acl.RestrictObjectType), targetType, permission))
            {
                return true;
            }

            if (acl.RoleId is not null && GrantsOf(acl.RoleId).Any(g => Applies(g, targetType, permission)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Applies(Grant grant, string targetType, string permission) =>
        grant.Permission == permission && (grant.RestrictObjectType is null || grant.RestrictObjectType == targetType);

    // Group G holds its member_users and every user of the groups in its member_groups, at any depth (cycles allowed).
    private IReadOnlySet<string> GroupsOf(string userId) => _groupsOfUser.GetOrAdd(userId, user =>
    {
        var result = new HashSet<string>(_groups.Where(g => g.Value.Users.Contains(user)).Select(g => g.Key));
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var (id, group) in _groups)
            {
                if (!result.Contains(id) && group.MemberGroups.Any(result.Contains))
                {
                    grew = result.Add(id);
                }
            }
        }

        return result;
    });

    // A role's own permissions and those of the roles in its member_roles, at any depth (cycles allowed).
    private IReadOnlyList<Grant> GrantsOf(string roleId) => _grantsOfRole.GetOrAdd(roleId, id =>
    {
        var grants = new List<Grant>();
        var seen = new HashSet<string>();
        var pending = new Stack<string>([id]);
        while (pending.TryPop(out var next))
        {
            if (seen.Add(next) && _roles.TryGetValue(next, out var role))
            {
                grants.AddRange(role.Grants);
                foreach (var member in role.MemberRoles)
                {
                    pending.Push(member);
                }
            }
        }

        return grants;
    });

    private void AddRole(JsonObject doc)
    {
        var grants = (doc["member_permissions"] as JsonArray ?? [])
            .Select(p => new Grant((string)p!["permission"]!, (string?)p["restrict_object_type"]))
            .ToList();
        _roles[(string)doc["id"]!] = (grants, [.. Strings(doc["member_roles"])]);
    }

    private static IEnumerable<string> Strings(JsonNode? node) =>
        node is JsonArray items ? items.Select(i => (string)i!) : [];
}
