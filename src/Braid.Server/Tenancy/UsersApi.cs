using System.Text.Json.Nodes;
using Braid.Server.AccessControl;
using Braid.Server.Auth;
using Braid.Server.Http;
using Braid.Storage.Tenancy;

namespace Braid.Server.Tenancy;

/// <summary><c>/v1/user</c>: the members of the caller's organization, read-only (inventory §3.9).</summary>
public static class UsersApi
{
    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/user").WithTags("user");
        group.MapGet("", static async (HttpContext http, TenantStore tenants) =>
        {
            var request = http.Request;
            var principal = await http.InOrganizationAsync(QueryArgs.Single(request, "org_name"));
            await ReadMembersAsync(http, principal);
            var query = TenancyApi.Query(request) with
            {
                Emails = QueryArgs.List(request, "email")?.ToArray(),
                GivenNames = QueryArgs.List(request, "given_name")?.ToArray(),
                FamilyNames = QueryArgs.List(request, "family_name")?.ToArray(),
            };
            return TenancyApi.Objects(await tenants.ListMembersAsync(principal.OrgId, query), Render);
        });
        group.MapGet("{user_id}", static async (HttpContext http, TenantStore tenants) =>
        {
            var id = (string)http.GetRouteValue("user_id")!;
            await ReadMembersAsync(http, http.GetPrincipal());
            var user = await tenants.GetMemberAsync(http.GetPrincipal().OrgId, Ids.FromPath(id, "user_id"))
                ?? throw ApiException.NotFound($"user '{id}' not found");
            return JsonResults.Ok(Render(user));
        });
        return routes;
    }

    internal static Task ReadMembersAsync(HttpContext http, Principal principal) =>
        http.RequestServices.GetRequiredService<Access>().RequireAsync(principal, Access.Member(principal.OrgId, null), Access.Read);

    /// <summary>The spec's <c>User</c>.</summary>
    internal static JsonObject Render(User user) => new()
    {
        ["id"] = user.Id,
        ["given_name"] = user.GivenName,
        ["family_name"] = user.FamilyName,
        ["email"] = user.Email,
        ["avatar_url"] = null,
        ["created"] = user.Created,
    };
}
