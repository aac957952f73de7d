using System.Text.Json.Nodes;
using Braid.Server.AccessControl;
using Braid.Server.Auth;
using Braid.Server.Http;
using Braid.Storage.Objects;
using Braid.Storage.Tenancy;

namespace Braid.Server.Objects;

/// <summary>
/// The ACL routes (inventory §3.8): POST returns an identical existing ACL, DELETE works by id or by content, GET lists
/// one object's ACLs (object_type and object_id required) or the whole organization's (list_org, a bare array), and
/// batch_update adds and removes many. Documents, validation and storage are the generic ones of <see cref="ObjectKinds.Acl"/>.
/// </summary>
public static class AclApi
{
    private static ObjectKind Kind => ObjectKinds.Acl;

    public static IEndpointRouteBuilder MapAclApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup(Kind.Path).WithTags(Kind.Name);
        group.MapPost("", static (HttpContext http, ObjectStore store) => ObjectsApi.CreateAsync(Kind, http, store));
        group.MapDelete("", DeleteByContentAsync);
        group.MapGet("", ListAsync);

        // Literal segments outrank {acl_id} in ASP.NET Core routing, so these never reach the by-id routes.
        group.MapGet("list_org", static async (HttpContext http, ObjectStore store) =>
            JsonResults.Ok(new JsonArray([.. await ObjectsApi.ListDocumentsAsync(Kind, http, store)])));
        group.MapPost("batch_update", BatchUpdateAsync);

        group.MapGet("{acl_id}", static (HttpContext http, ObjectStore store) => ObjectsApi.GetAsync(Kind, PathId(http), http, store));
        group.MapDelete("{acl_id}", static (HttpContext http, ObjectStore store) => ObjectsApi.DeleteAsync(Kind, PathId(http), http, store));
        return routes;
    }

    // One object's ACLs: a 403 without read_acls on it, rather than an empty list that would pass for "no ACLs".
    private static async Task<IResult> ListAsync(HttpContext http, ObjectStore store)
    {
        var (type, id) = ObjectScopes.ObjectArgs(Kind, http.Request);
        if (type is null || id is null)
        {
            ApiException.ThrowBadRequest("object_type, object_id: both are required");
        }

        var principal = await http.InOrganizationAsync(QueryArgs.Single(http.Request, "org_name"));
        await ObjectScopes.CheckObjectAsync(type, id, principal, store, "object_id");
        var access = http.RequestServices.GetRequiredService<Access>();
        await access.RequireAsync(principal, await access.TargetAsync(principal.OrgId, type, id), Access.ReadAcls);
        return await ObjectsApi.ListAsync(Kind, http, store);
    }

    private static async Task<IResult> DeleteByContentAsync(HttpContext http, ObjectStore store)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var principal = http.GetPrincipal();
        var row = await FindByContentAsync(body, principal, store, http.RequestServices)
            ?? throw ApiException.NotFound("acl: no ACL with this content");
        await ObjectAccess.RequireAsync(http.RequestServices.GetRequiredService<Access>(), principal, Kind, row, Access.Delete);
        var deleted = await store.DeleteAsync(principal.OrgId, Kind.Name, row.Id, DateTimeOffset.UtcNow, ObjectsApi.Audit(principal, "delete", Kind, ObjectDocuments.Load(row)))
            ?? throw ApiException.NotFound("acl: no ACL with this content");
        return JsonResults.Ok(ObjectDocuments.Render(Kind, deleted));
    }

    /// <summary>
    /// <c>{add_acls, remove_acls}</c> → <c>{added_acls, removed_acls}</c>. Every item is checked before anything changes,
    /// so a bad one (named by its index) changes nothing. Adding an existing ACL returns it; removing a missing one is skipped.
    /// </summary>
    private static async Task<IResult> BatchUpdateAsync(HttpContext http, ObjectStore store)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var principal = http.GetPrincipal();
        var services = http.RequestServices;
        var adds = Items(body, "add_acls");
        var removes = Items(body, "remove_acls");
        for (var i = 0; i < adds.Count; i++)
        {
            var item = adds[i];
            await ForItemAsync($"add_acls[{i}]", async () =>
            {
                var scopeId = await ObjectScopes.ForCreateAsync(Kind, item, principal, store);
                var doc = ObjectsApi.NewDocument(Kind, item, principal, scopeId, services);
                await ObjectReferences.CheckAsync(Kind, item, (string)doc["id"]!, principal, services);
            });
        }

        for (var i = 0; i < removes.Count; i++)
        {
            var item = removes[i];
            await ForItemAsync($"remove_acls[{i}]", async () =>
            {
                if (await FindByContentAsync(item, principal, store, services) is { } row)
                {
                    await ObjectAccess.RequireAsync(services.GetRequiredService<Access>(), principal, Kind, row, Access.Delete);
                }
            });
        }

        var added = new JsonArray();
        foreach (var item in adds)
        {
            var scopeId = await ObjectScopes.ForCreateAsync(Kind, item, principal, store);
            added.Add((await ObjectsApi.RegisterAsync(Kind, item, principal, scopeId, store, services)).Object);
        }

        var removed = new JsonArray();
        foreach (var item in removes)
        {
            if (await FindByContentAsync(item, principal, store, services) is { } row &&
                await store.DeleteAsync(principal.OrgId, Kind.Name, row.Id, DateTimeOffset.UtcNow, ObjectsApi.Audit(principal, "delete", Kind, ObjectDocuments.Load(row))) is { } deleted)
            {
                removed.Add(ObjectDocuments.Render(Kind, deleted));
            }
        }

        return JsonResults.Ok(new JsonObject { ["added_acls"] = added, ["removed_acls"] = removed });
    }

    // The live ACL with exactly this content (its natural key), after the same checks as a create minus the references:
    // an ACL granting to a since-deleted group must stay removable.
    private static async Task<ObjectRow?> FindByContentAsync(JsonObject body, Principal principal, ObjectStore store, IServiceProvider services)
    {
        var scopeId = await ObjectScopes.ForCreateAsync(Kind, body, principal, store);
        var doc = ObjectsApi.NewDocument(Kind, body, principal, scopeId, services);
        return await store.GetByNaturalKeyAsync(principal.OrgId, Kind.Name, scopeId, (string)doc[Kind.KeyField]!);
    }

    private static List<JsonObject> Items(JsonObject body, string name) =>
        FieldValidation.Check(new Field(name, FieldType.ObjectArray, FieldUse.Create), body[name]) is JsonArray items
            ? [.. items.Select(i => i!.AsObject())]
            : [];

    // Runs one item's checks; their 4xx names the item.
    private static async Task ForItemAsync(string item, Func<Task> check)
    {
        try
        {
            await check();
        }
        catch (ApiException e)
        {
            throw new ApiException(e.Status, $"{item}: {e.Message}");
        }
    }

    private static string PathId(HttpContext http) => (string)http.GetRouteValue(Kind.IdParameter)!;
}
