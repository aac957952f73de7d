using System.Net;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Objects;

/// <summary>Views hang on an object (object_type + object_id), and every read, patch and delete must name it.</summary>
public sealed class ViewsTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task Post_RegistersByNameOnTheObject_AndTheSameNameOnAnotherObjectIsAnotherView()
    {
        var api = await app.NewTenantAsync();
        var p1 = (string)(await api.CreateProjectAsync())["id"]!;
        var p2 = (string)(await api.CreateProjectAsync())["id"]!;
        var viewData = new { search = new { filter = new[] { "scores.accuracy < 0.5" } } };

        var created = (await api.PostAsync("/v1/view", new { object_type = "project", object_id = p1, view_type = "logs", name = "failing", view_data = viewData })).AssertOk();
        Assert.Equal("project", (string)created.Json["object_type"]!);
        Assert.Equal(p1, (string)created.Json["object_id"]!);
        Assert.Equal("scores.accuracy < 0.5", (string)created.Json["view_data"]!["search"]!["filter"]![0]!);

        var again = (await api.PostAsync("/v1/view", new { object_type = "project", object_id = p1, view_type = "experiments", name = "failing" })).AssertOk();
        Assert.Equal(created.Id, again.Id);
        Assert.Equal("true", again.Header("x-bt-found-existing"));
        Assert.Equal("logs", (string)again.Json["view_type"]!);

        var elsewhere = (await api.PostAsync("/v1/view", new { object_type = "project", object_id = p2, view_type = "logs", name = "failing" })).AssertOk();
        Assert.NotEqual(created.Id, elsewhere.Id);
    }

    [Fact]
    public async Task Reads_MustNameTheViewsObject_AndAnotherObjectIs404()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var other = (string)(await api.CreateProjectAsync())["id"]!;
        var id = (await api.PostAsync("/v1/view", new { object_type = "project", object_id = project, view_type = "logs", name = "v" })).AssertOk().Id;

        Assert.Equal(id, (await api.GetAsync($"/v1/view/{id}?object_type=project&object_id={project}")).AssertOk().Id);
        (await api.GetAsync($"/v1/view/{id}")).AssertError(HttpStatusCode.BadRequest, "object_type");
        (await api.GetAsync($"/v1/view/{id}?object_type=project")).AssertError(HttpStatusCode.BadRequest, "object_id");
        (await api.GetAsync($"/v1/view/{id}?object_type=project&object_id={other}")).AssertStatus(HttpStatusCode.NotFound);
        (await api.GetAsync($"/v1/view/{id}?object_type=experiment&object_id={project}")).AssertStatus(HttpStatusCode.NotFound);

        (await api.GetAsync("/v1/view")).AssertError(HttpStatusCode.BadRequest, "object_type");
        (await api.GetAsync($"/v1/view?object_id={project}")).AssertError(HttpStatusCode.BadRequest, "object_type");
        (await api.GetAsync($"/v1/view?object_type=banana&object_id={project}")).AssertError(HttpStatusCode.BadRequest, "object_type");
        Assert.Empty((await api.GetAsync($"/v1/view?object_type=project&object_id={other}")).AssertOk().Objects);
    }

    [Fact]
    public async Task List_FiltersByViewTypeCommaJoinedAndByName_WithinTheObject()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var experiment = (string)(await api.CreateExperimentAsync(project))["id"]!;
        foreach (var (name, type) in new[] { ("a", "logs"), ("b", "experiments"), ("c", "datasets") })
        {
            (await api.PostAsync("/v1/view", new { object_type = "project", object_id = project, view_type = type, name })).AssertOk();
        }

        (await api.PostAsync("/v1/view", new { object_type = "experiment", object_id = experiment, view_type = "experiment", name = "a" })).AssertOk();

        async Task<string[]> Names(string query) =>
            (await api.GetAsync($"/v1/view?{query}")).AssertOk().Objects.Select(o => (string)o["name"]!).Order().ToArray();

        var onProject = $"object_type=project&object_id={project}";
        Assert.Equal(["a", "b", "c"], await Names(onProject));
        Assert.Equal(["a", "b"], await Names($"{onProject}&view_type=logs,experiments"));
        Assert.Equal(["a", "c"], await Names($"{onProject}&view_type=logs&view_type=datasets"));
        Assert.Equal(["b"], await Names($"{onProject}&view_name=b"));
        Assert.Equal(["a"], await Names($"object_type=experiment&object_id={experiment}"));
        Assert.Empty(await Names($"object_type=experiment&object_id={project}"));
        (await api.GetAsync($"/v1/view?{onProject}&view_type=grid")).AssertError(HttpStatusCode.BadRequest, "view_type");
    }

    [Fact]
    public async Task PutPatchDelete_NameTheObjectInTheBody()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var other = (string)(await api.CreateProjectAsync())["id"]!;
        var created = (await api.PutAsync("/v1/view", new { object_type = "project", object_id = project, view_type = "logs", name = "v", options = new { rowHeight = "tall" } })).AssertOk();

        // PUT with the same name on the same object replaces what it gives and keeps the rest.
        var replaced = (await api.PutAsync("/v1/view", new { object_type = "project", object_id = project, view_type = "logs", name = "v", view_data = new { search = new { sort = new[] { "created" } } } })).AssertOk();
        Assert.Equal(created.Id, replaced.Id);
        Assert.Equal("tall", (string)replaced.Json["options"]!["rowHeight"]!);
        Assert.Equal("created", (string)replaced.Json["view_data"]!["search"]!["sort"]![0]!);

        (await api.PatchAsync($"/v1/view/{created.Id}", new { name = "w" })).AssertError(HttpStatusCode.BadRequest, "object_type");
        (await api.PatchAsync($"/v1/view/{created.Id}", new { object_type = "project", object_id = other, name = "w" })).AssertStatus(HttpStatusCode.NotFound);
        var patched = (await api.PatchAsync($"/v1/view/{created.Id}", new { object_type = "project", object_id = project, name = "w", view_type = "monitor" })).AssertOk();
        Assert.Equal("w", (string)patched.Json["name"]!);
        Assert.Equal("monitor", (string)patched.Json["view_type"]!);

        (await api.DeleteAsync($"/v1/view/{created.Id}")).AssertError(HttpStatusCode.BadRequest, "object_type");
        (await api.DeleteAsync($"/v1/view/{created.Id}", new { object_type = "project", object_id = other })).AssertStatus(HttpStatusCode.NotFound);
        (await api.DeleteAsync($"/v1/view/{created.Id}", new { object_type = "project", object_id = project })).AssertOk();
        (await api.GetAsync($"/v1/view/{created.Id}?object_type=project&object_id={project}")).AssertStatus(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task DeletingTheObject_OrTheProjectAboveIt_DeletesItsViews()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var experiment = (string)(await api.CreateExperimentAsync(project))["id"]!;
        var dataset = (await api.PostAsync("/v1/dataset", new { project_id = project, name = "d" })).AssertOk().Id;
        var onExperiment = (await api.PostAsync("/v1/view", new { object_type = "experiment", object_id = experiment, view_type = "experiment", name = "v" })).AssertOk().Id;
        var onDataset = (await api.PostAsync("/v1/view", new { object_type = "dataset", object_id = dataset, view_type = "dataset", name = "v" })).AssertOk().Id;

        (await api.DeleteAsync($"/v1/experiment/{experiment}")).AssertOk();
        (await api.GetAsync($"/v1/view/{onExperiment}?object_type=experiment&object_id={experiment}")).AssertStatus(HttpStatusCode.NotFound);
        Assert.Equal(onDataset, (await api.GetAsync($"/v1/view/{onDataset}?object_type=dataset&object_id={dataset}")).AssertOk().Id);

        (await api.DeleteAsync($"/v1/project/{project}")).AssertOk();
        (await api.GetAsync($"/v1/view/{onDataset}?object_type=dataset&object_id={dataset}")).AssertStatus(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("""{"object_id":"{project}","name":"v"}""", "object_type")]
    [InlineData("""{"object_type":"banana","object_id":"{project}","name":"v"}""", "object_type")]
    [InlineData("""{"object_type":"project","name":"v"}""", "object_id")]
    [InlineData("""{"object_type":"project","object_id":"nope","name":"v"}""", "object_id")]
    [InlineData("""{"object_type":"project","object_id":"{unknown}","name":"v"}""", "object_id")]
    [InlineData("""{"object_type":"experiment","object_id":"{project}","name":"v"}""", "object_id")]
    [InlineData("""{"object_type":"project","object_id":"{project}"}""", "name")]
    [InlineData("""{"object_type":"project","object_id":"{project}","name":"v","view_type":"grid"}""", "view_type")]
    [InlineData("""{"object_type":"project","object_id":"{project}","name":"v","view_data":"x"}""", "view_data")]
    public async Task Post_BadBody_Is400NamingTheField(string body, string mentions)
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var filled = body.Replace("{project}", project, StringComparison.Ordinal).Replace("{unknown}", Guid.NewGuid().ToString(), StringComparison.Ordinal);
        (await api.SendAsync(HttpMethod.Post, "/v1/view", filled)).AssertError(HttpStatusCode.BadRequest, mentions);
        Assert.Empty((await api.GetAsync($"/v1/view?object_type=project&object_id={project}")).AssertOk().Objects);
    }
}
