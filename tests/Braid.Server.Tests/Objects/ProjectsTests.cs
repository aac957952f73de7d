using System.Net;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Objects;

public sealed class ProjectsTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task Post_NewName_CreatesProjectInCallersOrganization()
    {
        var api = await app.NewTenantAsync();
        var response = (await api.PostAsync("/v1/project", new { name = "alpha", description = "first" })).AssertOk();

        Assert.Equal("alpha", (string)response.Json["name"]!);
        Assert.Equal("first", (string)response.Json["description"]!);
        Assert.Equal(api.OrgId, (string)response.Json["org_id"]!);
        Assert.Equal(api.Key!.User.Id, (string)response.Json["user_id"]!);
        Assert.True(Guid.TryParse(response.Id, out _));
        Assert.Null(response.Header("x-bt-found-existing"));
    }

    [Fact]
    public async Task Post_ExistingName_ReturnsExistingUnchangedWithFoundHeader()
    {
        var api = await app.NewTenantAsync();
        var first = (await api.PostAsync("/v1/project", new { name = "same", description = "original" })).AssertOk();
        var second = (await api.PostAsync("/v1/project", new { name = "same", description = "ignored" })).AssertOk();

        Assert.Equal(first.Id, second.Id);
        Assert.Equal("original", (string)second.Json["description"]!);
        Assert.Equal("true", second.Header("x-bt-found-existing"));
        Assert.Single((await api.GetAsync("/v1/project")).AssertOk().Objects);
    }

    [Fact]
    public async Task GetById_ReturnsTheProject_AndUnknownIdIs404()
    {
        var api = await app.NewTenantAsync();
        var project = await api.CreateProjectAsync();

        var fetched = (await api.GetAsync($"/v1/project/{project["id"]}")).AssertOk();
        Assert.True(JsonNode.DeepEquals(project, fetched.Object), fetched.Body);
        (await api.GetAsync($"/v1/project/{Guid.NewGuid()}")).AssertError(HttpStatusCode.NotFound, "not found");
        (await api.GetAsync("/v1/project/not-a-uuid")).AssertError(HttpStatusCode.BadRequest, "project_id");
    }

    [Fact]
    public async Task List_IsNewestFirst_AndPagesWithCursorsUntilAnEmptyPage()
    {
        var api = await app.NewTenantAsync();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((string)(await api.CreateProjectAsync($"p{i}"))["id"]!);
        }

        ids.Reverse();
        var all = (await api.GetAsync("/v1/project")).AssertOk().Objects.Select(o => (string)o["id"]!).ToList();
        Assert.Equal(ids, all);

        var page1 = (await api.GetAsync("/v1/project?limit=2")).AssertOk().Objects.Select(o => (string)o["id"]!).ToList();
        var page2 = (await api.GetAsync($"/v1/project?limit=2&starting_after={page1[^1]}")).AssertOk().Objects.Select(o => (string)o["id"]!).ToList();
        var page3 = (await api.GetAsync($"/v1/project?limit=2&starting_after={page2[^1]}")).AssertOk().Objects.Select(o => (string)o["id"]!).ToList();
        var past = (await api.GetAsync($"/v1/project?limit=2&starting_after={page3[^1]}")).AssertOk().Objects;
        Assert.Equal(ids, page1.Concat(page2).Concat(page3));
        Assert.Empty(past);

        var before = (await api.GetAsync($"/v1/project?limit=2&ending_before={ids[3]}")).AssertOk().Objects.Select(o => (string)o["id"]!);
        Assert.Equal(ids[1..3], before);
        Assert.Empty((await api.GetAsync("/v1/project?limit=0")).AssertOk().Objects);
    }

    [Fact]
    public async Task List_FiltersByIdsRepeatedOrCommaJoined_AndByName()
    {
        var api = await app.NewTenantAsync();
        var a = (string)(await api.CreateProjectAsync("a"))["id"]!;
        var b = (string)(await api.CreateProjectAsync("b"))["id"]!;
        await api.CreateProjectAsync("c");

        var repeated = (await api.GetAsync($"/v1/project?ids={a}&ids={b}")).AssertOk().Objects.Select(o => (string)o["name"]!);
        var joined = (await api.GetAsync($"/v1/project?ids={a},{b}")).AssertOk().Objects.Select(o => (string)o["name"]!);
        Assert.Equal(["b", "a"], repeated);
        Assert.Equal(["b", "a"], joined);
        Assert.Equal("c", (string)(await api.GetAsync("/v1/project?project_name=c")).AssertOk().Objects.Single()["name"]!);
        Assert.Single((await api.GetAsync($"/v1/project?org_name={api.OrgName}&project_name=a")).AssertOk().Objects);
    }

    [Fact]
    public async Task Patch_ReplacesScalars_AndDeepMergesSettings()
    {
        var api = await app.NewTenantAsync();
        var id = (string)(await api.CreateProjectAsync("before"))["id"]!;
        (await api.PatchAsync($"/v1/project/{id}", new { settings = new { comparison_key = "input", spanFieldOrder = new[] { new { object_type = "e", column_id = "c", position = "1" } } } })).AssertOk();

        var patched = (await api.PatchAsync($"/v1/project/{id}", new { name = "after", description = "d", settings = new { baseline_experiment_id = (string?)null, disable_realtime_queries = true } })).AssertOk();
        Assert.Equal("after", (string)patched.Json["name"]!);
        Assert.Equal("d", (string)patched.Json["description"]!);
        Assert.Equal("input", (string)patched.Json["settings"]!["comparison_key"]!);
        Assert.True((bool)patched.Json["settings"]!["disable_realtime_queries"]!);
        Assert.Single(patched.Json["settings"]!["spanFieldOrder"]!.AsArray());
        Assert.True(JsonNode.DeepEquals(patched.Object, (await api.GetAsync($"/v1/project/{id}")).AssertOk().Object));
    }

    [Fact]
    public async Task Patch_ToANameAnotherProjectHas_Is400()
    {
        var api = await app.NewTenantAsync();
        await api.CreateProjectAsync("taken");
        var id = (string)(await api.CreateProjectAsync("mine"))["id"]!;
        (await api.PatchAsync($"/v1/project/{id}", new { name = "taken" })).AssertError(HttpStatusCode.BadRequest, "taken");
        (await api.PatchAsync($"/v1/project/{Guid.NewGuid()}", new { name = "x" })).AssertStatus(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_IsSoft_ReturnsTheObject_AndFreesTheName()
    {
        var api = await app.NewTenantAsync();
        var id = (string)(await api.CreateProjectAsync("doomed"))["id"]!;

        var deleted = (await api.DeleteAsync($"/v1/project/{id}")).AssertOk();
        Assert.Equal(id, deleted.Id);
        Assert.NotNull((string?)deleted.Json["deleted_at"]);
        Assert.Empty((await api.GetAsync("/v1/project")).AssertOk().Objects);
        (await api.GetAsync($"/v1/project/{id}")).AssertStatus(HttpStatusCode.NotFound);
        (await api.DeleteAsync($"/v1/project/{id}")).AssertStatus(HttpStatusCode.NotFound);

        var reborn = (await api.PostAsync("/v1/project", new { name = "doomed" })).AssertOk();
        Assert.NotEqual(id, reborn.Id);
        Assert.Null(reborn.Header("x-bt-found-existing"));
    }

    [Theory]
    [InlineData("{}", "name")]
    [InlineData("{\"name\":\"\"}", "name")]
    [InlineData("{\"name\":null}", "name")]
    [InlineData("{\"name\":42}", "name")]
    [InlineData("{\"name\":\"x\",\"description\":[]}", "description")]
    [InlineData("{\"name\":\"x\",\"org_name\":7}", "org_name")]
    [InlineData("{\"name\":", "not valid JSON")]
    [InlineData("[1,2]", "JSON object")]
    [InlineData("\"name\"", "JSON object")]
    [InlineData("", "required")]
    public async Task Post_BadBody_Is400NamingTheProblem(string body, string mentions)
    {
        var api = await app.NewTenantAsync();
        (await api.SendAsync(HttpMethod.Post, "/v1/project", body)).AssertError(HttpStatusCode.BadRequest, mentions);
    }

    [Theory]
    [InlineData("limit=-1", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("ids=nope", "ids")]
    [InlineData("starting_after=nope", "starting_after")]
    [InlineData("starting_after=00000000-0000-0000-0000-000000000001", "starting_after")]
    [InlineData("starting_after=00000000-0000-0000-0000-000000000001&ending_before=00000000-0000-0000-0000-000000000002", "ending_before")]
    public async Task List_BadQuery_Is400NamingTheParameter(string query, string mentions)
    {
        var api = await app.NewTenantAsync();
        (await api.GetAsync($"/v1/project?{query}")).AssertError(HttpStatusCode.BadRequest, mentions);
    }

    [Fact]
    public async Task Patch_BadBody_Is400NamingTheField()
    {
        var api = await app.NewTenantAsync();
        var id = (string)(await api.CreateProjectAsync())["id"]!;
        (await api.PatchAsync($"/v1/project/{id}", new { settings = "x" })).AssertError(HttpStatusCode.BadRequest, "settings");
        (await api.PatchAsync($"/v1/project/{id}", new { name = "" })).AssertError(HttpStatusCode.BadRequest, "name");
        (await api.SendAsync(HttpMethod.Patch, $"/v1/project/{id}", "nope")).AssertError(HttpStatusCode.BadRequest, "JSON");
        (await api.DeleteAsync("/v1/project/42")).AssertError(HttpStatusCode.BadRequest, "project_id");
    }
}
