using System.Net;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;
using Braid.Server.Tests.Tenancy;

namespace Braid.Server.Tests.Objects;

public sealed class AclsTests(BraidApp app) : IClassFixture<BraidApp>
{
    // Every organization starts with the ACLs of its Owners, Engineers and Viewers groups (BuiltInGroupsTests).
    private const int BuiltInAcls = 5;

    [Fact]
    public async Task Post_IdenticalAcl_ReturnsTheExistingOne()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var body = new { object_type = "project", object_id = project, user_id = api.UserId(), permission = "read" };

        var first = (await api.PostAsync("/v1/acl", body)).AssertOk();
        Assert.Equal(api.OrgId, (string)first.Json["_object_org_id"]!);
        Assert.Null(first.Json["group_id"]);
        Assert.Null(first.Header("x-bt-found-existing"));
        var second = (await api.PostAsync("/v1/acl", body)).AssertOk();
        Assert.Equal(first.Id, second.Id);
        Assert.Equal("true", second.Header("x-bt-found-existing"));

        // Another grant on the same object is another ACL, and so is the same grant on the project's logs.
        var update = (await api.PostAsync("/v1/acl", body with { permission = "update" })).AssertOk();
        var logs = (await api.PostAsync("/v1/acl", body with { object_type = "project_log" })).AssertOk();
        Assert.Equal(3, new[] { first.Id, update.Id, logs.Id }.Distinct().Count());
        Assert.True(JsonNode.DeepEquals(first.Object, (await api.GetAsync($"/v1/acl/{first.Id}")).AssertOk().Object));
    }

    [Theory]
    [InlineData("""{"permission":"read"}""", "user_id, group_id")]
    [InlineData("""{"user_id":"USER","group_id":"GROUP","permission":"read"}""", "user_id, group_id")]
    [InlineData("""{"user_id":"USER"}""", "permission, role_id")]
    [InlineData("""{"user_id":"USER","permission":"read","role_id":"ROLE"}""", "permission, role_id")]
    [InlineData("""{"user_id":"USER","role_id":"ROLE","restrict_object_type":"experiment"}""", "restrict_object_type")]
    [InlineData("""{"user_id":"USER","permission":"own"}""", "permission")]
    [InlineData("""{"user_id":"USER","permission":"read","restrict_object_type":"table"}""", "restrict_object_type")]
    [InlineData("""{"user_id":"not-a-uuid","permission":"read"}""", "user_id")]
    public async Task Post_BreakingTheAclRules_Is400NamingTheFields(string grant, string mentions)
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var group = (await api.PostAsync("/v1/group", new { name = "g" })).AssertOk().Id;
        var role = (await api.PostAsync("/v1/role", new { name = "r" })).AssertOk().Id;
        var body = JsonNode.Parse(grant.Replace("USER", api.UserId()).Replace("GROUP", group).Replace("ROLE", role))!.AsObject();
        body["object_type"] = "project";
        body["object_id"] = project;

        (await api.PostAsync("/v1/acl", body.ToJsonString())).AssertError(HttpStatusCode.BadRequest, mentions);
        Assert.Empty((await api.GetAsync($"/v1/acl?object_type=project&object_id={project}")).AssertOk().Objects);
    }

    [Fact]
    public async Task Post_ObjectAndGranteesMustBelongToTheOrganization()
    {
        var api = await app.NewTenantAsync();
        var stranger = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var theirProject = (string)(await stranger.CreateProjectAsync())["id"]!;
        var theirGroup = (await stranger.PostAsync("/v1/group", new { name = "g" })).AssertOk().Id;
        var theirRole = (await stranger.PostAsync("/v1/role", new { name = "r" })).AssertOk().Id;
        var me = api.UserId();

        (await api.PostAsync("/v1/acl", new { object_type = "project", object_id = theirProject, user_id = me, permission = "read" }))
            .AssertError(HttpStatusCode.BadRequest, "object_id");
        (await api.PostAsync("/v1/acl", new { object_type = "organization", object_id = stranger.OrgId, user_id = me, permission = "read" }))
            .AssertError(HttpStatusCode.BadRequest, "object_id");
        (await api.PostAsync("/v1/acl", new { object_type = "project", object_id = project, user_id = stranger.UserId(), permission = "read" }))
            .AssertError(HttpStatusCode.BadRequest, "user_id");
        (await api.PostAsync("/v1/acl", new { object_type = "project", object_id = project, group_id = theirGroup, permission = "read" }))
            .AssertError(HttpStatusCode.BadRequest, "group_id");
        (await api.PostAsync("/v1/acl", new { object_type = "project", object_id = project, user_id = me, role_id = theirRole }))
            .AssertError(HttpStatusCode.BadRequest, "role_id");
        (await api.PostAsync("/v1/acl", new { object_type = "experiment", object_id = Guid.NewGuid(), user_id = me, permission = "read" }))
            .AssertError(HttpStatusCode.BadRequest, "object_id");

        // The docs' impersonation setup: the built-in Owner role granted on the organization.
        var owner = (string)(await api.GetAsync("/v1/role?role_name=Owner")).AssertOk().Objects.Single()["id"]!;
        var acl = (await api.PostAsync("/v1/acl", new { object_type = "organization", object_id = api.OrgId, user_id = me, role_id = owner })).AssertOk();
        Assert.Equal(owner, (string)acl.Json["role_id"]!);
        (await stranger.GetAsync($"/v1/acl/{acl.Id}")).AssertStatus(HttpStatusCode.NotFound);
        (await stranger.DeleteAsync($"/v1/acl/{acl.Id}")).AssertStatus(HttpStatusCode.NotFound);
        Assert.DoesNotContain(acl.Id, (await stranger.GetAsync("/v1/acl/list_org")).AssertOk().Json.AsArray().Select(a => (string)a!["id"]!));
    }

    [Fact]
    public async Task List_RequiresTheObject_AndFiltersByGrant()
    {
        var api = await app.NewTenantAsync();
        var member = await app.AddMemberAsync(api);
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var other = (string)(await api.CreateProjectAsync())["id"]!;
        var group = (await api.PostAsync("/v1/group", new { name = "g" })).AssertOk().Id;
        await api.PostAsync("/v1/acl", new { object_type = "project", object_id = project, user_id = api.UserId(), permission = "read" });
        await api.PostAsync("/v1/acl", new { object_type = "project", object_id = project, user_id = member.UserId(), permission = "update" });
        await api.PostAsync("/v1/acl", new { object_type = "project", object_id = project, group_id = group, permission = "read", restrict_object_type = "dataset" });
        await api.PostAsync("/v1/acl", new { object_type = "project", object_id = other, user_id = api.UserId(), permission = "read" });

        (await api.GetAsync("/v1/acl")).AssertError(HttpStatusCode.BadRequest, "object_type, object_id");
        (await api.GetAsync($"/v1/acl?object_id={project}")).AssertError(HttpStatusCode.BadRequest, "object_type");
        (await api.GetAsync("/v1/acl?object_type=project")).AssertError(HttpStatusCode.BadRequest, "object_id");
        (await api.GetAsync($"/v1/acl?object_type=table&object_id={project}")).AssertError(HttpStatusCode.BadRequest, "object_type");

        var onProject = $"/v1/acl?object_type=project&object_id={project}";
        Assert.Equal(3, (await api.GetAsync(onProject)).AssertOk().Objects.Count);
        Assert.Equal(2, (await api.GetAsync(onProject + "&permission=read")).AssertOk().Objects.Count);
        Assert.Single((await api.GetAsync(onProject + $"&user_id={member.UserId()}")).AssertOk().Objects);
        Assert.Single((await api.GetAsync(onProject + $"&user_id={member.UserId().ToUpperInvariant()}")).AssertOk().Objects);
        (await api.GetAsync(onProject + "&user_id=not-a-uuid")).AssertError(HttpStatusCode.BadRequest, "user_id");
        Assert.Single((await api.GetAsync(onProject + $"&group_id={group}&restrict_object_type=dataset")).AssertOk().Objects);
        Assert.Empty((await api.GetAsync($"/v1/acl?object_type=project_log&object_id={project}")).AssertOk().Objects);

        var org = (await api.GetAsync("/v1/acl/list_org")).AssertOk().Json.AsArray();
        Assert.Equal(4 + BuiltInAcls, org.Count);
        Assert.Equal(3, (await api.GetAsync($"/v1/acl/list_org?user_id={api.UserId()},{member.UserId()}")).AssertOk().Json.AsArray().Count);
        Assert.Equal(2, (await api.GetAsync("/v1/acl/list_org?limit=2")).AssertOk().Json.AsArray().Count);
    }

    [Fact]
    public async Task Delete_ByContentOrById_RemovesTheAcl()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var grant = new { object_type = "project", object_id = project, user_id = api.UserId(), permission = "read" };
        var acl = (await api.PostAsync("/v1/acl", grant)).AssertOk();

        var deleted = (await api.SendAsync(HttpMethod.Delete, "/v1/acl", ApiClient.Serialize(grant))).AssertOk();
        Assert.Equal(acl.Id, deleted.Id);
        (await api.SendAsync(HttpMethod.Delete, "/v1/acl", ApiClient.Serialize(grant))).AssertStatus(HttpStatusCode.NotFound);
        (await api.GetAsync($"/v1/acl/{acl.Id}")).AssertStatus(HttpStatusCode.NotFound);
        (await api.SendAsync(HttpMethod.Delete, "/v1/acl", """{"object_type":"project"}""")).AssertError(HttpStatusCode.BadRequest, "object_id");

        var again = (await api.PostAsync("/v1/acl", grant)).AssertOk();
        Assert.NotEqual(acl.Id, again.Id);
        Assert.Equal(again.Id, (await api.DeleteAsync($"/v1/acl/{again.Id}")).AssertOk().Id);
        (await api.DeleteAsync($"/v1/acl/{again.Id}")).AssertStatus(HttpStatusCode.NotFound);
        (await api.GetAsync("/v1/acl/not-a-uuid")).AssertError(HttpStatusCode.BadRequest, "acl_id");
    }

    [Fact]
    public async Task DeletingTheObject_RemovesItsAcls()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var acl = (await api.PostAsync("/v1/acl", new { object_type = "project", object_id = project, user_id = api.UserId(), permission = "read" })).AssertOk();

        (await api.DeleteAsync($"/v1/project/{project}")).AssertOk();
        (await api.GetAsync($"/v1/acl/{acl.Id}")).AssertStatus(HttpStatusCode.NotFound);
        Assert.Empty((await api.GetAsync($"/v1/acl/list_org?user_id={api.UserId()}")).AssertOk().Json.AsArray());
    }

    [Fact]
    public async Task BatchUpdate_AddsAndRemoves_AndABadItemChangesNothing()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        object Grant(string permission) => new { object_type = "project", object_id = project, user_id = api.UserId(), permission };
        var existing = (await api.PostAsync("/v1/acl", Grant("read"))).AssertOk();

        var bad = await api.PostAsync("/v1/acl/batch_update", new
        {
            add_acls = new[] { Grant("update"), new { object_type = "project", object_id = project, user_id = api.UserId(), permission = "fly" } },
            remove_acls = new[] { Grant("read") },
        });
        bad.AssertError(HttpStatusCode.BadRequest, "add_acls[1]: permission");
        Assert.Single((await api.GetAsync($"/v1/acl/list_org?user_id={api.UserId()}")).AssertOk().Json.AsArray());
        (await api.PostAsync("/v1/acl/batch_update", new { add_acls = "all" })).AssertError(HttpStatusCode.BadRequest, "add_acls");

        var result = (await api.PostAsync("/v1/acl/batch_update", new
        {
            add_acls = new[] { Grant("update"), Grant("delete"), Grant("read") },
            remove_acls = new[] { Grant("read"), Grant("create") },
        })).AssertOk();
        Assert.Equal(["update", "delete", "read"], result.Json["added_acls"]!.AsArray().Select(a => (string)a!["permission"]!));
        Assert.Equal(existing.Id, (string)result.Json["added_acls"]![2]!["id"]!);
        Assert.Equal([existing.Id], result.Json["removed_acls"]!.AsArray().Select(a => (string)a!["id"]!));
        Assert.Equal(["delete", "update"], (await api.GetAsync($"/v1/acl/list_org?user_id={api.UserId()}")).AssertOk().Json.AsArray().Select(a => (string)a!["permission"]!));

        var empty = (await api.PostAsync("/v1/acl/batch_update", new { })).AssertOk();
        Assert.Empty(empty.Json["added_acls"]!.AsArray());
        Assert.Empty(empty.Json["removed_acls"]!.AsArray());
    }
}
