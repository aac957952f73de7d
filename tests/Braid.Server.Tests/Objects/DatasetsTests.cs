using System.Net;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Objects;

public sealed class DatasetsTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task Post_CreatesWithUrlSlug_AndRegistersByName()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var created = (await api.PostAsync("/v1/dataset", new { project_id = project, name = "Golden Set #1", metadata = new { owner = "qa" }, tags = new[] { "gold" } })).AssertOk();

        Assert.Equal("golden-set-1", (string)created.Json["url_slug"]!);
        Assert.Equal("qa", (string)created.Json["metadata"]!["owner"]!);
        var again = (await api.PostAsync("/v1/dataset", new { project_id = project, name = "Golden Set #1" })).AssertOk();
        Assert.Equal(created.Id, again.Id);
        Assert.Equal("true", again.Header("x-bt-found-existing"));
    }

    [Fact]
    public async Task ListGetPatchDelete_FollowTheSpec()
    {
        var api = await app.NewTenantAsync();
        var project = await api.CreateProjectAsync("proj");
        var projectId = (string)project["id"]!;
        var d1 = (await api.PostAsync("/v1/dataset", new { project_id = projectId, name = "d1" })).AssertOk().Id;
        var d2 = (await api.PostAsync("/v1/dataset", new { project_id = projectId, name = "d2" })).AssertOk().Id;

        Assert.Equal([d2, d1], (await api.GetAsync($"/v1/dataset?project_id={projectId}")).AssertOk().Objects.Select(o => (string)o["id"]!));
        Assert.Equal(d1, (string)(await api.GetAsync("/v1/dataset?dataset_name=d1&project_name=proj")).AssertOk().Objects.Single()["id"]!);
        Assert.Equal(d2, (await api.GetAsync($"/v1/dataset/{d2}")).AssertOk().Id);

        var patched = (await api.PatchAsync($"/v1/dataset/{d1}", new { name = "renamed", description = "desc", metadata = new { k = "v" } })).AssertOk();
        Assert.Equal("renamed", (string)patched.Json["name"]!);
        Assert.Equal("d1", (string)patched.Json["url_slug"]!);
        (await api.PatchAsync($"/v1/dataset/{d1}", new { name = "d2" })).AssertError(HttpStatusCode.BadRequest, "d2");

        (await api.DeleteAsync($"/v1/dataset/{d2}")).AssertOk();
        Assert.Equal([d1], (await api.GetAsync("/v1/dataset")).AssertOk().Objects.Select(o => (string)o["id"]!));
    }

    [Theory]
    [InlineData("{\"name\":\"x\"}", "project_id")]
    [InlineData("{\"project_id\":\"{project}\"}", "name")]
    [InlineData("{\"project_id\":\"{project}\",\"name\":\"x\",\"tags\":{}}", "tags")]
    [InlineData("{\"project_id\":\"{project}\",\"name\":\"x\",\"metadata\":\"m\"}", "metadata")]
    public async Task Post_BadBody_Is400NamingTheField(string body, string mentions)
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        (await api.SendAsync(HttpMethod.Post, "/v1/dataset", body.Replace("{project}", project, StringComparison.Ordinal)))
            .AssertError(HttpStatusCode.BadRequest, mentions);
    }
}
