using Braid.Storage.Objects;
using System.Text.Json.Nodes;
using Braid.Server.AccessControl;
using Braid.Server.Auth;
using Braid.Server.Http;
using Braid.Server.Objects;
using Braid.Storage.Tenancy;

namespace Braid.Server.Tenancy;

/// <summary>
/// <c>/v1/api_key</c> and <c>/v1/service_token</c> (inventory §3.16). Both are rows of api_keys and authenticate
/// alike; a service token is a key of a service account. A raw key is returned once, by the call that mints it; the
/// store keeps only its hash, and deleting a key revokes it at once.
/// </summary>
public static class KeysApi
{
    /// <summary>The two faces of a key: an API key shows its user, a service token its service account.</summary>
    private sealed record KeyKind(string Name, bool ServiceTokens, Func<KeyRow, JsonObject> Owner)
    {
        public string IdParameter => Name + "_id";

        public JsonObject Render(KeyRow key)
        {
            var doc = new JsonObject { ["id"] = key.Id, ["created"] = key.Created, ["name"] = key.Name, ["preview_name"] = key.PreviewName };
            foreach (var (field, value) in Owner(key))
            {
                doc[field] = value?.DeepClone();
            }

            doc["org_id"] = key.OrgId;
            return doc;
        }
    }

    private static readonly KeyKind ApiKey = new("api_key", false, static key => new JsonObject
    {
        ["user_id"] = key.UserId,
        ["user_email"] = key.UserEmail,
        ["user_given_name"] = key.UserGivenName,
        ["user_family_name"] = key.UserFamilyName,
    });

    private static readonly KeyKind ServiceToken = new("service_token", true, static key => new JsonObject
    {
        ["service_account_id"] = key.UserId,
        ["service_account_email"] = key.UserEmail,
        ["service_account_name"] = key.UserGivenName,
    });

    private static readonly Field Name = new("name", FieldType.String, FieldUse.Required, NonEmpty: true);
    private static readonly Field ServiceAccountId = new("service_account_id", FieldType.Uuid, FieldUse.Required, NonEmpty: true);
    private static readonly Field TokenId = new("id", FieldType.Uuid, FieldUse.Required, NonEmpty: true);

    public static IEndpointRouteBuilder MapKeysApi(this IEndpointRouteBuilder routes)
    {
        foreach (var kind in new[] { ApiKey, ServiceToken })
        {
            var group = routes.MapGroup("/v1/" + kind.Name).WithTags(kind.Name);
            group.MapGet("", (HttpContext http, TenantStore tenants) => ListAsync(kind, http, tenants));
            var byId = $"{{{kind.IdParameter}}}";
            group.MapGet(byId, async (HttpContext http, TenantStore tenants) =>
            {
                var key = await tenants.GetKeyAsync(http.GetPrincipal().OrgId, PathId(kind, http), kind.ServiceTokens)
                    ?? throw NotFound(kind, PathId(kind, http));
                await RequireAsync(http, http.GetPrincipal(), key.UserId, Access.Read);
                return JsonResults.Ok(kind.Render(key));
            });
            group.MapDelete(byId, (HttpContext http, TenantStore tenants) => RevokeAsync(kind, PathId(kind, http), http, tenants));
        }

        // The spec dropped POST /v1/api_key in 2026-04, but the SDKs' peer tests still create keys with it.
        routes.MapPost("/v1/api_key", static async (HttpContext http, TenantStore tenants) =>
        {
            var body = await JsonBody.ReadObjectAsync(http);
            var principal = await http.InOrganizationAsync(OrgName(body));
            var name = Required(Name, body);
            return await MintedAsync(http, principal, ApiKey, await tenants.MintKeyAsync(principal.OrgId, principal.UserId, name));
        });

        // Minting a service account's token is acting for that member: update on it (Owners have it).
        routes.MapPost("/v1/service_token", static async (HttpContext http, TenantStore tenants) =>
        {
            var (principal, name, accountId) = await ServiceTokenRequestAsync(http, tenants);
            return await MintedAsync(http, principal, ServiceToken, await tenants.MintKeyAsync(principal.OrgId, accountId, name));
        });
        routes.MapPut("/v1/service_token", static async (HttpContext http, TenantStore tenants) =>
        {
            var (principal, name, accountId) = await ServiceTokenRequestAsync(http, tenants);
            var (key, replaced) = await tenants.ReplaceServiceTokenAsync(principal.OrgId, accountId, name);
            if (replaced)
            {
                http.Response.Headers[ObjectsApi.FoundExistingHeader] = "true";
            }

            return await MintedAsync(http, principal, ServiceToken, key);
        });
        routes.MapDelete("/v1/service_token", static async (HttpContext http, TenantStore tenants) =>
        {
            var body = await JsonBody.ReadObjectAsync(http);
            return await RevokeAsync(ServiceToken, Required(TokenId, body), http, tenants);
        });
        return routes;
    }

