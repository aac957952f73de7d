using System.Net;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Objects;

public sealed class ExperimentsTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task Post_FillsServerFields_AndRegistersByNameWithinTheProject()
    {
        var api = await app.NewTenantAsync();
        var p1 = (string)(await api.CreateProjectAsync())["id"]!;
        var p2 = (string)(await api.CreateProjectAsync())["id"]!;

        var created = (await api.PostAsync("/v1/experiment", new { project_id = p1, name = "run", repo_info = new { commit = "abc123", branch = "main" }, tags = new[] { "t" } })).AssertOk();
        Assert.Equal(p1, (string)created.Json["project_id"]!);
        Assert.False((bool)created.Json["public"]!);
        Assert.Equal("abc123", (string)created.Json["commit"]!);
        Assert.Equal(api.Key!.User.Id, (string)created.Json["user_id"]!);

        var again = (await api.PostAsync("/v1/experiment", new { project_id = p1, name = "run", description = "changed?" })).AssertOk();
        Assert.Equal(created.Id, again.Id);
        Assert.Equal("true", again.Header("x-bt-found-existing"));
        Assert.Null((string?)again.Json["description"]);

        var elsewhere = (await api.PostAsync("/v1/experiment", new { project_id = p2, name = "run" })).AssertOk();
        Assert.NotEqual(created.Id, elsewhere.Id);
    }

    [Fact]
    public async Task Post_EnsureNew_GivesAFreshUniqueName_AndNoNameGetsAGeneratedOne()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var first = (await api.PostAsync("/v1/experiment", new { project_id = project, name = "e" })).AssertOk();
        var fresh = (await api.PostAsync("/v1/experiment", new { project_id = project, name = "e", ensure_new = true })).AssertOk();
        var fresher = (await api.PostAsync("/v1/experiment", new { project_id = project, name = "e", ensure_new = true })).AssertOk();

        Assert.Equal(3, new[] { first.Id, fresh.Id, fresher.Id }.Distinct().Count());
        Assert.Equal(3, new[] { first, fresh, fresher }.Select(r => (string)r.Json["name"]!).Distinct().Count());
        Assert.Null(fresh.Header("x-bt-found-existing"));

        var unnamed = (await api.PostAsync("/v1/experiment", new { project_id = project })).AssertOk();
        Assert.False(string.IsNullOrEmpty((string?)unnamed.Json["name"]));
    }

    [Fact]
    public async Task List_FiltersByProjectIdProjectNameAndExperimentName()
    {
        var api = await app.NewTenantAsync();
        var p1 = await api.CreateProjectAsync("one");
        var p2 = await api.CreateProjectAsync("two");
        await api.CreateExperimentAsync((string)p1["id"]!, new { name = "a" });
        await api.CreateExperimentAsync((string)p1["id"]!, new { name = "b" });
        await api.CreateExperimentAsync((string)p2["id"]!, new { name = "a" });

        Assert.Equal(2, (await api.GetAsync($"/v1/experiment?project_id={p1["id"]}")).AssertOk().Objects.Count);
        Assert.Single((await api.GetAsync("/v1/experiment?project_name=two")).AssertOk().Objects);
        Assert.Equal(2, (await api.GetAsync("/v1/experiment?experiment_name=a")).AssertOk().Objects.Count);
        Assert.Single((await api.GetAsync("/v1/experiment?experiment_name=a&project_name=one")).AssertOk().Objects);
        Assert.Empty((await api.GetAsync("/v1/experiment?project_name=nope")).AssertOk().Objects);
        Assert.Equal(3, (await api.GetAsync("/v1/experiment")).AssertOk().Objects.Count);
    }

    [Fact]
    public async Task List_MetadataFilter_MatchesEveryGivenFieldIncludingNestedPaths()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        await api.CreateExperimentAsync(project, new { name = "gpt-test", metadata = new { model = new { name = "gpt-4o", temperature = 0 }, split = "test" } });
        await api.CreateExperimentAsync(project, new { name = "gpt-train", metadata = new { model = new { name = "gpt-4o" }, split = "train" } });
        await api.CreateExperimentAsync(project, new { name = "claude-test", metadata = new { model = new { name = "claude" }, split = "test", tags = new[] { "a", "b" } } });
        await api.CreateExperimentAsync(project, new { name = "no-metadata" });

        async Task<string[]> Names(string filter) =>
            (await api.GetAsync($"/v1/experiment?project_id={project}&metadata={Uri.EscapeDataString(filter)}")).AssertOk()
                .Objects.Select(o => (string)o["name"]!).Order().ToArray();

        Assert.Equal(["gpt-test"], await Names("""{"model":{"name":"gpt-4o"},"split":"test"}"""));
        Assert.Equal(["gpt-test", "gpt-train"], await Names("""{"model":{"name":"gpt-4o"}}"""));
        Assert.Equal(["claude-test", "gpt-test"], await Names("""{"split":"test"}"""));
        Assert.Equal(["claude-test"], await Names("""{"tags":["a","b"]}"""));
        Assert.Empty(await Names("""{"tags":["a"]}"""));
        Assert.Empty(await Names("""{"model":{"name":"gpt-4o","temperature":1}}"""));
        Assert.Equal(["gpt-test"], await Names("""{"model":{"temperature":0}}"""));
        Assert.Empty(await Names("""{"missing":null}"""));
        Assert.Equal(4, (await Names("{}")).Length);

        var limited = (await api.GetAsync($"/v1/experiment?project_id={project}&limit=1&metadata={Uri.EscapeDataString("""{"split":"test"}""")}")).AssertOk().Objects;
        Assert.Equal("claude-test", (string)limited.Single()["name"]!);
    }

    [Theory]
    [InlineData("{bad", "metadata")]
    [InlineData("[1]", "metadata")]
    [InlineData("\"x\"", "metadata")]
    public async Task List_MalformedMetadataFilter_Is400(string filter, string mentions)
    {
        var api = await app.NewTenantAsync();
        (await api.GetAsync($"/v1/experiment?metadata={Uri.EscapeDataString(filter)}")).AssertError(HttpStatusCode.BadRequest, mentions);
    }

    [Fact]
    public async Task Patch_DeepMergesMetadataAndRepoInfo_AndRecomputesCommit()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var id = (string)(await api.CreateExperimentAsync(project, new { name = "e", metadata = new { a = 1, nested = new { x = 1 } }, repo_info = new { commit = "c1", branch = "main" } }))["id"]!;

        var patched = (await api.PatchAsync($"/v1/experiment/{id}", new { metadata = new { b = 2, nested = new { y = 2 } }, repo_info = new { commit = "c2" }, @public = true, tags = new[] { "x" } })).AssertOk();
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"a":1,"nested":{"x":1,"y":2},"b":2}"""), patched.Json["metadata"]), patched.Body);
        Assert.Equal("main", (string)patched.Json["repo_info"]!["branch"]!);
        Assert.Equal("c2", (string)patched.Json["commit"]!);
        Assert.True((bool)patched.Json["public"]!);
        Assert.Equal(project, (string)patched.Json["project_id"]!);
    }

    [Theory]
    [InlineData("{}", "project_id")]
    [InlineData("{\"project_id\":\"nope\"}", "project_id")]
    [InlineData("{\"project_id\":\"00000000-0000-0000-0000-000000000001\"}", "project_id")]
    public async Task Post_WithoutAValidProject_Is400(string body, string mentions)
    {
        var api = await app.NewTenantAsync();
        (await api.SendAsync(HttpMethod.Post, "/v1/experiment", body)).AssertError(HttpStatusCode.BadRequest, mentions);
    }

    [Theory]
    [InlineData("\"public\":\"yes\"", "public")]
    [InlineData("\"tags\":[1]", "tags")]
    [InlineData("\"tags\":\"a\"", "tags")]
    [InlineData("\"metadata\":[]", "metadata")]
    [InlineData("\"base_exp_id\":\"x\"", "base_exp_id")]
    [InlineData("\"repo_info\":1", "repo_info")]
    [InlineData("\"ensure_new\":\"true\"", "ensure_new")]
    [InlineData("\"name\":\"\"", "name")]
    public async Task Post_WrongFieldType_Is400NamingTheField(string field, string mentions)
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        (await api.SendAsync(HttpMethod.Post, "/v1/experiment", $"{{\"project_id\":\"{project}\",{field}}}"))
            .AssertError(HttpStatusCode.BadRequest, mentions);
    }

    [Fact]
    public async Task DeletingTheProject_RemovesItsExperimentsAndDatasets()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var experiment = (string)(await api.CreateExperimentAsync(project, new { name = "e" }))["id"]!;
        (await api.PostAsync("/v1/dataset", new { project_id = project, name = "d" })).AssertOk();

        (await api.DeleteAsync($"/v1/project/{project}")).AssertOk();
        Assert.Empty((await api.GetAsync("/v1/experiment")).AssertOk().Objects);
        Assert.Empty((await api.GetAsync("/v1/dataset")).AssertOk().Objects);
        (await api.GetAsync($"/v1/experiment/{experiment}")).AssertStatus(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_ReturnsTheExperimentWithDeletedAt()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var created = await api.CreateExperimentAsync(project, new { name = "e" });
        var deleted = (await api.DeleteAsync($"/v1/experiment/{created["id"]}")).AssertOk().Object;

        Assert.NotNull((string?)deleted["deleted_at"]);
        deleted["deleted_at"] = null;
        Assert.True(JsonNode.DeepEquals(created, deleted));
        Assert.Empty((await api.GetAsync($"/v1/experiment?project_id={project}")).AssertOk().Objects);
    }
}
