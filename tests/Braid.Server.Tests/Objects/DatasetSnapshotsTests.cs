using System.Net;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Objects;

/// <summary>Dataset snapshots pin a version (<c>xact_id</c>) of a dataset under a name unique within the dataset.</summary>
public sealed class DatasetSnapshotsTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task Post_RegistersByNameWithinTheDataset_ReturningTheExistingUnchanged()
    {
        var api = await app.NewTenantAsync();
        var (d1, xact) = await DatasetWithARowAsync(api);
        var (d2, _) = await DatasetWithARowAsync(api);

        var created = (await api.PostAsync("/v1/dataset_snapshot", new { dataset_id = d1, name = "v1", xact_id = xact, description = "first cut" })).AssertOk();
        Assert.Equal(d1, (string)created.Json["dataset_id"]!);
        Assert.Equal(xact, (string)created.Json["xact_id"]!);

        var again = (await api.PostAsync("/v1/dataset_snapshot", new { dataset_id = d1, name = "v1", xact_id = "1", description = "other" })).AssertOk();
        Assert.Equal(created.Id, again.Id);
        Assert.Equal("true", again.Header("x-bt-found-existing"));
        Assert.Equal(xact, (string)again.Json["xact_id"]!);

        Assert.NotEqual(created.Id, (await api.PostAsync("/v1/dataset_snapshot", new { dataset_id = d2, name = "v1", xact_id = xact })).AssertOk().Id);
    }

    [Fact]
    public async Task Put_ReplacesTheGivenFields_KeepingIdAndTheOthers()
    {
        var api = await app.NewTenantAsync();
        var (dataset, xact) = await DatasetWithARowAsync(api);
        var created = (await api.PutAsync("/v1/dataset_snapshot", new { dataset_id = dataset, name = "pinned", xact_id = "1000", description = "kept" })).AssertOk();

        var replaced = (await api.PutAsync("/v1/dataset_snapshot", new { dataset_id = dataset, name = "pinned", xact_id = xact })).AssertOk();
        Assert.Equal(created.Id, replaced.Id);
        Assert.Equal("true", replaced.Header("x-bt-found-existing"));
        Assert.Equal(xact, (string)replaced.Json["xact_id"]!);
        Assert.Equal("kept", (string)replaced.Json["description"]!);
    }

    [Fact]
    public async Task PatchListDelete_FollowTheObjectConventions()
    {
        var api = await app.NewTenantAsync();
        var (d1, xact) = await DatasetWithARowAsync(api);
        var (d2, _) = await DatasetWithARowAsync(api);
        var a = (await api.PostAsync("/v1/dataset_snapshot", new { dataset_id = d1, name = "a", xact_id = xact })).AssertOk().Id;
        var b = (await api.PostAsync("/v1/dataset_snapshot", new { dataset_id = d2, name = "b", xact_id = xact })).AssertOk().Id;

        // Only name and description change; the pinned version does not.
        var patched = (await api.PatchAsync($"/v1/dataset_snapshot/{a}", new { name = "renamed", description = "d", xact_id = "1" })).AssertOk();
        Assert.Equal("renamed", (string)patched.Json["name"]!);
        Assert.Equal("d", (string)patched.Json["description"]!);
        Assert.Equal(xact, (string)patched.Json["xact_id"]!);

        Assert.Equal([b, a], (await api.GetAsync("/v1/dataset_snapshot")).AssertOk().Objects.Select(o => (string)o["id"]!));
        Assert.Equal([a], (await api.GetAsync($"/v1/dataset_snapshot?dataset_id={d1}")).AssertOk().Objects.Select(o => (string)o["id"]!));
        Assert.Equal([b], (await api.GetAsync("/v1/dataset_snapshot?dataset_snapshot_name=b")).AssertOk().Objects.Select(o => (string)o["id"]!));

        Assert.Equal(a, (await api.DeleteAsync($"/v1/dataset_snapshot/{a}")).AssertOk().Id);
        (await api.GetAsync($"/v1/dataset_snapshot/{a}")).AssertStatus(HttpStatusCode.NotFound);
        Assert.Equal([b], (await api.GetAsync("/v1/dataset_snapshot")).AssertOk().Objects.Select(o => (string)o["id"]!));
    }

    [Fact]
    public async Task DeletingTheDatasetOrItsProject_DeletesItsSnapshots()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var d1 = (await api.PostAsync("/v1/dataset", new { project_id = project, name = "d1" })).AssertOk().Id;
        var d2 = (await api.PostAsync("/v1/dataset", new { project_id = project, name = "d2" })).AssertOk().Id;
        var s1 = (await api.PostAsync("/v1/dataset_snapshot", new { dataset_id = d1, name = "s", xact_id = "1" })).AssertOk().Id;
        var s2 = (await api.PostAsync("/v1/dataset_snapshot", new { dataset_id = d2, name = "s", xact_id = "1" })).AssertOk().Id;

        (await api.DeleteAsync($"/v1/dataset/{d1}")).AssertOk();
        (await api.GetAsync($"/v1/dataset_snapshot/{s1}")).AssertStatus(HttpStatusCode.NotFound);
        Assert.Equal([s2], (await api.GetAsync("/v1/dataset_snapshot")).AssertOk().Objects.Select(o => (string)o["id"]!));

        (await api.DeleteAsync($"/v1/project/{project}")).AssertOk();
        (await api.GetAsync($"/v1/dataset_snapshot/{s2}")).AssertStatus(HttpStatusCode.NotFound);
        Assert.Empty((await api.GetAsync("/v1/dataset_snapshot")).AssertOk().Objects);
    }

    [Theory]
    [InlineData("""{"name":"s","xact_id":"1"}""", "dataset_id")]
    [InlineData("""{"dataset_id":"{unknown}","name":"s","xact_id":"1"}""", "dataset_id")]
    [InlineData("""{"dataset_id":"{project}","name":"s","xact_id":"1"}""", "dataset_id")]
    [InlineData("""{"dataset_id":"{dataset}","xact_id":"1"}""", "name")]
    [InlineData("""{"dataset_id":"{dataset}","name":"","xact_id":"1"}""", "name")]
    [InlineData("""{"dataset_id":"{dataset}","name":"s"}""", "xact_id")]
    [InlineData("""{"dataset_id":"{dataset}","name":"s","xact_id":""}""", "xact_id")]
    [InlineData("""{"dataset_id":"{dataset}","name":"s","xact_id":1}""", "xact_id")]
    public async Task Post_BadBody_Is400NamingTheField(string body, string mentions)
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var dataset = (await api.PostAsync("/v1/dataset", new { project_id = project, name = "d" })).AssertOk().Id;
        var filled = body.Replace("{project}", project, StringComparison.Ordinal).Replace("{dataset}", dataset, StringComparison.Ordinal)
            .Replace("{unknown}", Guid.NewGuid().ToString(), StringComparison.Ordinal);
        (await api.SendAsync(HttpMethod.Post, "/v1/dataset_snapshot", filled)).AssertError(HttpStatusCode.BadRequest, mentions);
        Assert.Empty((await api.GetAsync("/v1/dataset_snapshot")).AssertOk().Objects);
    }

    // A dataset with one row, and the _xact_id of that row: the version a snapshot pins.
    private static async Task<(string Dataset, string Xact)> DatasetWithARowAsync(ApiClient api)
    {
        var log = await api.CreateLogAsync("dataset");
        await api.InsertAsync(log, new { input = "q", expected = "a" });
        var row = (await api.FetchAllAsync(log)).Single();
        return (log.Split('/')[1], (string)row["_xact_id"]!);
    }
}
