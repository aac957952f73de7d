using System.Net;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Objects;

public sealed class ProjectScoresTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task Post_RegistersByNameWithinTheProject_ReturningTheExistingScoreUnchanged()
    {
        var api = await app.NewTenantAsync();
        var p1 = (string)(await api.CreateProjectAsync())["id"]!;
        var p2 = (string)(await api.CreateProjectAsync())["id"]!;

        var created = (await api.PostAsync("/v1/project_score", new { project_id = p1, name = "accuracy", score_type = "slider", description = "first" })).AssertOk();
        Assert.Equal(api.Key!.User.Id, (string)created.Json["user_id"]!);
        Assert.Null(created.Header("x-bt-found-existing"));

        var again = (await api.PostAsync("/v1/project_score", new { project_id = p1, name = "accuracy", score_type = "categorical", description = "second" })).AssertOk();
        Assert.Equal(created.Id, again.Id);
        Assert.Equal("true", again.Header("x-bt-found-existing"));
        Assert.Equal("slider", (string)again.Json["score_type"]!);
        Assert.Equal("first", (string)again.Json["description"]!);

        var elsewhere = (await api.PostAsync("/v1/project_score", new { project_id = p2, name = "accuracy", score_type = "slider" })).AssertOk();
        Assert.NotEqual(created.Id, elsewhere.Id);
    }

    [Fact]
    public async Task Put_CreatesThenReplacesTheGivenFields_KeepingIdAndTheOthers()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;

        var created = (await api.PutAsync("/v1/project_score", new { project_id = project, name = "grade", score_type = "slider", description = "kept", config = new { multi_select = true } })).AssertOk();
        Assert.Null(created.Header("x-bt-found-existing"));

        var categories = new[] { new { name = "good", value = 1 }, new { name = "bad", value = 0 } };
        var replaced = (await api.PutAsync("/v1/project_score", new { project_id = project, name = "grade", score_type = "categorical", categories, config = new { destination = "expected" } })).AssertOk();
        Assert.Equal(created.Id, replaced.Id);
        Assert.Equal("true", replaced.Header("x-bt-found-existing"));
        Assert.Equal("categorical", (string)replaced.Json["score_type"]!);
        Assert.Equal("good", (string)replaced.Json["categories"]![0]!["name"]!);
        Assert.Equal("kept", (string)replaced.Json["description"]!);

        // PUT replaces an object field whole; only PATCH deep-merges.
        Assert.Null(replaced.Json["config"]!["multi_select"]);
        Assert.Equal("expected", (string)replaced.Json["config"]!["destination"]!);
    }

    [Fact]
    public async Task Patch_MergesConfig_AndChecksCategoriesAgainstTheResultingType()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var id = (await api.PostAsync("/v1/project_score", new { project_id = project, name = "s", score_type = "weighted", categories = new { a = 1, b = 2 }, config = new { multi_select = true } })).AssertOk().Id;

        var patched = (await api.PatchAsync($"/v1/project_score/{id}", new { description = "d", config = new { destination = "expected" } })).AssertOk();
        Assert.True((bool)patched.Json["config"]!["multi_select"]!);
        Assert.Equal("expected", (string)patched.Json["config"]!["destination"]!);
        Assert.Equal(2, (int)patched.Json["categories"]!["b"]!);

        // Weighted categories do not fit a minimum score, so changing only the type is refused.
        (await api.PatchAsync($"/v1/project_score/{id}", new { score_type = "minimum" })).AssertError(HttpStatusCode.BadRequest, "categories");
        var retyped = (await api.PatchAsync($"/v1/project_score/{id}", new { score_type = "minimum", categories = new[] { "a", "b" } })).AssertOk();
        Assert.Equal("minimum", (string)retyped.Json["score_type"]!);
        Assert.Equal("d", (string)retyped.Json["description"]!);
    }

    [Fact]
    public async Task List_FiltersByScoreTypeCommaJoinedOrRepeated_ByNameAndByProject()
    {
        var api = await app.NewTenantAsync();
        var p1 = (string)(await api.CreateProjectAsync("one"))["id"]!;
        var p2 = (string)(await api.CreateProjectAsync("two"))["id"]!;
        foreach (var (name, type) in new[] { ("slide", "slider"), ("cat", "categorical"), ("free", "free-form") })
        {
            (await api.PostAsync("/v1/project_score", new { project_id = p1, name, score_type = type })).AssertOk();
        }

        (await api.PostAsync("/v1/project_score", new { project_id = p2, name = "slide", score_type = "slider" })).AssertOk();

        async Task<string[]> Names(string query) =>
            (await api.GetAsync($"/v1/project_score?{query}")).AssertOk().Objects.Select(o => (string)o["name"]!).Order().ToArray();

        Assert.Equal(["cat", "slide"], await Names($"project_id={p1}&score_type=slider,categorical"));
        Assert.Equal(["cat", "slide"], await Names($"project_id={p1}&score_type=slider&score_type=categorical"));
        Assert.Equal(["free"], await Names("score_type=free-form"));
        Assert.Equal(["slide", "slide"], await Names("project_score_name=slide"));
        Assert.Equal(["slide"], await Names("project_score_name=slide&project_name=two"));
        Assert.Empty(await Names("score_type=online"));
        (await api.GetAsync("/v1/project_score?score_type=slider,stars")).AssertError(HttpStatusCode.BadRequest, "score_type");
    }

    [Fact]
    public async Task Delete_ReturnsTheScore_WhichThenIsGone()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var keep = (await api.PostAsync("/v1/project_score", new { project_id = project, name = "keep", score_type = "slider" })).AssertOk().Id;
        var drop = (await api.PostAsync("/v1/project_score", new { project_id = project, name = "drop", score_type = "slider" })).AssertOk().Id;

        Assert.Equal(drop, (await api.DeleteAsync($"/v1/project_score/{drop}")).AssertOk().Id);
        (await api.GetAsync($"/v1/project_score/{drop}")).AssertStatus(HttpStatusCode.NotFound);
        Assert.Equal([keep], (await api.GetAsync($"/v1/project_score?project_id={project}")).AssertOk().Objects.Select(o => (string)o["id"]!));

        // The name is free again.
        Assert.NotEqual(drop, (await api.PostAsync("/v1/project_score", new { project_id = project, name = "drop", score_type = "slider" })).AssertOk().Id);
    }

    [Theory]
    [InlineData("""{"project_id":"{project}","score_type":"slider"}""", "name")]
    [InlineData("""{"project_id":"{project}","name":"s"}""", "score_type")]
    [InlineData("""{"project_id":"{project}","name":"s","score_type":"stars"}""", "score_type")]
    [InlineData("""{"name":"s","score_type":"slider"}""", "project_id")]
    [InlineData("""{"project_id":"{project}","name":"s","score_type":"categorical","categories":{"a":1}}""", "categories")]
    [InlineData("""{"project_id":"{project}","name":"s","score_type":"categorical","categories":[{"name":"a"}]}""", "categories")]
    [InlineData("""{"project_id":"{project}","name":"s","score_type":"weighted","categories":{"a":"heavy"}}""", "categories")]
    [InlineData("""{"project_id":"{project}","name":"s","score_type":"maximum","categories":[1,2]}""", "categories")]
    [InlineData("""{"project_id":"{project}","name":"s","score_type":"slider","config":[]}""", "config")]
    public async Task Post_BadBody_Is400NamingTheField(string body, string mentions)
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        (await api.SendAsync(HttpMethod.Post, "/v1/project_score", body.Replace("{project}", project, StringComparison.Ordinal)))
            .AssertError(HttpStatusCode.BadRequest, mentions);
        Assert.Empty((await api.GetAsync("/v1/project_score")).AssertOk().Objects);
    }
}