    private static async Task<IResult> ListAsync(KeyKind kind, HttpContext http, TenantStore tenants)
    {
        var request = http.Request;
        var principal = await http.InOrganizationAsync(QueryArgs.Single(request, "org_name"));
        await UsersApi.ReadMembersAsync(http, principal);
        var query = TenancyApi.Query(request) with { Name = QueryArgs.Single(request, kind.Name + "_name") };
        return TenancyApi.Objects(await tenants.ListKeysAsync(principal.OrgId, kind.ServiceTokens, query), kind.Render);
    }

    private static async Task<IResult> RevokeAsync(KeyKind kind, string id, HttpContext http, TenantStore tenants)
    {
        var principal = http.GetPrincipal();
        var key = await tenants.GetKeyAsync(principal.OrgId, id, kind.ServiceTokens) ?? throw NotFound(kind, id);
        await RequireAsync(http, principal, key.UserId, Access.Update);
        var revoked = await tenants.RevokeKeyAsync(principal.OrgId, id, kind.ServiceTokens) ?? throw NotFound(kind, id);
        await http.RequestServices.GetRequiredService<ObjectStore>().AuditAsync(AuditTrail.Event(principal, "delete", kind.Name, id, revoked.Name));
        return JsonResults.Ok(kind.Render(revoked));
    }

    // Callers always manage their own keys; another member's keys need the permission on that member.
    private static async Task RequireAsync(HttpContext http, Principal principal, string keyUserId, string permission)
    {
        if (keyUserId != principal.UserId)
        {
            await http.RequestServices.GetRequiredService<Access>().RequireAsync(principal, Access.Member(principal.OrgId, keyUserId), permission);
        }
    }

    // The body of POST and PUT /v1/service_token: {name, service_account_id, org_name?}.
    private static async Task<(Principal Principal, string Name, string AccountId)> ServiceTokenRequestAsync(
        HttpContext http, TenantStore tenants)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var principal = await http.InOrganizationAsync(OrgName(body));
        var name = Required(Name, body);
        var accountId = Required(ServiceAccountId, body);
        if (!await tenants.IsServiceAccountAsync(principal.OrgId, accountId))
        {
            ApiException.ThrowBadRequest($"service_account_id: no service account of this organization has id '{accountId}'");
        }

        await RequireAsync(http, principal, accountId, Access.Update);

        return (principal, name, accountId);
    }

    // The one answer that carries the raw key.
    // The key is shown once, here; its audit event names it but never holds it.
    private static async Task<IResult> MintedAsync(HttpContext http, Principal principal, KeyKind kind, MintedKey key)
    {
        await http.RequestServices.GetRequiredService<ObjectStore>().AuditAsync(AuditTrail.Event(principal, "create", kind.Name, key.Row.Id, key.Row.Name));
        var output = kind.Render(key.Row);
        output["key"] = key.Raw;
        return JsonResults.Ok(output);
    }

    private static string Required(Field field, JsonObject body) =>
        body[field.Name] is { } value
            ? FieldValidation.Check(field, value)!.GetValue<string>()
            : throw ApiException.BadRequest($"{field.Name}: is required");

    private static string? OrgName(JsonObject body) =>
        FieldValidation.Check(new Field("org_name", FieldType.String, FieldUse.Create), body["org_name"])?.GetValue<string>();

    private static string PathId(KeyKind kind, HttpContext http) => Ids.FromPath((string)http.GetRouteValue(kind.IdParameter)!, kind.IdParameter);

    private static ApiException NotFound(KeyKind kind, string id) => ApiException.NotFound($"{kind.Name} '{id}' not found");
}
