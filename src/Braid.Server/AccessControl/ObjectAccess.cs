using System.Text.Json.Nodes;
using Braid.Server.Objects;
using Braid.Storage.Objects;
using Braid.Storage.Tenancy;

namespace Braid.Server.AccessControl;

/// <summary>
/// What a request on a control-plane object is checked as: the object itself for kinds with an
/// <see cref="ObjectKind.AclType"/>, otherwise the object it is a part of, with any change counted as an <c>update</c>
/// of that object. An ACL is checked on the object it grants on, with the <c>*_acls</c> permission.
/// </summary>
public static class ObjectAccess
{
    /// <summary>403 unless the caller may do <paramref name="permission"/> (create, read, update or delete) to the object of the row.</summary>
    public static async Task RequireAsync(Access access, Principal principal, ObjectKind kind, ObjectRow row, string permission)
    {
        var (target, needed) = await CheckedAsAsync(access, principal.OrgId, kind, row.Id, row.ScopeId, ObjectDocuments.Load(row), permission);
        await access.RequireAsync(principal, target, needed);
    }

    /// <summary>403 unless the caller may create an object of the kind, from its new document, in the scope.</summary>
    public static async Task RequireCreateAsync(Access access, Principal principal, ObjectKind kind, string scopeId, JsonObject doc)
    {
        var (target, needed) = await CheckedAsAsync(access, principal.OrgId, kind, null, scopeId, doc, Access.Create);
        await access.RequireAsync(principal, target, needed);
    }

    /// <summary>
    /// Whether the caller may read every object of the kind in the organization, so a list needs no check per object:
    /// an unrestricted read on the organization (read_acls for ACLs, which read does not cover).
    /// </summary>
    public static Task<bool> CanReadAllAsync(Access access, Principal principal, ObjectKind kind) =>
        access.AllowsAsync(principal, Access.Organization(principal.OrgId), kind == ObjectKinds.Acl ? Access.ReadAcls : Access.Read);

    public static async Task<bool> CanCreateAsync(Access access, Principal principal, ObjectKind kind, string scopeId, JsonObject doc)
    {
        var (target, needed) = await CheckedAsAsync(access, principal.OrgId, kind, null, scopeId, doc, Access.Create);
        return await access.AllowsAsync(principal, target, needed);
    }

    public static async Task<bool> CanReadAsync(Access access, Principal principal, ObjectKind kind, ObjectRow row)
    {
        var (target, needed) = await CheckedAsAsync(access, principal.OrgId, kind, row.Id, row.ScopeId, ObjectDocuments.Load(row), Access.Read);
        return await access.AllowsAsync(principal, target, needed);
    }

    private static async Task<(AccessTarget Target, string Permission)> CheckedAsAsync(
        Access access, string orgId, ObjectKind kind, string? id, string scopeId, JsonObject doc, string permission)
    {
        if (kind == ObjectKinds.Acl)
        {
            var granted = await access.TargetAsync(orgId, (string)doc["object_type"]!, (string)doc["object_id"]!);
            return (granted, permission + "_acls");
        }

        if (kind.AclType == "project")
        {
            return (Access.Project(orgId, id), permission);
        }

        var parent = kind.Scope switch
        {
            ObjectScope.Organization => Access.Organization(orgId),
            ObjectScope.Project => Access.Project(orgId, scopeId),
            ObjectScope.Dataset => await access.TargetAsync(orgId, ObjectKinds.Dataset.Name, scopeId),
            _ => await access.TargetAsync(orgId, (string)doc["object_type"]!, scopeId),
        };
        return kind.AclType is { } type
            ? (new AccessTarget(type, id, [(parent.Type, parent.Id!), .. parent.Ancestors]), permission)
            : (parent, permission == Access.Read ? Access.Read : Access.Update);
    }
}
