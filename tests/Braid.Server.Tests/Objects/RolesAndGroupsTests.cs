using System.Net;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;
using Braid.Server.Tests.Tenancy;

namespace Braid.Server.Tests.Objects;

public sealed class RolesAndGroupsTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task Role_KeepsPermissionsNormalized_AndPatchListsEditThemAsASet()
    {
        var api = await app.NewTenantAsync();
        var role = (await api.PostAsync("/v1/role", new
        {
            name = "reader",
            member_permissions = new object[] { new { permission = "read" }, new { permission = "update", restrict_object_type = "experiment" } },
        })).AssertOk();
        Assert.Equal(api.OrgId, (string)role.Json["org_id"]!);
        Assert.Equal(api.UserId(), (string)role.Json["user_id"]!);
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""[{"permission":"read","restrict_object_type":null},{"permission":"update","restrict_object_type":"experiment"}]"""),
            role.Json["member_permissions"]), role.Body);

        var patched = (await api.PatchAsync($"/v1/role/{role.Id}", new
        {
            add_member_permissions = new object[] { new { permission = "read" }, new { permission = "delete" } },
            remove_member_permissions = new object[] { new { permission = "update", restrict_object_type = "experiment" } },
        })).AssertOk();
        Assert.Equal(["read", "delete"], patched.Json["member_permissions"]!.AsArray().Select(p => (string)p!["permission"]!));

        // Without its restriction, an item is a different tuple and removes nothing else.
        var again = (await api.PatchAsync($"/v1/role/{role.Id}", new { remove_member_permissions = new[] { new { permission = "read" } } })).AssertOk();
        Assert.Equal(["delete"], again.Json["member_permissions"]!.AsArray().Select(p => (string)p!["permission"]!));
    }

    [Theory]
    [InlineData("""{"name":"r","member_permissions":[{"permission":"admin"}]}""", "member_permissions[0].permission")]
    [InlineData("""{"name":"r","member_permissions":[{"restrict_object_type":"project"}]}""", "member_permissions[0].permission: is required")]
    [InlineData("""{"name":"r","member_permissions":[{"permission":"read","restrict_object_type":"table"}]}""", "member_permissions[0].restrict_object_type")]
    [InlineData("""{"name":"r","member_permissions":["read"]}""", "member_permissions[0]")]
    [InlineData("""{"name":"r","member_roles":["nope"]}""", "member_roles[0]")]
    [InlineData("""{"name":"r","member_roles":["0b0c1f8e-5f7c-4a66-9d0e-0123456789ab"]}""", "member_roles: no role")]
    public async Task Role_BadMembers_Is400NamingTheField(string body, string mentions)
    {
        var api = await app.NewTenantAsync();
        (await api.PostAsync("/v1/role", body)).AssertError(HttpStatusCode.BadRequest, mentions);
        Assert.Empty((await api.GetAsync("/v1/role?role_name=r")).AssertOk().Objects);
    }

    [Fact]
    public async Task Role_InheritsOnlyRolesOfItsOrganization_OrSystemRoles_AndNeverItself()
    {
        var api = await app.NewTenantAsync();
        var other = await app.NewTenantAsync();
        var foreign = (await other.PostAsync("/v1/role", new { name = "theirs" })).AssertOk().Id;
        var owner = SystemRoleId(await api.GetAsync("/v1/role?role_name=Owner"));
        var mine = (await api.PostAsync("/v1/role", new { name = "base" })).AssertOk().Id;

        var role = (await api.PostAsync("/v1/role", new { name = "child", member_roles = new[] { mine, owner } })).AssertOk();
        Assert.Equal([mine, owner], role.Json["member_roles"]!.AsArray().Select(r => (string)r!));
        (await api.PostAsync("/v1/role", new { name = "bad", member_roles = new[] { foreign } })).AssertError(HttpStatusCode.BadRequest, "member_roles");
        (await api.PatchAsync($"/v1/role/{role.Id}", new { add_member_roles = new[] { foreign } })).AssertError(HttpStatusCode.BadRequest, "add_member_roles");
        (await api.PatchAsync($"/v1/role/{role.Id}", new { add_member_roles = new[] { role.Id } })).AssertError(HttpStatusCode.BadRequest, "itself");

        var removed = (await api.PatchAsync($"/v1/role/{role.Id}", new { remove_member_roles = new[] { owner } })).AssertOk();
        Assert.Equal([mine], removed.Json["member_roles"]!.AsArray().Select(r => (string)r!));
    }

    [Fact]
    public async Task SystemRoles_AreFoundByName_InEveryOrganization_AndCannotBeChanged()
    {
        var api = await app.NewTenantAsync();
        var other = await app.NewTenantAsync();
        var owner = (await api.GetAsync("/v1/role?role_name=Owner")).AssertOk().Objects.Single();
        Assert.Null(owner["org_id"]);
        Assert.Equal(8, owner["member_permissions"]!.AsArray().Count);
        var id = (string)owner["id"]!;
        Assert.Equal(id, SystemRoleId(await other.GetAsync("/v1/role?role_name=Owner")));
        Assert.True(JsonNode.DeepEquals(owner, (await api.GetAsync($"/v1/role/{id}")).AssertOk().Object));
        Assert.Single((await api.GetAsync("/v1/role?role_name=Viewer")).AssertOk().Objects);
        Assert.Single((await api.GetAsync("/v1/role?role_name=Engineer")).AssertOk().Objects);

        (await api.PatchAsync($"/v1/role/{id}", new { description = "mine now" })).AssertError(HttpStatusCode.Forbidden, "built in");
        (await api.DeleteAsync($"/v1/role/{id}")).AssertError(HttpStatusCode.Forbidden, "built in");
        (await api.SendAsync(HttpMethod.Put, "/v1/role", """{"name":"Owner","description":"x"}""")).AssertError(HttpStatusCode.Forbidden, "built in");
        var registered = (await api.PostAsync("/v1/role", new { name = "Owner" })).AssertOk();
        Assert.Equal(id, registered.Id);
        Assert.Equal("true", registered.Header("x-bt-found-existing"));

        var custom = (await api.PostAsync("/v1/role", new { name = "custom" })).AssertOk().Id;
        (await api.PatchAsync($"/v1/role/{custom}", new { name = "Owner" })).AssertError(HttpStatusCode.BadRequest, "built-in");
        Assert.True(JsonNode.DeepEquals(owner, (await api.GetAsync($"/v1/role/{id}")).AssertOk().Object));
    }

    [Fact]
    public async Task RoleList_ShowsTheOrganizationsRolesNewestFirst_ThenTheSystemRoles_AcrossPages()
    {
        var api = await app.NewTenantAsync();
        var first = (await api.PostAsync("/v1/role", new { name = "first" })).AssertOk().Id;
        var second = (await api.PostAsync("/v1/role", new { name = "second" })).AssertOk().Id;

        var all = Names(await api.GetAsync("/v1/role"));
        Assert.Equal(["second", "first", "Owner", "Engineer", "Viewer"], all);

        var pages = new List<string>();
        string? after = null;
        while (true)
        {
            var page = (await api.GetAsync("/v1/role?limit=2" + (after is null ? "" : $"&starting_after={after}"))).AssertOk().Objects;
            if (page.Count == 0)
            {
                break;
            }

            pages.AddRange(page.Select(o => (string)o["name"]!));
            after = (string)page[^1]["id"]!;
        }

        Assert.Equal(all, pages);
        var viewer = SystemRoleId(await api.GetAsync("/v1/role?role_name=Viewer"));
        Assert.Equal(["first", "Owner", "Engineer"], Names(await api.GetAsync($"/v1/role?limit=3&ending_before={viewer}")));
        Assert.Equal(["Owner"], Names(await api.GetAsync($"/v1/role?starting_after={first}&limit=1")));
        Assert.Equal(["second"], Names(await api.GetAsync($"/v1/role?ids={second}")));
    }

    [Fact]
    public async Task Role_PutReplacesTheNamedRolesFields()
    {
        var api = await app.NewTenantAsync();
        var created = (await api.SendAsync(HttpMethod.Put, "/v1/role", """{"name":"ops","member_permissions":[{"permission":"read"}]}""")).AssertOk();
        var replaced = (await api.SendAsync(HttpMethod.Put, "/v1/role", """{"name":"ops","member_permissions":[{"permission":"update"}]}""")).AssertOk();
        Assert.Equal(created.Id, replaced.Id);
        Assert.Equal("true", replaced.Header("x-bt-found-existing"));
        Assert.Equal(["update"], replaced.Json["member_permissions"]!.AsArray().Select(p => (string)p!["permission"]!));
    }

    [Fact]
    public async Task Group_HoldsMembersOfItsOrganizationOnly_AndGroupsOfItsOrganization()
    {
        var api = await app.NewTenantAsync();
        var member = await app.AddMemberAsync(api);
        var stranger = await app.NewTenantAsync();
        var strangersGroup = (await stranger.PostAsync("/v1/group", new { name = "theirs" })).AssertOk().Id;

        var inner = (await api.PostAsync("/v1/group", new { name = "inner", member_users = new[] { member.UserId() } })).AssertOk();
        Assert.Equal(api.OrgId, (string)inner.Json["org_id"]!);
        Assert.Equal([member.UserId()], inner.Json["member_users"]!.AsArray().Select(u => (string)u!));

        (await api.PostAsync("/v1/group", new { name = "x", member_users = new[] { stranger.UserId() } }))
            .AssertError(HttpStatusCode.BadRequest, "member_users: no member");
        (await api.PostAsync("/v1/group", new { name = "x", member_groups = new[] { strangersGroup } }))
            .AssertError(HttpStatusCode.BadRequest, "member_groups");

        var outer = (await api.PostAsync("/v1/group", new { name = "outer", member_groups = new[] { inner.Id } })).AssertOk();
        (await api.PatchAsync($"/v1/group/{outer.Id}", new { add_member_users = new[] { stranger.UserId() } }))
            .AssertError(HttpStatusCode.BadRequest, "add_member_users");
        (await api.PatchAsync($"/v1/group/{outer.Id}", new { add_member_groups = new[] { outer.Id } }))
            .AssertError(HttpStatusCode.BadRequest, "itself");
        var patched = (await api.PatchAsync($"/v1/group/{outer.Id}", new
        {
            add_member_users = new[] { api.UserId(), member.UserId() },
            remove_member_groups = new[] { inner.Id },
        })).AssertOk();
        Assert.Equal([api.UserId(), member.UserId()], patched.Json["member_users"]!.AsArray().Select(u => (string)u!));
        Assert.Empty(patched.Json["member_groups"]!.AsArray());

        (await stranger.GetAsync($"/v1/group/{outer.Id}")).AssertStatus(HttpStatusCode.NotFound);
        Assert.Empty((await stranger.GetAsync("/v1/group?group_name=outer")).AssertOk().Objects);
    }

    private static string SystemRoleId(ApiResponse list) => (string)list.AssertOk().Objects.Single()["id"]!;

    private static List<string> Names(ApiResponse list) => [.. list.AssertOk().Objects.Select(o => (string)o["name"]!)];
}
