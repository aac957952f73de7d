using Braid.Storage.Objects;
using System.Text.Json.Nodes;
using Braid.Server.AccessControl;
using Braid.Server.Http;
using Braid.Storage.Tenancy;
using Microsoft.AspNetCore.Authorization;

namespace Braid.Server.Auth;

/// <summary>
/// Turns <c>Authorization: Bearer sk-...</c> into the request's <see cref="Principal"/>, in the organization
/// <c>x-bt-org-name</c> names when the key's user belongs to several (else the key's own). Runs after routing so
/// that endpoints marked <c>AllowAnonymous</c> (<c>GET /v1</c>, unknown routes) skip it; every other endpoint
/// gets a 401 without a valid key.
/// </summary>
public static class Authentication
{
    public const string ImpersonateHeader = "x-bt-impersonate-user";

    /// <summary>The organization a request acts in, for a user in several (the SDKs and the proxy send it).</summary>
    public const string OrgNameHeader = "x-bt-org-name";

    private static readonly object PrincipalKey = new();

    public static IApplicationBuilder UseApiKeys(this IApplicationBuilder app) =>
        app.Use(static async (context, next) =>
        {
            var endpoint = context.GetEndpoint();
            if (endpoint is not null && endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null)
            {
                var key = BearerToken(context.Request)
                    ?? throw ApiException.Unauthorized("missing API key: send the header 'Authorization: Bearer <api key>'");
                var tenants = context.RequestServices.GetRequiredService<TenantStore>();
                var (principal, _) = await SignInAsync(context, key) ?? throw ApiException.Unauthorized("invalid API key");
                if (context.Request.Headers[ImpersonateHeader].ToString() is { Length: > 0 } impersonated)
                {
                    principal = await ImpersonateAsync(principal, impersonated.Trim(), tenants, context.RequestServices.GetRequiredService<Access>());
                    await context.RequestServices.GetRequiredService<ObjectStore>().AuditAsync(AuditTrail.Event(
                        principal, "impersonate", "user", principal.UserId,
                        details: new JsonObject { ["method"] = context.Request.Method, ["path"] = context.Request.Path.Value }));
                }

                context.Items[PrincipalKey] = principal;
            }

            await next(context);
        });

    /// <summary>
    /// The caller behind a raw API key, in the organization <c>x-bt-org-name</c> names (a 403 when they are not a member
    /// of it), with that organization's access generation; null for an unknown or revoked key. The generation is read in
    /// the same statement as the key and handed to the request's <see cref="Access"/>, so its access checks need no read
    /// of their own: one store read per request checks the key and tells whether cached access data is current.
    /// </summary>
    public static async Task<(Principal Principal, long Generation)?> SignInAsync(HttpContext context, string rawKey)
    {
        var tenants = context.RequestServices.GetRequiredService<TenantStore>();
        if (await tenants.AuthenticateAsync(rawKey) is not var (principal, generation))
        {
            return null;
        }

        if (context.Request.Headers[OrgNameHeader].ToString().Trim() is { Length: > 0 } orgName && orgName != principal.OrgName)
        {
            principal = await tenants.SwitchOrganizationAsync(principal, orgName)
                ?? throw ApiException.Forbidden($"{OrgNameHeader}: you are not a member of an organization named '{orgName}'");
            generation = await tenants.AccessGenerationAsync(principal.OrgId);
        }

        context.RequestServices.GetRequiredService<Access>().KnowGeneration(principal.OrgId, generation);
        return (principal, generation);
    }

    /// <summary>
    /// <c>x-bt-impersonate-user: &lt;user id or email&gt;</c> (landscape §5.5): the request runs as that user, allowed only
    /// when the caller holds the Owner role on every organization the user belongs to, so the caller's permissions are a
    /// superset of theirs. It runs in the caller's organization when the user belongs to it, else in the user's first.
    /// An unknown user gets the same 403 as a refused one, so the header cannot probe for users.
    /// </summary>
    private static async Task<Principal> ImpersonateAsync(Principal caller, string idOrEmail, TenantStore tenants, Access access)
    {
        var refused = ApiException.Forbidden(
            $"{ImpersonateHeader}: you may impersonate '{idOrEmail}' only with the Owner role on every organization they belong to");
        var user = await tenants.FindUserAsync(idOrEmail) ?? throw refused;
        var organizations = await tenants.ListOrganizationsAsync(user.Id, new TenantQuery());
        if (organizations.Count == 0)
        {
            throw refused;
        }

        foreach (var org in organizations)
        {
            var model = await access.ModelAsync(org.Id);
            if (!await tenants.IsMemberAsync(org.Id, caller.UserId)
                || !model.HoldsRole(caller.UserId, "organization", org.Id, SystemRoles.OwnerId))
            {
                throw refused;
            }
        }

        var home = organizations.FirstOrDefault(o => o.Id == caller.OrgId) ?? organizations[0];
        return new Principal(user.Id, home.Id, home.Name, caller.ApiKeyId, caller.UserId);
    }

    /// <summary>The authenticated caller; only endpoints behind <see cref="UseApiKeys"/> may ask.</summary>
    public static Principal GetPrincipal(this HttpContext context) =>
        context.Items[PrincipalKey] as Principal
        ?? throw new InvalidOperationException("endpoint is anonymous but asked for a principal");

    /// <summary>
    /// Applies an <c>org_name</c> from the query or body: the caller acts in that organization if they belong to it.
    /// The same 403 answers for an organization that does not exist, so names of others' organizations don't leak.
    /// </summary>
    public static async Task<Principal> InOrganizationAsync(this HttpContext context, string? organizationName)
    {
        var principal = context.GetPrincipal();
        if (string.IsNullOrEmpty(organizationName) || organizationName == principal.OrgName)
        {
            return principal;
        }

        var tenants = context.RequestServices.GetRequiredService<TenantStore>();
        return await tenants.SwitchOrganizationAsync(principal, organizationName)
            ?? throw ApiException.Forbidden($"org_name: you are not a member of an organization named '{organizationName}'");
    }

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = header[scheme.Length..].Trim();
        return token.Length == 0 ? null : token;
    }
}
