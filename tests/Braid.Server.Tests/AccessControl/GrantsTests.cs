using System.Net;
using Braid.Server.Tests.Infrastructure;
using Braid.Server.Tests.Tenancy;

namespace Braid.Server.Tests.AccessControl;

/// <summary>How grants reach a caller: down the object tree, through roles in roles and groups in groups, narrowed by restrict_object_type.</summary>
public sealed class GrantsTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task ReadOnAProject_IsInheritedByItsExperimentsAndLogs_NotByOtherProjects()
    {
        var owner = await app.NewTenantAsync();
        var member = await app.AddMemberAsync(owner);
        var (project, experiment) = await ProjectWithExperimentAsync(owner);
        var (_, elsewhere) = await ProjectWithExperimentAsync(owner);
        await owner.InsertAsync($"experiment/{experiment}", new { input = 1 });
        await owner.GrantAsync(new { object_type = "project", object_id = project, user_id = member.UserId(), permission = "read" });

        Assert.Single(await member.FetchAllAsync($"experiment/{experiment}"));
        (await member.GetAsync($"/v1/project_logs/{project}/fetch")).AssertOk();
        Assert.Equal([experiment], (await member.GetAsync("/v1/experiment")).AssertOk().Objects.Select(e => (string)e["id"]!));
        (await member.GetAsync($"/v1/experiment/{elsewhere}/fetch")).AssertError(HttpStatusCode.Forbidden, "read");

        // Read is not write.
        (await member.PostAsync($"/v1/experiment/{experiment}/insert", new { events = new[] { new { input = 2 } } }))
            .AssertError(HttpStatusCode.Forbidden, "update");
    }

    [Fact]
    public async Task RoleInRole_GrantsTheInheritedRolesPermissions()
    {
        var owner = await app.NewTenantAsync();
        var member = await app.AddMemberAsync(owner);
        var (project, experiment) = await ProjectWithExperimentAsync(owner);
        var writer = (await owner.PostAsync("/v1/role", new { name = "writer", member_permissions = new[] { new { permission = "update" } } })).AssertOk().Id;
        var reader = (await owner.PostAsync("/v1/role", new { name = "reader", member_permissions = new[] { new { permission = "read" } } })).AssertOk().Id;
        var both = (await owner.PostAsync("/v1/role", new { name = "both", member_roles = new[] { writer, reader } })).AssertOk().Id;
        var top = (await owner.PostAsync("/v1/role", new { name = "top", member_roles = new[] { both } })).AssertOk().Id;

        await owner.GrantAsync(new { object_type = "project", object_id = project, user_id = member.UserId(), role_id = top });
        await member.InsertAsync($"experiment/{experiment}", new { input = 1 });
        Assert.Single(await member.FetchAllAsync($"experiment/{experiment}"));
        (await member.DeleteAsync($"/v1/experiment/{experiment}")).AssertError(HttpStatusCode.Forbidden, "delete");

        // Taking the role out of the chain takes its permission away at once.
        (await owner.PatchAsync($"/v1/role/{both}", new { remove_member_roles = new[] { writer } })).AssertOk();
        (await member.PostAsync($"/v1/experiment/{experiment}/insert", new { events = new[] { new { input = 2 } } }))
            .AssertError(HttpStatusCode.Forbidden, "update");
    }

    [Fact]
    public async Task GroupInGroup_GivesTheInnerGroupsUsersTheOuterGroupsGrants()
    {
        var owner = await app.NewTenantAsync();
        var member = await app.AddMemberAsync(owner);
        var (project, experiment) = await ProjectWithExperimentAsync(owner);
        var inner = (await owner.PostAsync("/v1/group", new { name = "inner", member_users = new[] { member.UserId() } })).AssertOk().Id;
        var middle = (await owner.PostAsync("/v1/group", new { name = "middle", member_groups = new[] { inner } })).AssertOk().Id;
        var outer = (await owner.PostAsync("/v1/group", new { name = "outer", member_groups = new[] { middle } })).AssertOk().Id;
        await owner.GrantAsync(new { object_type = "experiment", object_id = experiment, group_id = outer, permission = "read" });

        Assert.Empty(await member.FetchAllAsync($"experiment/{experiment}"));
        (await member.GetAsync($"/v1/project/{project}")).AssertError(HttpStatusCode.Forbidden, "read");

        (await owner.PatchAsync($"/v1/group/{middle}", new { remove_member_groups = new[] { inner } })).AssertOk();
        (await member.GetAsync($"/v1/experiment/{experiment}/fetch")).AssertError(HttpStatusCode.Forbidden, "read");
    }

    [Fact]
    public async Task RestrictObjectType_LimitsAGrantToThatTypeBelowTheObject()
    {
        var owner = await app.NewTenantAsync();
        var member = await app.AddMemberAsync(owner);
        var (project, experiment) = await ProjectWithExperimentAsync(owner);
        var dataset = (await owner.PostAsync("/v1/dataset", new { project_id = project, name = "d" })).AssertOk().Id;
        await owner.GrantAsync(new { object_type = "project", object_id = project, user_id = member.UserId(), permission = "read", restrict_object_type = "experiment" });
        await owner.GrantAsync(new { object_type = "project", object_id = project, user_id = member.UserId(), permission = "create", restrict_object_type = "experiment" });

        (await member.GetAsync($"/v1/experiment/{experiment}")).AssertOk();
        (await member.GetAsync($"/v1/dataset/{dataset}")).AssertError(HttpStatusCode.Forbidden, "read");
        (await member.GetAsync($"/v1/project/{project}")).AssertError(HttpStatusCode.Forbidden, "read");
        (await member.PostAsync("/v1/experiment", new { project_id = project, name = "mine" })).AssertOk();
        (await member.PostAsync("/v1/dataset", new { project_id = project, name = "mine" })).AssertError(HttpStatusCode.Forbidden, "create");
    }

    [Fact]
    public async Task RevokedAcl_AndRevokedKey_StopWorkingAtOnce()
    {
        var owner = await app.NewTenantAsync();
        var member = await app.AddMemberAsync(owner);
        var (project, _) = await ProjectWithExperimentAsync(owner);
        var acl = await owner.GrantAsync(new { object_type = "project", object_id = project, user_id = member.UserId(), permission = "read" });
        (await member.GetAsync($"/v1/project/{project}")).AssertOk();

        (await owner.DeleteAsync($"/v1/acl/{acl}")).AssertOk();
        (await member.GetAsync($"/v1/project/{project}")).AssertError(HttpStatusCode.Forbidden, "read");

        (await owner.DeleteAsync($"/v1/api_key/{member.Key!.Id}")).AssertOk();
        (await member.GetAsync("/v1/project")).AssertStatus(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AGrantChangedOnOneNode_IsSeenByAnotherNodeOnTheSameStore()
    {
        var owner = await app.NewTenantAsync();
        var member = await app.AddMemberAsync(owner);
        var (project, _) = await ProjectWithExperimentAsync(owner);
        await using var second = app.Reopen();
        var memberThere = new ApiClient(second.CreateClient(), member.Key);
        (await memberThere.GetAsync($"/v1/project/{project}")).AssertError(HttpStatusCode.Forbidden, "read");

        var acl = await owner.GrantAsync(new { object_type = "project", object_id = project, user_id = member.UserId(), permission = "read" });
        (await memberThere.GetAsync($"/v1/project/{project}")).AssertOk();
        (await owner.DeleteAsync($"/v1/acl/{acl}")).AssertOk();
        (await memberThere.GetAsync($"/v1/project/{project}")).AssertError(HttpStatusCode.Forbidden, "read");
    }

    [Fact]
    public async Task ServiceToken_ActsAsItsServiceAccount_ThroughItsGroup()
    {
        var owner = await app.NewTenantAsync();
        var (project, experiment) = await ProjectWithExperimentAsync(owner);
        var viewerBot = await app.ServiceTokenAsync(owner, "Viewers");
        var engineerBot = await app.ServiceTokenAsync(owner, "Engineers");

        (await viewerBot.GetAsync($"/v1/experiment/{experiment}/fetch")).AssertOk();
        (await viewerBot.PostAsync($"/v1/experiment/{experiment}/insert", new { events = new[] { new { input = 1 } } }))
            .AssertError(HttpStatusCode.Forbidden, "update");
        await engineerBot.InsertAsync($"experiment/{experiment}", new { input = 1 });
        (await engineerBot.PostAsync("/v1/experiment", new { project_id = project, name = "ci" })).AssertOk();
    }

    private static async Task<(string Project, string Experiment)> ProjectWithExperimentAsync(ApiClient owner)
    {
        var project = (string)(await owner.CreateProjectAsync())["id"]!;
        return (project, (string)(await owner.CreateExperimentAsync(project))["id"]!);
    }
}
