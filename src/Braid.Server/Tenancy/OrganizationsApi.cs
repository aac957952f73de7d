using System.Text.Json.Nodes;
using Braid.Server.AccessControl;
using Braid.Server.Auth;
using Braid.Server.Http;
using Braid.Server.Objects;
using Braid.Storage.Objects;
using Braid.Storage.Tenancy;
using static Braid.Server.Objects.FieldUse;

namespace Braid.Server.Tenancy;

/// <summary>
/// <c>/v1/organization</c> (inventory §3.15): the caller's organizations, their settings, and their membership. An
/// organization the caller does not belong to does not exist for them (404).
/// </summary>
public static class OrganizationsApi
{
    private static readonly Field Name = new("name", FieldType.String, Patch, NonEmpty: true);

    /// <summary>The spec's PatchOrganization fields besides the name, stored together as the organization's settings.</summary>
    private static readonly IReadOnlyList<Field> Settings =
    [
        new("api_url", FieldType.String, Patch),
        new("is_universal_api", FieldType.Boolean, Patch),
        new("is_dataplane_private", FieldType.Boolean, Patch),
        new("proxy_url", FieldType.String, Patch),
        new("realtime_url", FieldType.String, Patch),
        new("image_rendering_mode", FieldType.Enum, Patch, Values: ["auto", "click_to_load", "blocked"]),
    ];

    private static readonly IReadOnlyList<Field> InviteFields =
    [
        new("ids", FieldType.UuidArray, Create),
        new("emails", FieldType.StringArray, Create),
        new("service_accounts", FieldType.ObjectArray, Create, Items:
        [
            new("name", FieldType.String, Required, NonEmpty: true),
            new("token_name", FieldType.String, Create, NonEmpty: true),
        ]),
        new("send_invite_emails", FieldType.Boolean, Create),
        new("group_ids", FieldType.UuidArray, Create),
        new("group_names", FieldType.StringArray, Create),
        new("group_id", FieldType.Uuid, Create),
        new("group_name", FieldType.String, Create),
    ];

    private static readonly IReadOnlyList<Field> RemoveFields =
    [
        new("ids", FieldType.UuidArray, Create),
        new("emails", FieldType.StringArray, Create),
    ];

    public static IEndpointRouteBuilder MapOrganizationsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/organization").WithTags("organization");
        group.MapGet("", ListAsync);

