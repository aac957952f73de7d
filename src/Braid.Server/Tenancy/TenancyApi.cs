using System.Text.Json.Nodes;
using Braid.Server.Http;
using Braid.Storage.Tenancy;

namespace Braid.Server.Tenancy;

/// <summary>
/// The resources that live in the tenancy tables rather than the objects table: organizations and their members,
/// users, API keys and service tokens. Every read and write stays inside the caller's organizations.
/// </summary>
public static class TenancyApi
{
    public static IEndpointRouteBuilder MapTenancyApi(this IEndpointRouteBuilder routes) =>
        routes.MapOrganizationsApi().MapUsersApi().MapKeysApi();

    /// <summary>The paging and <c>ids</c> parameters every tenancy list takes.</summary>
    internal static TenantQuery Query(HttpRequest request)
    {
        var (limit, startingAfter, endingBefore) = QueryArgs.Paging(request);
        return new TenantQuery
        {
            Limit = limit,
            StartingAfter = startingAfter,
            EndingBefore = endingBefore,
            Ids = QueryArgs.UuidList(request, "ids")?.ToArray(),
        };
    }

    internal static IResult Objects<T>(IEnumerable<T> rows, Func<T, JsonObject> render) =>
        JsonResults.Ok(new JsonObject { ["objects"] = new JsonArray([.. rows.Select(render)]) });
}
