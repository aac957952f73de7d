using System.Net;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Sdk;

/// <summary>The SDK's api-base calls outside the spec (sdk-protocol §3 data plane), checked on the fields the SDK reads.</summary>
public sealed class SdkDataPlaneTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task ExperimentComparison2_SummarizesScoresAndMetrics_AgainstTheGivenBase()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var baseline = (string)(await api.CreateExperimentAsync(project, new { name = "baseline" }))["id"]!;
        var current = (string)(await api.CreateExperimentAsync(project, new { name = "current" }))["id"]!;
        await api.InsertAsync($"experiment/{baseline}", new { input = "q1", scores = new { acc = 0.5 }, metrics = new { start = 1.0, end = 2.0 } });
        await api.InsertAsync($"experiment/{current}", new { input = "q1", scores = new { acc = 1.0 }, metrics = new { start = 1.0, end = 1.5 } });

        var alone = (await api.GetAsync($"/experiment-comparison2?experiment_id={current}")).AssertOk().Json;
        Assert.Equal(1.0, (double)alone["scores"]!["acc"]!["score"]!);
        Assert.Equal("acc", (string)alone["scores"]!["acc"]!["name"]!);
        Assert.Null(alone["scores"]!["acc"]!["diff"]);
        foreach (var (_, metric) in alone["metrics"]!.AsObject())
        {
            // The Eval reporter calls metric.toFixed() and prints the unit.
            Assert.Equal(System.Text.Json.JsonValueKind.Number, metric!["metric"]!.GetValueKind());
            Assert.Equal(System.Text.Json.JsonValueKind.String, metric["unit"]!.GetValueKind());
        }

        var compared = (await api.GetAsync($"/experiment-comparison2?experiment_id={current}&base_experiment_id={baseline}")).AssertOk().Json;
        Assert.Equal(0.5, (double)compared["scores"]!["acc"]!["diff"]!);
        Assert.Equal(1, (int)compared["scores"]!["acc"]!["improvements"]!);
        Assert.Equal(0, (int)compared["scores"]!["acc"]!["regressions"]!);

        var other = await app.NewTenantAsync();
        (await other.GetAsync($"/experiment-comparison2?experiment_id={current}")).AssertStatus(HttpStatusCode.NotFound);
        (await api.GetAsync($"/experiment-comparison2?experiment_id={current}&base_experiment_id={Guid.NewGuid()}")).AssertStatus(HttpStatusCode.NotFound);
        (await api.GetAsync("/experiment-comparison2")).AssertError(HttpStatusCode.BadRequest, "experiment_id");
        (await api.GetAsync("/experiment-comparison2?experiment_id=x")).AssertError(HttpStatusCode.BadRequest, "experiment_id");
    }

    [Fact]
    public async Task DatasetSummary_CountsLiveRecords_AndXactIdIsTheNewestTransaction()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("dataset");
        var ids = await api.InsertAsync(log, new { input = 1 }, new { input = 2 }, new { input = 3 });
        await api.InsertAsync(log, new { id = ids[0], _object_delete = true });
        var datasetId = log.Split('/')[1];
        Assert.Equal(2, (int)(await api.GetAsync($"/dataset-summary?dataset_id={datasetId}")).AssertOk().Json["total_records"]!);
        (await api.GetAsync("/dataset-summary")).AssertError(HttpStatusCode.BadRequest, "dataset_id");
        (await (await app.NewTenantAsync()).GetAsync($"/dataset-summary?dataset_id={datasetId}")).AssertStatus(HttpStatusCode.NotFound);

        var newest = (await api.FetchAllAsync(log)).Max(r => (string)r["_xact_id"]!)!;
        var xact = (await api.GetAsync("/xact-id")).AssertOk().Body;
        Assert.Equal(19, xact.Length);
        Assert.True(string.CompareOrdinal(xact, newest) >= 0, $"{xact} < {newest}");
    }

    [Fact]
    public async Task DatasetRestore_PreviewsThenPutsTheRowsBackAsTheyWere()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("dataset");
        var datasetId = log.Split('/')[1];
        var ids = await api.InsertAsync(log, new { input = "a", expected = 1 }, new { input = "b", expected = 2 });
        var version = (await api.GetAsync("/xact-id")).AssertOk().Body;
        await api.InsertAsync(log, new { id = ids[0], expected = 10, _is_merge = true }, new { id = ids[1], _object_delete = true }, new { id = "new", input = "c" });

        var preview = (await api.PostAsync($"/v1/dataset/{datasetId}/restore/preview", new { version })).AssertOk().Json;
        Assert.Equal(2, (int)preview["rows_to_restore"]!);
        Assert.Equal(1, (int)preview["rows_to_delete"]!);
        Assert.Equal(2, (await api.FetchAllAsync(log)).Count(r => (string)r["id"]! != ids[1]));

        var restored = (await api.PostAsync($"/v1/dataset/{datasetId}/restore", new { version })).AssertOk().Json;
        Assert.Equal(2, (int)restored["rows_restored"]!);
        Assert.Equal(1, (int)restored["rows_deleted"]!);
        Assert.True(string.CompareOrdinal((string)restored["xact_id"]!, version) > 0);
        var rows = (await api.FetchAllAsync(log)).ToDictionary(r => (string)r["id"]!);
        Assert.Equal([.. ids.Order()], rows.Keys.Order().ToArray());
        Assert.Equal(1, (int)rows[ids[0]]["expected"]!);
        Assert.Equal(2, (int)rows[ids[1]]["expected"]!);

        var nothing = (await api.PostAsync($"/v1/dataset/{datasetId}/restore/preview", new { version })).AssertOk().Json;
        Assert.Equal(0, (int)nothing["rows_to_restore"]! + (int)nothing["rows_to_delete"]!);
        (await api.PostAsync($"/v1/dataset/{datasetId}/restore", new { version = "soon" })).AssertError(HttpStatusCode.BadRequest, "version");
        (await api.PostAsync($"/v1/dataset/{datasetId}/restore", new { })).AssertError(HttpStatusCode.BadRequest, "version");
        (await (await app.NewTenantAsync()).PostAsync($"/v1/dataset/{datasetId}/restore", new { version })).AssertStatus(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task InsertFunctions_UpsertsBySlug_AndNamesTheBadFunction()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        object Prompt(string content) => new
        {
            project_id = project, name = "Greeter", slug = "greeter", function_data = new { type = "prompt" },
            prompt_data = new { prompt = new { type = "chat", messages = new[] { new { role = "user", content } } }, options = new { model = "gpt-4o" } },
        };

        var first = (await api.PostAsync("/insert-functions", new { functions = new[] { Prompt("hi {{name}}") } })).AssertOk().Json;
        var id = (string)first["functions"]![0]!["id"]!;
        var second = (await api.PostAsync("/insert-functions", new { functions = new[] { Prompt("hello {{name}}") } })).AssertOk().Json;
        Assert.Equal(id, (string)second["functions"]![0]!["id"]!);
        var stored = (await api.GetAsync($"/v1/prompt?project_id={project}&slug=greeter")).AssertOk().Objects.Single();
        Assert.Equal("hello {{name}}", (string)stored["prompt_data"]!["prompt"]!["messages"]![0]!["content"]!);

        (await api.PostAsync("/insert-functions", new { })).AssertError(HttpStatusCode.BadRequest, "functions");
        (await api.PostAsync("/insert-functions", new { functions = new object[] { Prompt("x"), new { project_id = project, name = "n", slug = "s" } } }))
            .AssertError(HttpStatusCode.BadRequest, "functions[1].function_data");
        (await api.PostAsync("/insert-functions", new { functions = new object[] { 5 } })).AssertError(HttpStatusCode.BadRequest, "functions[0]");
    }

    [Fact]
    public async Task DatasetSnapshotCalls_RegisterGetPatchAndDelete()
    {
        var api = await app.NewTenantAsync();
        var datasetId = (await api.CreateLogAsync("dataset")).Split('/')[1];
        var xact = (await api.GetAsync("/xact-id")).AssertOk().Body;
        var snapshot = (await api.PostAsync("/api/dataset_snapshot/register", new { dataset_id = datasetId, name = "v1", xact_id = xact })).AssertOk().Json;
        var id = (string)snapshot["id"]!;
        Assert.Equal(xact, (string)snapshot["xact_id"]!);

        var listed = (await api.PostAsync("/api/dataset_snapshot/get", new { dataset_id = datasetId, name = "v1" })).AssertOk().Json.AsArray();
        Assert.Equal(id, (string)Assert.Single(listed)!["id"]!);
        Assert.Equal("renamed", (string)(await api.PostAsync("/api/dataset_snapshot/patch_id", new { id, name = "renamed" })).AssertOk().Json["name"]!);
        (await api.PostAsync("/api/dataset_snapshot/delete_id", new { id })).AssertOk();
        Assert.Empty((await api.PostAsync("/api/dataset_snapshot/get", new { dataset_id = datasetId })).AssertOk().Json.AsArray());

        (await api.PostAsync("/api/dataset_snapshot/register", new { dataset_id = datasetId, name = "v2" })).AssertError(HttpStatusCode.BadRequest, "xact_id");
        (await api.PostAsync("/api/dataset_snapshot/get", new { })).AssertError(HttpStatusCode.BadRequest, "dataset_id");
        (await api.PostAsync("/api/dataset_snapshot/patch_id", new { id = Guid.NewGuid(), name = "x" })).AssertStatus(HttpStatusCode.NotFound);
    }
}