        // The literal segment outranks {organization_id} in ASP.NET Core routing.
        group.MapPatch("members", PatchMembersAsync);
        group.MapGet("{organization_id}", static async (HttpContext http, TenantStore tenants) =>
            JsonResults.Ok(Render(await FindAsync(http, tenants))));
        group.MapPatch("{organization_id}", PatchAsync);
        return routes;
    }

    // org_name filters here; it does not switch organizations.
    private static async Task<IResult> ListAsync(HttpContext http, TenantStore tenants)
    {
        var query = TenancyApi.Query(http.Request) with { Name = QueryArgs.Single(http.Request, "org_name") };
        return TenancyApi.Objects(await tenants.ListOrganizationsAsync(http.GetPrincipal().UserId, query), Render);
    }

    private static async Task<IResult> PatchAsync(HttpContext http, TenantStore tenants)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var org = await FindAsync(http, tenants);
        await http.RequestServices.GetRequiredService<Access>()
            .RequireAsync(http.GetPrincipal() with { OrgId = org.Id }, Access.Organization(org.Id), Access.Update);
        var name = body.TryGetPropertyValue(Name.Name, out var given) ? FieldValidation.Check(Name, given)!.GetValue<string>() : org.Name;
        var settings = JsonNode.Parse(org.Settings)!.AsObject();
        foreach (var field in Settings)
        {
            if (body.TryGetPropertyValue(field.Name, out var value))
            {
                settings[field.Name] = FieldValidation.Check(field, value);
            }
        }

        switch (await tenants.UpdateOrganizationAsync(org.Id, name, settings.ToJsonString()))
        {
            case WriteOutcome.NaturalKeyTaken:
                throw ApiException.BadRequest($"name: an organization named '{name}' already exists");
            case WriteOutcome.NotFound:
                throw ApiException.NotFound($"organization '{org.Id}' not found");
        }

        return JsonResults.Ok(Render(org with { Name = name, Settings = settings.ToJsonString() }));
    }

    /// <summary>
    /// PATCH <c>/v1/organization/members</c>: invites users (by id, or by email, creating them), creates service
    /// accounts (a first token's raw key comes back once in <c>added_users</c>), puts the invited into groups, and
    /// removes members, whose keys for the organization stop working and who leave its groups and ACLs.
    /// </summary>
    private static async Task<IResult> PatchMembersAsync(HttpContext http, TenantStore tenants, ObjectStore store)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var principal = await MembersOrganizationAsync(http, body, tenants);
        var invite = Section(body, "invite_users", InviteFields);
        var remove = Section(body, "remove_users", RemoveFields);

        // Managing members is an owner's business (landscape §5.4): create on org_member to invite, delete to remove.
        var access = http.RequestServices.GetRequiredService<Access>();
        if (invite.Any(f => f.Value is not null))
        {
            await access.RequireAsync(principal, Access.Member(principal.OrgId, null), Access.Create);
        }

        if (remove.Any(f => f.Value is not null))
        {
            await access.RequireAsync(principal, Access.Member(principal.OrgId, null), Access.Delete);
        }

        var inviteIds = Strings(invite["ids"]);
        var existing = await tenants.ExistingUserIdsAsync(inviteIds);
        if (inviteIds.FirstOrDefault(id => !existing.Contains(id)) is { } unknown)
        {
            ApiException.ThrowBadRequest($"invite_users.ids: no user has id '{unknown}'");
        }

        var emails = Strings(invite["emails"]);
        for (var i = 0; i < emails.Count; i++)
        {
            CheckEmail($"invite_users.emails[{i}]", emails[i]);
        }

        var groups = await GroupsAsync(invite, principal, store);
        var result = await tenants.ChangeMembersAsync(principal.OrgId, new MemberChanges
        {
            InviteIds = inviteIds,
            InviteEmails = emails,
            ServiceAccounts = invite["service_accounts"] is JsonArray accounts
                ? [.. accounts.Select(a => new ServiceAccountRequest((string)a!["name"]!, (string?)a["token_name"]))]
                : [],
            RemoveIds = Strings(remove["ids"]),
            RemoveEmails = Strings(remove["emails"]),
        });

        var invitedIds = result.Invited.Select(m => m.User.Id).ToList();
        foreach (var group in groups)
        {
            await EditGroupAsync(principal.OrgId, group, "add_member_users", invitedIds, store);
        }

        await ForgetAsync(principal.OrgId, result.RemovedUserIds, store);

        var added = result.Invited.Where(m => m.Added).ToList();
        foreach (var member in added)
        {
            await store.AuditAsync(AuditTrail.Event(principal, "member.add", "org_member", member.User.Id, member.User.Email));
        }

        foreach (var removedId in result.RemovedUserIds)
        {
            await store.AuditAsync(AuditTrail.Event(principal, "member.remove", "org_member", removedId));
        }

        return JsonResults.Ok(new JsonObject
        {
            ["status"] = "success",
            ["org_id"] = principal.OrgId,
            ["send_email_error"] = invite["send_invite_emails"]?.GetValue<bool>() == true && added.Count > 0
                ? "Braid does not send email: tell the invited users yourself"
                : null,
            ["added_users"] = new JsonArray([.. added.Select(m => new JsonObject
            {
                ["id"] = m.User.Id,
                ["email"] = m.User.Email,
                ["api_key"] = m.Token?.Raw,
                ["token_name"] = m.Token?.Row.Name,
            })]),
        });
    }

    // The organization a members PATCH edits: the caller's, or the one its org_name / org_id names if they belong to it.
    private static async Task<Principal> MembersOrganizationAsync(HttpContext http, JsonObject body, TenantStore tenants)
    {
        var principal = await http.InOrganizationAsync(
            FieldValidation.Check(new Field("org_name", FieldType.String, Create), body["org_name"])?.GetValue<string>());
        if (FieldValidation.Check(new Field("org_id", FieldType.Uuid, Create), body["org_id"])?.GetValue<string>() is { } orgId
            && orgId != principal.OrgId)
        {
            var org = await tenants.GetOrganizationAsync(principal.UserId, orgId)
                ?? throw ApiException.Forbidden($"org_id: you are not a member of an organization with id '{orgId}'");
            principal = principal with { OrgId = org.Id, OrgName = org.Name };
        }

        return principal;
    }

    // A nested object of the body with its fields checked (400s name them as section.field); empty when absent.
    private static JsonObject Section(JsonObject body, string name, IReadOnlyList<Field> fields)
    {
        var section = FieldValidation.Check(new Field(name, FieldType.Object, Create), body[name]) as JsonObject ?? [];
        var result = new JsonObject();
        foreach (var field in fields)
        {
            result[field.Name] = FieldValidation.Check(field with { Name = $"{name}.{field.Name}" }, section[field.Name]);
        }

        return result;
    }

    private static List<string> Strings(JsonNode? array) => array is JsonArray items ? [.. items.Select(i => (string)i!)] : [];

    private static void CheckEmail(string field, string email)
    {
        var at = email.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at == email.Length - 1 || email.Any(char.IsWhiteSpace))
        {
            ApiException.ThrowBadRequest($"{field}: '{email}' is not an email address");
        }

        if (email.EndsWith("@" + TenantStore.ServiceAccountDomain, StringComparison.OrdinalIgnoreCase))
        {
            ApiException.ThrowBadRequest($"{field}: addresses at {TenantStore.ServiceAccountDomain} belong to service accounts");
        }
    }

    // The groups invited users join: group_ids / group_id and group_names / group_name, each a group of the organization.
    private static async Task<List<ObjectRow>> GroupsAsync(JsonObject invite, Principal principal, ObjectStore store)
    {
        var groups = new List<ObjectRow>();
        foreach (var (field, id) in Strings(invite["group_ids"]).Select(id => ("group_ids", id))
                     .Concat(invite["group_id"] is { } one ? [("group_id", (string)one!)] : []))
        {
            groups.Add(await store.GetAsync(principal.OrgId, ObjectKinds.Group.Name, id)
                ?? throw ApiException.BadRequest($"invite_users.{field}: no group with id '{id}' in this organization"));
        }

        foreach (var (field, name) in Strings(invite["group_names"]).Select(n => ("group_names", n))
                     .Concat(invite["group_name"] is { } one ? [("group_name", (string)one!)] : []))
        {
            groups.Add(await store.GetByNaturalKeyAsync(principal.OrgId, ObjectKinds.Group.Name, principal.OrgId, name)
                ?? throw ApiException.BadRequest($"invite_users.{field}: no group named '{name}' in this organization"));
        }

        return [.. groups.DistinctBy(g => g.Id)];
    }

    // Former members leave every group and lose every ACL of the organization that names them.
    private static async Task ForgetAsync(string orgId, IReadOnlyList<string> userIds, ObjectStore store)
    {
        if (userIds.Count == 0)
        {
            return;
        }

        // Read first, then write: a reader left open across writes would hold SQLite's snapshot.
        var groups = await store.ListAsync(new ObjectQuery(orgId, ObjectKinds.Group.Name), null).ToListAsync();
        foreach (var group in groups)
        {
            await EditGroupAsync(orgId, group, "remove_member_users", userIds, store);
        }

        var acls = await store.ListAsync(new ObjectQuery(orgId, ObjectKinds.Acl.Name), null).ToListAsync();
        foreach (var acl in acls.Where(a => ObjectDocuments.Load(a)["user_id"] is { } user && userIds.Contains((string)user!)))
        {
            await store.DeleteAsync(orgId, ObjectKinds.Acl.Name, acl.Id, DateTimeOffset.UtcNow);
        }
    }

    // Applies one add/remove list of the group kind to a stored group (a group deleted meanwhile is left alone).
    private static async Task EditGroupAsync(string orgId, ObjectRow group, string edit, IReadOnlyList<string> userIds, ObjectStore store)
    {
        var doc = ObjectDocuments.Load(group);
        var before = doc["member_users"]?.ToJsonString();
        ObjectDocuments.Patch(ObjectKinds.Group, doc, new JsonObject { [edit] = new JsonArray([.. userIds.Select(id => JsonValue.Create(id))]) });
        if (doc["member_users"]?.ToJsonString() != before)
        {
            await store.UpdateAsync(orgId, ObjectKinds.Group.Name, group.Id, group.NaturalKey, group.Name, doc.ToJsonString());
        }
    }

    private static async Task<OrganizationProfile> FindAsync(HttpContext http, TenantStore tenants)
    {
        var id = (string)http.GetRouteValue("organization_id")!;
        return await tenants.GetOrganizationAsync(http.GetPrincipal().UserId, Ids.FromPath(id, "organization_id"))
            ?? throw ApiException.NotFound($"organization '{id}' not found");
    }

    private static JsonObject Render(OrganizationProfile org)
    {
        var settings = JsonNode.Parse(org.Settings)!.AsObject();
        var doc = new JsonObject { ["id"] = org.Id, ["name"] = org.Name };
        foreach (var field in Settings)
        {
            doc[field.Name] = settings[field.Name]?.DeepClone();
        }

        doc["created"] = org.Created;
        return doc;
    }
}
