using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
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
    public async Task InsertFunctions_WithOneBadFunction_WritesNoneOfTheBatch()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        object Prompt(string slug, string content, string? ifExists = null) => new
        {
            project_id = project, name = slug, slug, if_exists = ifExists, function_data = new { type = "prompt" },
            prompt_data = new { prompt = new { type = "chat", messages = new[] { new { role = "user", content } } }, options = new { model = "gpt-4o" } },
        };
        var code = new
        {
            project_id = project, name = "Scorer", slug = "scorer",
            function_data = new { type = "code", data = new { type = "inline", runtime_context = new { runtime = "node", version = "20" }, code = "x" } },
        };
        (await api.PostAsync("/insert-functions", new { functions = new[] { Prompt("kept", "before") } })).AssertOk();

        // A new prompt, a replacement and a new code function ahead of the bad one: none of them is written.
        (await api.PostAsync("/insert-functions", new { functions = new object[] { Prompt("fresh", "new"), Prompt("kept", "after"), code, new { project_id = project, name = "n", slug = "s" } } }))
            .AssertError(HttpStatusCode.BadRequest, "functions[3].function_data");
        (await api.PostAsync("/insert-functions", new { functions = new object[] { Prompt("fresh", "new"), Prompt("kept", "again", ifExists: "error") } }))
            .AssertError(HttpStatusCode.BadRequest, "functions[1].slug");
        (await api.PostAsync("/insert-functions", new { functions = new object[] { Prompt("twice", "1"), Prompt("fresh", "new"), Prompt("twice", "2", ifExists: "error") } }))
            .AssertError(HttpStatusCode.BadRequest, "functions[2].slug: 'twice' is also functions[0]");
        (await api.PostAsync("/insert-functions", new { functions = new object[] { Prompt("fresh", "new"), Prompt("other", "x") } }))
            .AssertOk();

        var prompts = (await api.GetAsync($"/v1/prompt?project_id={project}")).AssertOk().Objects.ToDictionary(p => (string)p["slug"]!);
        Assert.Equal(["fresh", "kept", "other"], prompts.Keys.Order());
        Assert.Equal("before", (string)prompts["kept"]["prompt_data"]!["prompt"]!["messages"]![0]!["content"]!);
        Assert.Empty((await api.GetAsync($"/v1/function?project_id={project}&slug=scorer")).AssertOk().Objects);
    }

    [Fact]
    public async Task SandboxList_UnderTheLoginsProxyUrl_Is400NamingTheProvider()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        // registerSandbox() joins the proxy base the login answer gave and "function/sandbox-list".
        var proxyUrl = new Uri((string)(await api.PostAsync("/api/apikey/login", new { })).AssertOk().Json["org_info"]![0]!["proxy_url"]!);
        var path = proxyUrl.AbsolutePath.TrimEnd('/') + "/function/sandbox-list";
        var body = JsonSerializer.Serialize(new
        {
            sandbox_spec = new { provider = "modal", snapshot_ref = "im-123" },
            runtime_context = new { runtime = "node", version = "22.0.0" },
            entrypoints = new[] { "evals/math.eval.ts" },
            project_id = project,
        });

        (await api.SendAsync(HttpMethod.Post, path, body, new Dictionary<string, string> { ["x-bt-org-name"] = api.OrgName }))
            .AssertError(HttpStatusCode.BadRequest, "sandbox_spec.provider: 'modal'");
        (await api.PostAsync(path, new { sandbox_spec = new { } })).AssertError(HttpStatusCode.BadRequest, "provider");
        (await api.PostAsync(path, new { })).AssertError(HttpStatusCode.BadRequest, "sandbox_spec");
        (await app.Anonymous().SendAsync(HttpMethod.Post, path, body)).AssertStatus(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task DatasetSnapshotRegister_TakesTheSdkBody_AndAnswersDatasetSnapshotAndFoundExisting()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("dataset");
        var datasetId = log.Split('/')[1];
        await api.InsertAsync(log, new { input = 1 });
        var xact = (await api.GetAsync("/xact-id")).AssertOk().Body;

        // What dataset.createSnapshot() posts; `description` and `update` are left out when undefined.
        var created = (await api.PostAsync("/api/dataset_snapshot/register", new { dataset_id = datasetId, dataset_snapshot_name = "v1", xact_id = xact })).AssertOk().Object;
        Assert.False((bool)created["found_existing"]!);
        var snapshot = created["dataset_snapshot"]!.AsObject();
        AssertSnapshotShape(snapshot);
        Assert.Equal(datasetId, (string)snapshot["dataset_id"]!);
        Assert.Equal("v1", (string)snapshot["name"]!);
        Assert.Equal(xact, (string)snapshot["xact_id"]!);
        Assert.Null(snapshot["description"]);

        await api.InsertAsync(log, new { input = 2 });
        var later = (await api.GetAsync("/xact-id")).AssertOk().Body;
        var kept = (await api.PostAsync("/api/dataset_snapshot/register", new { dataset_id = datasetId, dataset_snapshot_name = "v1", xact_id = later })).AssertOk().Object;
        Assert.True((bool)kept["found_existing"]!);
        Assert.Equal((string)snapshot["id"]!, (string)kept["dataset_snapshot"]!["id"]!);
        Assert.Equal(xact, (string)kept["dataset_snapshot"]!["xact_id"]!);

        var moved = (await api.PostAsync("/api/dataset_snapshot/register",
            new { dataset_id = datasetId, dataset_snapshot_name = "v1", xact_id = later, description = "moved", update = true })).AssertOk().Object;
        Assert.True((bool)moved["found_existing"]!);
        Assert.Equal((string)snapshot["id"]!, (string)moved["dataset_snapshot"]!["id"]!);
        Assert.Equal(later, (string)moved["dataset_snapshot"]!["xact_id"]!);
        Assert.Equal("moved", (string)moved["dataset_snapshot"]!["description"]!);

        (await api.PostAsync("/api/dataset_snapshot/register", new { dataset_id = datasetId, dataset_snapshot_name = "v2" })).AssertError(HttpStatusCode.BadRequest, "xact_id");
        (await api.PostAsync("/api/dataset_snapshot/register", new { dataset_id = datasetId, xact_id = xact })).AssertError(HttpStatusCode.BadRequest, "dataset_snapshot_name");
        (await api.PostAsync("/api/dataset_snapshot/register", new { dataset_id = datasetId, dataset_snapshot_name = "v2", xact_id = xact, update = "yes" }))
            .AssertError(HttpStatusCode.BadRequest, "update");
        (await (await app.NewTenantAsync()).PostAsync("/api/dataset_snapshot/register", new { dataset_id = datasetId, dataset_snapshot_name = "x", xact_id = xact }))
            .AssertError(HttpStatusCode.BadRequest, "dataset_id");
    }

    [Fact]
    public async Task DatasetSnapshotGetPatchDelete_AnswerWhatTheSdkParses()
    {
        var api = await app.NewTenantAsync();
        var datasetId = (await api.CreateLogAsync("dataset")).Split('/')[1];
        var otherDataset = (await api.CreateLogAsync("dataset")).Split('/')[1];
        var xact = (await api.GetAsync("/xact-id")).AssertOk().Body;
        async Task<string> RegisterAsync(string dataset, string name, string version) =>
            (string)(await api.PostAsync("/api/dataset_snapshot/register", new { dataset_id = dataset, dataset_snapshot_name = name, xact_id = version, description = "d" }))
                .AssertOk().Json["dataset_snapshot"]!["id"]!;
        var first = await RegisterAsync(datasetId, "first", xact);
        var second = await RegisterAsync(datasetId, "second", "1");
        await RegisterAsync(otherDataset, "first", xact);

        // listSnapshots(), getSnapshot({snapshotName}) and getSnapshot({xactId}): arrays of DatasetSnapshot.
        var all = (await api.PostAsync("/api/dataset_snapshot/get", new { dataset_id = datasetId })).AssertOk().Json.AsArray();
        Assert.Equal([second, first], all.Select(s => (string)s!["id"]!));
        foreach (var s in all)
        {
            AssertSnapshotShape(s!.AsObject());
        }

        Assert.Equal([first], (await api.PostAsync("/api/dataset_snapshot/get", new { dataset_id = datasetId, name = "first" })).AssertOk().Json.AsArray().Select(s => (string)s!["id"]!));
        Assert.Equal([second], (await api.PostAsync("/api/dataset_snapshot/get", new { dataset_id = datasetId, xact_id = "1" })).AssertOk().Json.AsArray().Select(s => (string)s!["id"]!));
        Assert.Equal([first], (await api.PostAsync("/api/dataset_snapshot/get", new { id = first })).AssertOk().Json.AsArray().Select(s => (string)s!["id"]!));
        Assert.Empty((await api.PostAsync("/api/dataset_snapshot/get", new { dataset_id = datasetId, name = "none" })).AssertOk().Json.AsArray());
        Assert.Empty((await (await app.NewTenantAsync()).PostAsync("/api/dataset_snapshot/get", new { dataset_id = datasetId })).AssertOk().Json.AsArray());

        // updateSnapshot(id, {name, description: null}): a rename, and a null description clears it.
        var renamed = (await api.PostAsync("/api/dataset_snapshot/patch_id", new { id = first, name = "renamed", description = (string?)null })).AssertOk().Object;
        AssertSnapshotShape(renamed);
        Assert.Equal("renamed", (string)renamed["name"]!);
        Assert.Null(renamed["description"]);
        Assert.Equal(xact, (string)renamed["xact_id"]!);
        var described = (await api.PostAsync("/api/dataset_snapshot/patch_id", new { id = first, name = (string?)null, description = "again" })).AssertOk().Object;
        Assert.Equal(("renamed", "again"), ((string)described["name"]!, (string)described["description"]!));
        (await api.PostAsync("/api/dataset_snapshot/patch_id", new { id = first, name = "second" })).AssertError(HttpStatusCode.BadRequest, "name");

        // deleteSnapshot(id): the deleted snapshot.
        var deleted = (await api.PostAsync("/api/dataset_snapshot/delete_id", new { id = first })).AssertOk().Object;
        AssertSnapshotShape(deleted);
        Assert.Equal(first, (string)deleted["id"]!);
        Assert.Equal([second], (await api.PostAsync("/api/dataset_snapshot/get", new { dataset_id = datasetId })).AssertOk().Json.AsArray().Select(s => (string)s!["id"]!));

        (await api.PostAsync("/api/dataset_snapshot/get", new { })).AssertError(HttpStatusCode.BadRequest, "dataset_id");
        (await api.PostAsync("/api/dataset_snapshot/get", new { dataset_id = "x" })).AssertError(HttpStatusCode.BadRequest, "dataset_id");
        (await api.PostAsync("/api/dataset_snapshot/patch_id", new { id = Guid.NewGuid(), name = "x" })).AssertStatus(HttpStatusCode.NotFound);
        (await api.PostAsync("/api/dataset_snapshot/delete_id", new { id = first })).AssertStatus(HttpStatusCode.NotFound);
        (await api.PostAsync("/api/dataset_snapshot/delete_id", new { })).AssertError(HttpStatusCode.BadRequest, "id");
    }

    // The SDK's zod DatasetSnapshot: these six keys, description and created present even when null.
    private static void AssertSnapshotShape(JsonObject snapshot)
    {
        foreach (var key in new[] { "id", "dataset_id", "name", "description", "xact_id", "created" })
        {
            Assert.True(snapshot.ContainsKey(key), $"snapshot without '{key}': {snapshot.ToJsonString()}");
        }

        Assert.True(Guid.TryParse((string)snapshot["id"]!, out _));
        Assert.Equal(JsonValueKind.String, snapshot["xact_id"]!.GetValueKind());
    }
}
