using System.Text.Json.Nodes;
using Braid.Server.Http;
using Braid.Storage.Objects;
using Braid.Storage.Tenancy;

namespace Braid.Server.Objects;

/// <summary>Finds the scope an object is created in and the scope a list or a read is narrowed to.</summary>
public static class ObjectScopes
{
    /// <summary>Every ACL object type (the spec's AclObjectType): what views hang on and ACLs grant on.</summary>
    public static readonly IReadOnlyList<string> AclObjectTypes =
    [
        "organization", "project", "experiment", "dataset", "prompt", "prompt_session", "group", "role",
        "org_member", "project_log", "org_project", "org_audit_logs",
    ];

    /// <summary>The field of the document that holds the scope id (none for <see cref="ObjectScope.Object"/>, whose fields hold it).</summary>
    public static string? ScopeField(ObjectKind kind) => kind.Scope switch
    {
        ObjectScope.Organization => "org_id",
        ObjectScope.Project => "project_id",
        ObjectScope.Dataset => "dataset_id",
        _ => null,
    };

    /// <summary>The scope a new object goes in, checked to exist in the caller's organization (a 400 names the field).</summary>
    public static async Task<string> ForCreateAsync(ObjectKind kind, JsonObject body, Principal principal, ObjectStore store)
    {
        switch (kind.Scope)
        {
            case ObjectScope.Organization:
                return principal.OrgId;
            case ObjectScope.Project:
                return await ParentAsync(body, "project_id", ObjectKinds.Project.Name, principal, store);
            case ObjectScope.Dataset:
                return await ParentAsync(body, "dataset_id", ObjectKinds.Dataset.Name, principal, store);
            default:
                var type = FieldValidation.Check(ObjectTypeField(kind), body["object_type"])?.GetValue<string>()
                    ?? throw ApiException.BadRequest("object_type: is required");
                var id = FieldValidation.Check(new Field("object_id", FieldType.Uuid, FieldUse.Required, NonEmpty: true), body["object_id"])
                    ?.GetValue<string>() ?? throw ApiException.BadRequest("object_id: is required");
                await CheckObjectAsync(type, id, principal, store, "object_id");
                return id;
        }
    }

    public static Field ObjectTypeField(ObjectKind kind) =>
        new("object_type", FieldType.Enum, FieldUse.Create | FieldUse.Required, NonEmpty: true, Values: kind.ScopeTypes ?? AclObjectTypes);

    /// <summary>
    /// Checks that an object of an ACL object type exists in the organization. Types with no object of their own here
    /// (prompt sessions, org members) are taken as given: there is nothing to look up.
    /// </summary>
    public static async Task CheckObjectAsync(string type, string id, Principal principal, ObjectStore store, string parameter)
    {
        if (type is "organization" or "org_project" or "org_audit_logs" or "org_member")
        {
            if (type != "org_member" && id != principal.OrgId)
            {
                ApiException.ThrowBadRequest($"{parameter}: '{id}' is not this organization's id");
            }

            return;
        }

        var kind = type switch
        {
            "project_log" => "project",
            "prompt_session" => null,
            _ => type,
        };
        if (kind is not null && !await ObjectReferences.ObjectExistsAsync(kind, id, principal.OrgId, store))
        {
            ApiException.ThrowBadRequest($"{parameter}: no {type} with id '{id}' in this organization");
        }
    }

    private static async Task<string> ParentAsync(JsonObject body, string field, string parentKind, Principal principal, ObjectStore store)
    {
        body.TryGetPropertyValue(field, out var given);
        var id = FieldValidation.Check(new Field(field, FieldType.Uuid, FieldUse.Required, NonEmpty: true), given)
            ?.GetValue<string>() ?? throw ApiException.BadRequest($"{field}: is required");
        _ = await store.GetAsync(principal.OrgId, parentKind, id)
            ?? throw ApiException.BadRequest($"{field}: no {parentKind} with id '{id}' in this organization");
        return id;
    }

    /// <summary>Narrows a list to the scope its query names: <c>project_id</c>/<c>project_name</c>, <c>dataset_id</c>, or <c>object_type</c>+<c>object_id</c>.</summary>
    public static ObjectQuery ForList(ObjectKind kind, HttpRequest request, ObjectQuery query)
    {
        switch (kind.Scope)
        {
            case ObjectScope.Project:
                return query with
                {
                    ScopeId = QueryArgs.Uuid(request, "project_id"),
                    ScopeName = QueryArgs.Single(request, "project_name"),
                    ScopeKind = ObjectKinds.Project.Name,
                };
            case ObjectScope.Dataset:
                return query with { ScopeId = QueryArgs.Uuid(request, "dataset_id") };
            case ObjectScope.Object:
                var (_, objectId) = ObjectArgs(kind, request);
                return query with { ScopeId = objectId };
            default:
                return query;
        }
    }

    /// <summary>The <c>object_type</c> and <c>object_id</c> query parameters, required when the kind says so.</summary>
    public static (string? Type, string? Id) ObjectArgs(ObjectKind kind, HttpRequest request)
    {
        var type = QueryArgs.Single(request, "object_type");
        var id = QueryArgs.Uuid(request, "object_id");
        if (kind.ScopeRequiredOnReads && (type is null || id is null))
        {
            ApiException.ThrowBadRequest("object_type, object_id: both are required");
        }

        if (type is not null && !(kind.ScopeTypes ?? AclObjectTypes).Contains(type))
        {
            ApiException.ThrowBadRequest($"object_type: '{type}' is not one of {string.Join(", ", kind.ScopeTypes ?? AclObjectTypes)}");
        }

        return (type, id);
    }
}
