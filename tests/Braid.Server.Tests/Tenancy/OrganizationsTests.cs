using System.Net;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Tenancy;

public sealed class OrganizationsTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task List_ShowsOnlyTheCallersOrganizations_FilteredByIdAndName()
    {
        var api = await app.NewTenantAsync();
        var stranger = await app.NewTenantAsync();
        var second = await app.NewTenantAsync();
        var both = await app.AddMemberAsync(second, api.Key!.User.Email);

        var mine = (await api.GetAsync("/v1/organization")).AssertOk().Objects;
        Assert.Equal([second.OrgId, api.OrgId], mine.Select(o => (string)o["id"]!));
        Assert.DoesNotContain(stranger.OrgId, mine.Select(o => (string)o["id"]!));
        Assert.Equal(api.OrgName, (string)(await api.GetAsync($"/v1/organization?org_name={api.OrgName}")).AssertOk().Objects.Single()["name"]!);
        Assert.Empty((await api.GetAsync($"/v1/organization?org_name={stranger.OrgName}")).AssertOk().Objects);
        Assert.Empty((await api.GetAsync($"/v1/organization?ids={stranger.OrgId}")).AssertOk().Objects);
        Assert.Single((await api.GetAsync($"/v1/organization?ids={second.OrgId}")).AssertOk().Objects);
        Assert.Equal([api.OrgId], (await api.GetAsync($"/v1/organization?starting_after={second.OrgId}")).AssertOk().Objects.Select(o => (string)o["id"]!));

        // Lists follow the user, not the key: a key of either membership sees both organizations.
        Assert.Equal(2, (await both.GetAsync("/v1/organization")).AssertOk().Objects.Count);
    }

    [Fact]
    public async Task GetAndPatch_OfAnotherOrganization_Are404()
    {
        var api = await app.NewTenantAsync();
        var stranger = await app.NewTenantAsync();

        var own = (await api.GetAsync($"/v1/organization/{api.OrgId}")).AssertOk();
        Assert.Equal(api.OrgName, (string)own.Json["name"]!);
        (await api.GetAsync($"/v1/organization/{stranger.OrgId}")).AssertStatus(HttpStatusCode.NotFound);
        (await api.PatchAsync($"/v1/organization/{stranger.OrgId}", new { name = "mine" })).AssertStatus(HttpStatusCode.NotFound);
        (await api.GetAsync("/v1/organization/xyz")).AssertError(HttpStatusCode.BadRequest, "organization_id");
        Assert.Equal(stranger.OrgName, (string)(await stranger.GetAsync($"/v1/organization/{stranger.OrgId}")).AssertOk().Json["name"]!);
    }

    [Fact]
    public async Task Patch_SetsNameAndSettings_AndKeepsWhatItLeavesOut()
    {
        var api = await app.NewTenantAsync();
        var name = ApiClient.Unique("renamed");
        var patched = (await api.PatchAsync($"/v1/organization/{api.OrgId}", new
        {
            name,
            api_url = "https://api.example.com",
            is_universal_api = true,
            image_rendering_mode = "click_to_load",
        })).AssertOk();
        Assert.Equal(name, (string)patched.Json["name"]!);
        Assert.Equal("click_to_load", (string)patched.Json["image_rendering_mode"]!);

        var again = (await api.PatchAsync($"/v1/organization/{api.OrgId}", new { proxy_url = "https://proxy.example.com", api_url = (string?)null })).AssertOk();
        Assert.Null(again.Json["api_url"]);
        Assert.True((bool)again.Json["is_universal_api"]!);
        Assert.Equal("https://proxy.example.com", (string)again.Json["proxy_url"]!);
        Assert.True(JsonNode.DeepEquals(again.Object, (await api.GetAsync($"/v1/organization/{api.OrgId}")).AssertOk().Object));

        // The key keeps working under the new name, and org_name now means the new name.
        (await api.GetAsync($"/v1/project?org_name={name}")).AssertOk();
        (await api.GetAsync($"/v1/project?org_name={api.OrgName}")).AssertStatus(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("""{"image_rendering_mode":"sometimes"}""", "image_rendering_mode")]
    [InlineData("""{"is_universal_api":"yes"}""", "is_universal_api")]
    [InlineData("""{"api_url":5}""", "api_url")]
    [InlineData("""{"name":""}""", "name")]
    public async Task Patch_WithBadValues_Is400NamingTheField(string body, string field)
    {
        var api = await app.NewTenantAsync();
        (await api.SendAsync(HttpMethod.Patch, $"/v1/organization/{api.OrgId}", body)).AssertError(HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task Patch_ToANameAnotherOrganizationHas_Is400()
    {
        var api = await app.NewTenantAsync();
        var stranger = await app.NewTenantAsync();
        (await api.PatchAsync($"/v1/organization/{api.OrgId}", new { name = stranger.OrgName })).AssertError(HttpStatusCode.BadRequest, "name");
        Assert.Equal(api.OrgName, (string)(await api.GetAsync($"/v1/organization/{api.OrgId}")).AssertOk().Json["name"]!);
    }

    [Fact]
    public async Task Members_InviteByEmail_CreatesTheUser_AndAddsThemToGroups()
    {
        var api = await app.NewTenantAsync();
        var group = (await api.PostAsync("/v1/group", new { name = "reviewers" })).AssertOk().Id;
        var email = $"{Guid.NewGuid():N}@example.com";

        var result = (await api.PatchAsync("/v1/organization/members", new
        {
            invite_users = new { emails = new[] { email }, group_names = new[] { "reviewers" }, send_invite_emails = true },
        })).AssertOk();
        Assert.Equal("success", (string)result.Json["status"]!);
        Assert.Equal(api.OrgId, (string)result.Json["org_id"]!);
        Assert.NotNull((string?)result.Json["send_email_error"]);
        var added = result.Json["added_users"]!.AsArray().Single()!;
        Assert.Equal(email, (string)added["email"]!);
        Assert.Null(added["api_key"]);

        var user = (await api.GetAsync($"/v1/user?email={email}")).AssertOk().Objects.Single();
        Assert.Equal((string)added["id"]!, (string)user["id"]!);
        Assert.Equal([(string)user["id"]!], (await api.GetAsync($"/v1/group/{group}")).AssertOk().Json["member_users"]!.AsArray().Select(u => (string)u!));

        // Inviting a member again adds nobody.
        var again = (await api.PatchAsync("/v1/organization/members", new { invite_users = new { ids = new[] { (string)user["id"]! } } })).AssertOk();
        Assert.Empty(again.Json["added_users"]!.AsArray());
    }

    [Fact]
    public async Task Members_InviteByIdOfAUserOfAnotherOrganization_AddsThem()
    {
        var api = await app.NewTenantAsync();
        var stranger = await app.NewTenantAsync();
        (await api.PatchAsync("/v1/organization/members", new { invite_users = new { ids = new[] { stranger.UserId() } } })).AssertOk();

        Assert.Equal(2, (await stranger.GetAsync("/v1/organization")).AssertOk().Objects.Count);
        Assert.Single((await api.GetAsync($"/v1/user?ids={stranger.UserId()}")).AssertOk().Objects);
    }

    [Theory]
    [InlineData("""{"invite_users":{"ids":["00000000-0000-4000-8000-000000000000"]}}""", "invite_users.ids")]
    [InlineData("""{"invite_users":{"ids":"x"}}""", "invite_users.ids")]
    [InlineData("""{"invite_users":{"emails":["not-an-email"]}}""", "invite_users.emails[0]")]
    [InlineData("""{"invite_users":{"emails":["x@service-accounts.invalid"]}}""", "invite_users.emails[0]")]
    [InlineData("""{"invite_users":{"emails":["a@example.com"],"group_ids":["00000000-0000-4000-8000-000000000000"]}}""", "invite_users.group_ids")]
    [InlineData("""{"invite_users":{"emails":["a@example.com"],"group_name":"nobody"}}""", "invite_users.group_name")]
    [InlineData("""{"invite_users":{"service_accounts":[{"token_name":"t"}]}}""", "invite_users.service_accounts[0].name")]
    [InlineData("""{"invite_users":[]}""", "invite_users")]
    [InlineData("""{"remove_users":{"emails":[1]}}""", "remove_users.emails[0]")]
    [InlineData("""{"org_id":"00000000-0000-4000-8000-000000000000"}""", "org_id")]
    public async Task Members_WithBadInput_Is4xxNamingTheField_AndChangesNothing(string body, string field)
    {
        var api = await app.NewTenantAsync();
        var response = await api.SendAsync(HttpMethod.Patch, "/v1/organization/members", body);
        Assert.True(response.Status is HttpStatusCode.BadRequest or HttpStatusCode.Forbidden, response.Body);
        Assert.Contains(field, response.Error, StringComparison.Ordinal);
        Assert.Single((await api.GetAsync("/v1/user")).AssertOk().Objects);
    }

    [Fact]
    public async Task Members_ServiceAccountWithAToken_ReturnsTheKeyOnce_AndTheTokenAuthenticates()
    {
        var api = await app.NewTenantAsync();
        var result = (await api.PatchAsync("/v1/organization/members", new
        {
            // In the Viewers group, so that the bot may read the organization's members below.
            invite_users = new { service_accounts = new object[] { new { name = "ci-bot", token_name = "ci" }, new { name = "no-token" } }, group_name = "Viewers" },
        })).AssertOk();
        var added = result.Json["added_users"]!.AsArray();
        Assert.Equal(2, added.Count);
        var bot = added[0]!;
        var raw = (string)bot["api_key"]!;
        Assert.Equal("ci", (string)bot["token_name"]!);
        Assert.Null(added[1]!["api_key"]);

        var token = (await api.GetAsync("/v1/service_token")).AssertOk().Objects.Single();
        Assert.Equal("ci", (string)token["name"]!);
        Assert.Equal((string)bot["id"]!, (string)token["service_account_id"]!);
        Assert.Equal("ci-bot", (string)token["service_account_name"]!);
        Assert.DoesNotContain(raw, (await api.GetAsync("/v1/service_token")).Body, StringComparison.Ordinal);

        var asBot = app.Anonymous(raw);
        Assert.Equal(api.OrgId, (string)(await asBot.GetAsync("/v1/organization")).AssertOk().Objects.Single()["id"]!);
        Assert.Equal(3, (await asBot.GetAsync("/v1/user")).AssertOk().Objects.Count);
    }

    [Fact]
    public async Task Members_Remove_RevokesTheirKeysForTheOrganization_AndTakesThemOutOfGroupsAndAcls()
    {
        var api = await app.NewTenantAsync();
        var member = await app.AddMemberAsync(api);
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var group = (await api.PostAsync("/v1/group", new { name = "g", member_users = new[] { member.UserId(), api.UserId() } })).AssertOk().Id;
        (await api.PostAsync("/v1/acl", new { object_type = "project", object_id = project, user_id = member.UserId(), permission = "read" })).AssertOk();
        (await member.GetAsync("/v1/project")).AssertOk();

        var result = (await api.PatchAsync("/v1/organization/members", new { remove_users = new { emails = new[] { member.Key!.User.Email } } })).AssertOk();
        Assert.Equal("success", (string)result.Json["status"]!);

        (await member.GetAsync("/v1/project")).AssertStatus(HttpStatusCode.Unauthorized);
        (await api.GetAsync($"/v1/user/{member.UserId()}")).AssertStatus(HttpStatusCode.NotFound);
        Assert.Equal([api.UserId()], (await api.GetAsync($"/v1/group/{group}")).AssertOk().Json["member_users"]!.AsArray().Select(u => (string)u!));
        Assert.Empty((await api.GetAsync($"/v1/acl/list_org?user_id={member.UserId()}")).AssertOk().Json.AsArray());
        Assert.Empty((await api.GetAsync("/v1/api_key?api_key_name=member key")).AssertOk().Objects);
    }

    [Fact]
    public async Task Members_OnAnotherOrganizationByName_IsRefused()
    {
        var api = await app.NewTenantAsync();
        var stranger = await app.NewTenantAsync();
        (await api.PatchAsync("/v1/organization/members", new { org_name = stranger.OrgName, remove_users = new { ids = new[] { stranger.UserId() } } }))
            .AssertError(HttpStatusCode.Forbidden, "org_name");
        (await api.PatchAsync("/v1/organization/members", new { org_id = stranger.OrgId, remove_users = new { ids = new[] { stranger.UserId() } } }))
            .AssertError(HttpStatusCode.Forbidden, "org_id");
        (await stranger.GetAsync("/v1/project")).AssertOk();
    }
}
