using System.Net;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Auth;

public sealed class AuthenticationTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Theory]
    [InlineData("GET", "/v1/project")]
    [InlineData("POST", "/v1/project")]
    [InlineData("GET", "/v1/experiment/00000000-0000-0000-0000-000000000001")]
    [InlineData("PATCH", "/v1/dataset/00000000-0000-0000-0000-000000000001")]
    [InlineData("DELETE", "/v1/project/00000000-0000-0000-0000-000000000001")]
    public async Task NoKey_Is401(string method, string path)
    {
        (await app.Anonymous().SendAsync(new HttpMethod(method), path, "{\"name\":\"x\"}"))
            .AssertError(HttpStatusCode.Unauthorized, "API key");
    }

    [Theory]
    [InlineData("sk-wrong")]
    [InlineData("not even a key")]
    public async Task WrongKey_Is401(string key)
    {
        (await app.Anonymous(key).GetAsync("/v1/project")).AssertError(HttpStatusCode.Unauthorized, "invalid API key");
    }

    [Fact]
    public async Task NonBearerScheme_Is401()
    {
        var api = await app.NewTenantAsync();
        var headers = new Dictionary<string, string> { ["Authorization"] = "Basic " + api.Key!.Key };
        (await app.Anonymous().SendAsync(HttpMethod.Get, "/v1/project", headers: headers)).AssertStatus(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task HelloEndpoint_NeedsNoKey()
    {
        var response = (await app.Anonymous().GetAsync("/v1")).AssertOk();
        Assert.Equal("Hello, World!", response.Body);
    }

    [Fact]
    public async Task TwoOrganizations_NeverSeeEachOthersObjects()
    {
        var alice = await app.NewTenantAsync();
        var bob = await app.NewTenantAsync();
        var project = await alice.CreateProjectAsync("shared-name");
        var projectId = (string)project["id"]!;
        var experiment = (string)(await alice.CreateExperimentAsync(projectId, new { name = "e" }))["id"]!;
        var dataset = (await alice.PostAsync("/v1/dataset", new { project_id = projectId, name = "d" })).AssertOk().Id;

        Assert.Empty((await bob.GetAsync("/v1/project")).AssertOk().Objects);
        Assert.Empty((await bob.GetAsync("/v1/experiment")).AssertOk().Objects);
        Assert.Empty((await bob.GetAsync("/v1/dataset")).AssertOk().Objects);
        Assert.Empty((await bob.GetAsync($"/v1/project?ids={projectId}")).AssertOk().Objects);
        Assert.Empty((await bob.GetAsync($"/v1/experiment?project_id={projectId}")).AssertOk().Objects);
        Assert.Empty((await bob.GetAsync("/v1/experiment?project_name=shared-name")).AssertOk().Objects);

        foreach (var path in new[] { $"/v1/project/{projectId}", $"/v1/experiment/{experiment}", $"/v1/dataset/{dataset}" })
        {
            (await bob.GetAsync(path)).AssertStatus(HttpStatusCode.NotFound);
            (await bob.PatchAsync(path, new { description = "hijack" })).AssertStatus(HttpStatusCode.NotFound);
            (await bob.DeleteAsync(path)).AssertStatus(HttpStatusCode.NotFound);
        }

        (await bob.PostAsync("/v1/experiment", new { project_id = projectId, name = "intruder" })).AssertError(HttpStatusCode.BadRequest, "project_id");
        (await bob.GetAsync($"/v1/project?starting_after={projectId}")).AssertError(HttpStatusCode.BadRequest, "starting_after");

        // Same name in another organization is a different project, not a found-existing one.
        var bobs = (await bob.PostAsync("/v1/project", new { name = "shared-name" })).AssertOk();
        Assert.NotEqual(projectId, bobs.Id);
        Assert.Null(bobs.Header("x-bt-found-existing"));

        Assert.Null((string?)(await alice.GetAsync($"/v1/project/{projectId}")).AssertOk().Json["description"]);
        Assert.Single((await alice.GetAsync("/v1/experiment")).AssertOk().Objects);
    }

    [Fact]
    public async Task OrgName_OfAnOrganizationTheUserIsNotIn_Is403()
    {
        var alice = await app.NewTenantAsync();
        var bob = await app.NewTenantAsync();
        (await bob.GetAsync($"/v1/project?org_name={alice.OrgName}")).AssertError(HttpStatusCode.Forbidden, "org_name");
        (await bob.PostAsync("/v1/project", new { name = "x", org_name = alice.OrgName })).AssertError(HttpStatusCode.Forbidden, "org_name");
        (await bob.GetAsync("/v1/project?org_name=no-such-org")).AssertError(HttpStatusCode.Forbidden, "org_name");
        Assert.Empty((await alice.GetAsync("/v1/project")).AssertOk().Objects);
    }
}
