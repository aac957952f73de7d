using System.Text.Json.Nodes;
using Braid.Server.Http;
using Braid.Storage.Objects;
using Braid.Storage.Tenancy;

namespace Braid.Server.Objects;

/// <summary>Checks the ids a body gives in <see cref="Field.References"/> fields: each must name a live object of the organization.</summary>
public static class ObjectReferences
{
    /// <summary>A 400 naming the field when an id the body gives names nothing in the organization, or the object itself.</summary>
    public static async Task CheckAsync(ObjectKind kind, JsonObject body, string selfId, Principal principal, IServiceProvider services)
    {
        foreach (var field in kind.Fields)
        {
            if (field.References is null || body[field.Name] is null)
            {
                continue;
            }

            var ids = FieldValidation.Check(field, body[field.Name]) switch
            {
                JsonArray items => items.Select(i => (string)i!),
                var single => [(string)single!],
            };
            foreach (var id in ids)
            {
                if (field.References == kind.Name && id == selfId)
                {
                    ApiException.ThrowBadRequest($"{field.Name}: a {kind.Name} cannot include itself");
                }

                if (!await ExistsAsync(field.References, id, principal, services))
                {
                    ApiException.ThrowBadRequest(field.References == "user"
                        ? $"{field.Name}: no member of this organization has user id '{id}'"
                        : $"{field.Name}: no {field.References} with id '{id}' in this organization");
                }
            }
        }
    }

    /// <summary>Whether a live object of the kind (built-ins included), or for <c>"user"</c> a member, has the id.</summary>
    public static async Task<bool> ExistsAsync(string kindName, string id, Principal principal, IServiceProvider services)
    {
        if (kindName == "user")
        {
            return await services.GetRequiredService<TenantStore>().IsMemberAsync(principal.OrgId, id);
        }

        return await ObjectExistsAsync(kindName, id, principal.OrgId, services.GetRequiredService<ObjectStore>());
    }

    /// <summary>Whether a live object of the kind, or one of its built-ins, has the id in the organization.</summary>
    public static async Task<bool> ObjectExistsAsync(string kindName, string id, string orgId, ObjectStore store) =>
        (ObjectKinds.All.FirstOrDefault(k => k.Name == kindName) is { } kind && BuiltInObjects.Find(kind, id) is not null)
        || await store.GetAsync(orgId, kindName, id) is not null;
}
