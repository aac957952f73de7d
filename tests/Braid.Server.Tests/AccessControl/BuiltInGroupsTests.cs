using System.Net;
using Braid.Server.Tests.Infrastructure;
using Braid.Server.Tests.Tenancy;
using Braid.Storage;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.AccessControl;

public sealed class BuiltInGroupsTests(BraidApp app) : IClassFixture<BraidApp>
{
    private const string OwnerRole = "6c7a3f0e-4b1d-4e7a-9c52-000000000001";
    private const string EngineerRole = "6c7a3f0e-4b1d-4e7a-9c52-000000000002";
    private const string ViewerRole = "6c7a3f0e-4b1d-4e7a-9c52-000000000003";

    [Fact]
    public async Task NewOrganization_HasOwnersEngineersAndViewers_WithItsCreatorTheOneOwner()
    {
        var owner = await app.NewTenantAsync();
        var groups = (await owner.GetAsync("/v1/group")).AssertOk().Objects.ToDictionary(g => (string)g["name"]!);
        Assert.Equal(["Engineers", "Owners", "Viewers"], groups.Keys.Order());
        Assert.Equal([owner.UserId()], groups["Owners"]["member_users"]!.AsArray().Select(u => (string)u!));
        Assert.Empty(groups["Engineers"]["member_users"]!.AsArray());

        var acls = (await owner.GetAsync("/v1/acl/list_org")).AssertOk().Json.AsArray()
            .Select(a => ((string)a!["group_id"]!, (string)a["object_type"]!, (string?)a["role_id"] ?? (string)a["permission"]!))
            .ToHashSet();
        Assert.Equal(
            new HashSet<(string, string, string)>
            {
                ((string)groups["Owners"]["id"]!, "organization", OwnerRole),
                ((string)groups["Engineers"]["id"]!, "org_project", EngineerRole),
                ((string)groups["Engineers"]["id"]!, "organization", "read"),
                ((string)groups["Viewers"]["id"]!, "org_project", ViewerRole),
                ((string)groups["Viewers"]["id"]!, "organization", "read"),
            },
            acls);
    }

    [Fact]
    public async Task OrganizationFromBeforeAccessControl_GetsTheGroupsAtStartup_WithEveryMemberAnOwner()
    {
        var owner = await app.NewTenantAsync();
        var member = await app.AddMemberAsync(owner);

        // The organization as a store from before migration 0012 holds it: no built-in groups, no grants.
        await using (var connection = await app.Services.GetRequiredService<Database>().OpenAsync())
        {
            await connection.ExecuteAsync("DELETE FROM objects WHERE org_id = @orgId AND kind IN ('group', 'acl')", new { orgId = owner.OrgId });
            await connection.ExecuteAsync("UPDATE organizations SET builtin_groups = NULL WHERE id = @orgId", new { orgId = owner.OrgId });
        }

        (await member.PostAsync("/v1/project", new { name = "before" })).AssertError(HttpStatusCode.Forbidden, "create");

        await using var restarted = app.Reopen();
        var memberAfter = new ApiClient(restarted.CreateClient(), member.Key);
        var owners = (await memberAfter.GetAsync("/v1/group?group_name=Owners")).AssertOk().Objects.Single();
        Assert.Equal(new[] { owner.UserId(), member.UserId() }.Order(), owners["member_users"]!.AsArray().Select(u => (string)u!).Order());
        (await memberAfter.PostAsync("/v1/project", new { name = "after" })).AssertOk();
    }

    [Fact]
    public async Task MemberAddedLater_JoinsNoGroup_AndGetsNothingUntilGranted()
    {
        var owner = await app.NewTenantAsync();
        var project = (string)(await owner.CreateProjectAsync())["id"]!;
        var member = await app.AddMemberAsync(owner);

        Assert.Empty((await member.GetAsync("/v1/project")).AssertOk().Objects);
        (await member.GetAsync($"/v1/project/{project}")).AssertError(HttpStatusCode.Forbidden, "read");
        (await member.PostAsync("/v1/project", new { name = "mine" })).AssertError(HttpStatusCode.Forbidden, "create");

        await owner.GrantAsync(new { object_type = "project", object_id = project, user_id = member.UserId(), permission = "read" });
        Assert.Equal([project], (await member.GetAsync("/v1/project")).AssertOk().Objects.Select(p => (string)p["id"]!));
        (await member.GetAsync($"/v1/project/{project}")).AssertOk();
    }

