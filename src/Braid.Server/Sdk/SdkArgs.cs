using System.Text.Json.Nodes;
using Braid.Server.Auth;
using Braid.Server.Http;
using Braid.Server.Objects;
using Braid.Storage.Tenancy;

namespace Braid.Server.Sdk;

/// <summary>Reads the loosely typed bodies of the SDK's calls; a wrong type is a 400 naming the field.</summary>
internal static class SdkArgs
{
    public static string RequiredString(JsonObject body, string name) =>
        OptionalString(body, name) ?? throw ApiException.BadRequest($"{name}: is required");

    /// <summary>A non-empty string, or null when absent or JSON null.</summary>
    public static string? OptionalString(JsonObject body, string name) =>
        body[name] is null ? null : FieldValidation.Check(new Field(name, FieldType.String, FieldUse.Create, NonEmpty: true), body[name])!.GetValue<string>();

    public static string? OptionalUuid(JsonObject body, string name) =>
        body[name] is null ? null : FieldValidation.Check(new Field(name, FieldType.Uuid, FieldUse.Create, NonEmpty: true), body[name])!.GetValue<string>();

    public static bool? OptionalBoolean(JsonObject body, string name) =>
        body[name] is null ? null : FieldValidation.Check(new Field(name, FieldType.Boolean, FieldUse.Create), body[name])!.GetValue<bool>();

    /// <summary>
    /// The organization a call acts in: <c>org_name</c>, else <c>org_id</c> (the SDK sends the id it picked at login),
    /// else the key's own. Either must be one the key's user belongs to (a 403 otherwise, the same for one that does not exist).
    /// </summary>
    public static async Task<Principal> OrganizationAsync(HttpContext http, JsonObject body)
    {
        if (OptionalString(body, "org_name") is { } name)
        {
            return await http.InOrganizationAsync(name);
        }

        var principal = http.GetPrincipal();
        if (OptionalUuid(body, "org_id") is not { } orgId || orgId == principal.OrgId)
        {
            return principal;
        }

        var org = await http.RequestServices.GetRequiredService<TenantStore>().GetOrganizationAsync(principal.UserId, orgId)
            ?? throw ApiException.Forbidden($"org_id: you are not a member of organization '{orgId}'");
        return await http.InOrganizationAsync(org.Name);
    }
}
