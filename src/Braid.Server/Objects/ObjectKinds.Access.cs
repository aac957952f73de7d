using System.Text.Json.Nodes;
using Braid.Server.Http;
using Braid.Storage.Tenancy;
using static Braid.Server.Objects.FieldUse;

namespace Braid.Server.Objects;

/// <summary>The kinds that say who may do what: roles, groups and ACLs (inventory §3.7, §3.8, §8).</summary>
public static partial class ObjectKinds
{
    /// <summary>The spec's Permission enum.</summary>
    public static readonly IReadOnlyList<string> Permissions =
        ["create", "read", "update", "delete", "create_acls", "read_acls", "update_acls", "delete_acls"];

    // A role's (permission, restrict_object_type) tuples.
    private static readonly IReadOnlyList<Field> PermissionItem =
    [
        new("permission", FieldType.Enum, Required, NonEmpty: true, Values: Permissions),
        new("restrict_object_type", FieldType.Enum, Create, Values: ObjectScopes.AclObjectTypes),
    ];

    public static readonly ObjectKind Role = new()
    {
        AclType = "role",
        Name = "role",
        Scope = ObjectScope.Organization,
        NameFilter = "role_name",
        SupportsReplace = true,
        BuiltIns = SystemRoles(),
        Fields =
        [
            new("name", FieldType.String, Create | Required | Patch, NonEmpty: true),
            new("description", FieldType.String, Create | Patch),
            new("member_permissions", FieldType.ObjectArray, Create, Default: new JsonArray(), Items: PermissionItem),
            new("member_roles", FieldType.UuidArray, Create, Default: new JsonArray(), References: "role"),
            new("add_member_permissions", FieldType.ObjectArray, AddTo, Target: "member_permissions", Items: PermissionItem),
            new("remove_member_permissions", FieldType.ObjectArray, RemoveFrom, Target: "member_permissions", Items: PermissionItem),
            new("add_member_roles", FieldType.UuidArray, AddTo, Target: "member_roles", References: "role"),
            new("remove_member_roles", FieldType.UuidArray, RemoveFrom, Target: "member_roles"),
        ],
    };

    public static readonly ObjectKind Group = new()
    {
        AclType = "group",
        Name = "group",
        Scope = ObjectScope.Organization,
        NameFilter = "group_name",
        SupportsReplace = true,
        Fields =
        [
            new("name", FieldType.String, Create | Required | Patch, NonEmpty: true),
            new("description", FieldType.String, Create | Patch),
            new("member_users", FieldType.UuidArray, Create, Default: new JsonArray(), References: "user"),
            new("member_groups", FieldType.UuidArray, Create, Default: new JsonArray(), References: "group"),
            new("add_member_users", FieldType.UuidArray, AddTo, Target: "member_users", References: "user"),
            new("remove_member_users", FieldType.UuidArray, RemoveFrom, Target: "member_users"),
            new("add_member_groups", FieldType.UuidArray, AddTo, Target: "member_groups", References: "group"),
            new("remove_member_groups", FieldType.UuidArray, RemoveFrom, Target: "member_groups"),
        ],
    };

    /// <summary>
    /// An ACL grants a permission or a role to a user or a group on one object. Its natural key is its whole content,
    /// so POST of an identical ACL returns the existing one and DELETE by body finds it. Its routes are
    /// <see cref="AclApi"/>'s: no PATCH or PUT, reads by id need no object, and lists do.
    /// </summary>
    public static readonly ObjectKind Acl = new()
    {
        Name = "acl",
        Scope = ObjectScope.Object,
        KeyField = "__key",
        NameFilter = "acl_name",
        CreatorField = null,
        OmittedFields = ["deleted_at"],
        ListFilters =
        [
            new("user_id", "user_id"), new("group_id", "group_id"), new("permission", "permission"),
            new("restrict_object_type", "restrict_object_type"), new("role_id", "role_id"),
        ],
        Fields =
        [
            new("object_type", FieldType.Enum, Create | Required, NonEmpty: true, Values: ObjectScopes.AclObjectTypes),
            new("object_id", FieldType.Uuid, Create | Required, NonEmpty: true),
            new("user_id", FieldType.Uuid, Create, References: "user"),
            new("group_id", FieldType.Uuid, Create, References: "group"),
            new("permission", FieldType.Enum, Create, Values: Permissions),
            new("restrict_object_type", FieldType.Enum, Create, Values: ObjectScopes.AclObjectTypes),
            new("role_id", FieldType.Uuid, Create, References: "role"),
        ],
        Derive = static doc => doc["__key"] = AclKeys.Of(doc),
        Validate = ValidateAcl,

        // Objects never move between organizations, so the ACL's object is in the caller's.
        OnWrite = static write => write.Document["_object_org_id"] = write.Principal.OrgId,
    };

    private static IReadOnlyList<JsonObject> SystemRoles()
    {
        static JsonObject Role(string id, string name, string description, IEnumerable<string> permissions) => new()
        {
            ["id"] = id,
            ["org_id"] = null,
            ["user_id"] = null,
            ["created"] = null,
            ["name"] = name,
            ["description"] = description,
            ["deleted_at"] = null,
            ["member_permissions"] = new JsonArray([.. permissions.Select(p => new JsonObject { ["permission"] = p, ["restrict_object_type"] = null })]),
            ["member_roles"] = new JsonArray(),
        };

        // Fixed ids: ACLs and other roles refer to the system roles by id, in every organization and after restarts.
        return
        [
            Role(Braid.Storage.Tenancy.SystemRoles.OwnerId, "Owner", "Every permission, including managing members and access", Permissions),
            Role(Braid.Storage.Tenancy.SystemRoles.EngineerId, "Engineer", "Create, read, update and delete objects; no access management",
                ["create", "read", "update", "delete"]),
            Role(Braid.Storage.Tenancy.SystemRoles.ViewerId, "Viewer", "Read only", ["read"]),
        ];
    }

    // The spec's invariants: user_id XOR group_id, permission XOR role_id, restrict_object_type only with a permission.
    private static void ValidateAcl(JsonObject doc)
    {
        if ((doc["user_id"] is null) == (doc["group_id"] is null))
        {
            ApiException.ThrowBadRequest("user_id, group_id: give exactly one of them");
        }

        if ((doc["permission"] is null) == (doc["role_id"] is null))
        {
            ApiException.ThrowBadRequest("permission, role_id: give exactly one of them");
        }

        if (doc["restrict_object_type"] is not null && doc["permission"] is null)
        {
            ApiException.ThrowBadRequest("restrict_object_type: only allowed with a permission, not with a role_id");
        }
    }
}