    [Fact]
    public async Task Engineers_CreateAndWriteInProjects_ButCannotManageAccess()
    {
        var owner = await app.NewTenantAsync();
        var engineer = await app.MemberAsync(owner, "Engineers");
        var project = (string)(await engineer.CreateProjectAsync())["id"]!;
        var experiment = (string)(await engineer.CreateExperimentAsync(project))["id"]!;
        await engineer.InsertAsync($"experiment/{experiment}", new { input = 1 });
        Assert.Single(await engineer.FetchAllAsync($"experiment/{experiment}"));
        (await engineer.PatchAsync($"/v1/project/{project}", new { description = "d" })).AssertOk();

        (await engineer.PostAsync("/v1/acl", new { object_type = "project", object_id = project, user_id = engineer.UserId(), permission = "delete_acls" }))
            .AssertError(HttpStatusCode.Forbidden, "create_acls");
        (await engineer.PatchAsync($"/v1/group/{await owner.GroupIdAsync("Owners")}", new { add_member_users = new[] { engineer.UserId() } }))
            .AssertError(HttpStatusCode.Forbidden, "update");
        (await engineer.PostAsync("/v1/role", new { name = "mine" })).AssertError(HttpStatusCode.Forbidden, "create");

        // Reading the organization is not reading its ACLs.
        Assert.Empty((await engineer.GetAsync("/v1/acl/list_org")).AssertOk().Json.AsArray());
        (await engineer.GetAsync($"/v1/acl?object_type=project&object_id={project}")).AssertError(HttpStatusCode.Forbidden, "read_acls");
    }

    [Fact]
    public async Task Viewers_ReadEverything_ButWriteNothing()
    {
        var owner = await app.NewTenantAsync();
        var viewer = await app.MemberAsync(owner, "Viewers");
        var project = (string)(await owner.CreateProjectAsync())["id"]!;
        var experiment = (string)(await owner.CreateExperimentAsync(project))["id"]!;
        await owner.InsertAsync($"experiment/{experiment}", new { input = 1 });

        Assert.Contains(project, (await viewer.GetAsync("/v1/project")).AssertOk().Objects.Select(p => (string)p["id"]!));
        Assert.Single(await viewer.FetchAllAsync($"experiment/{experiment}"));
        (await viewer.PostAsync($"/v1/experiment/{experiment}/insert", new { events = new[] { new { input = 2 } } }))
            .AssertError(HttpStatusCode.Forbidden, "update");
        (await viewer.PostAsync("/v1/experiment", new { project_id = project, name = "x" })).AssertError(HttpStatusCode.Forbidden, "create");
        (await viewer.DeleteAsync($"/v1/experiment/{experiment}")).AssertError(HttpStatusCode.Forbidden, "delete");
    }

    [Fact]
    public async Task AnotherOrganizationsObjects_Are404_NotForbidden()
    {
        var owner = await app.NewTenantAsync();
        var stranger = await app.NewTenantAsync();
        var project = (string)(await owner.CreateProjectAsync())["id"]!;
        var experiment = (string)(await owner.CreateExperimentAsync(project))["id"]!;

        (await stranger.GetAsync($"/v1/project/{project}")).AssertStatus(HttpStatusCode.NotFound);
        (await stranger.GetAsync($"/v1/experiment/{experiment}/fetch")).AssertStatus(HttpStatusCode.NotFound);
        (await stranger.DeleteAsync($"/v1/project/{project}")).AssertStatus(HttpStatusCode.NotFound);
    }
}
