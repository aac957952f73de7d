using System.Net;
using System.Text.Json;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Sdk;

/// <summary>
/// Calls and shapes only the Python SDK (braintrust-sdk-python, <c>logger.py</c>) uses, which the TypeScript SDK's
/// suite does not reach. The Python SDK builds dataclasses from some answers with <c>**fields</c>, so a key it does not
/// know breaks it as surely as a missing one: those answers are checked key for key.
/// </summary>
public sealed class PythonSdkTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task ExperimentSummarize_ScoreAndMetricItems_HaveExactlyTheFieldsOfPythonsSummaries()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var baseline = (string)(await api.CreateExperimentAsync(project, new { name = "base" }))["id"]!;
        var current = (string)(await api.CreateExperimentAsync(project, new { name = "current", base_exp_id = baseline }))["id"]!;
        await api.InsertAsync($"experiment/{baseline}", new { input = "q", scores = new { acc = 0.5 }, metrics = new { start = 1.0, end = 2.0 } });
        await api.InsertAsync($"experiment/{current}", new { input = "q", scores = new { acc = 1.0 }, metrics = new { start = 1.0, end = 1.5 } });

        // experiment.summarize(): ScoreSummary(**item) and MetricSummary(**item), with improvements and regressions required.
        var summary = (await api.GetAsync($"/v1/experiment/{current}/summarize?summarize_scores=true")).AssertOk().Object;
        Assert.Equal("base", (string)summary["comparison_experiment_name"]!);
        string[] scoreFields = ["name", "score", "improvements", "regressions", "diff"];
        string[] metricFields = ["name", "metric", "unit", "improvements", "regressions", "diff"];
        foreach (var (_, item) in summary["scores"]!.AsObject())
        {
            Assert.Equal(scoreFields.Order(), item!.AsObject().Select(p => p.Key).Order());
        }

        Assert.NotEmpty(summary["metrics"]!.AsObject());
        foreach (var (_, item) in summary["metrics"]!.AsObject())
        {
            Assert.Equal(metricFields.Order(), item!.AsObject().Select(p => p.Key).Order());
        }

        // With the comparison named explicitly, as summarize(comparison_experiment_id=...) sends it.
        (await api.GetAsync($"/v1/experiment/{current}/summarize?summarize_scores=true&comparison_experiment_id={baseline}")).AssertOk();
    }

    [Fact]
    public async Task DatasetSummarize_DataSummary_IsJustTotalRecords()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("dataset");
        await api.InsertAsync(log, new { input = 1 }, new { input = 2 });

        // dataset.summarize(): DataSummary(new_records=..., **data_summary).
        var summary = (await api.GetAsync($"/v1/{log}/summarize?summarize_data=true")).AssertOk().Object;
        var data = summary["data_summary"]!.AsObject();
        Assert.Equal(["total_records"], data.Select(p => p.Key));
        Assert.Equal(2, (int)data["total_records"]!);
    }

    [Fact]
    public async Task ObjectFetcherBtql_TakesANullCursorAQuerySourceAndAPinnedVersion()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("dataset");
        var datasetId = log.Split('/')[1];
        await api.InsertAsync(log, new { id = "a", input = 1 });
        var version = (await api.GetAsync("/xact-id")).AssertOk().Body;
        await api.InsertAsync(log, new { id = "b", input = 2 });

        // ObjectFetcher._refetch with _internal_btql: the first page sends "cursor": null inside the query.
        object Body(string? pinned) => new Dictionary<string, object?>
        {
            ["query"] = new Dictionary<string, object?>
            {
                ["select"] = new[] { new { op = "star" } },
                ["from"] = new { op = "function", name = new { op = "ident", name = new[] { "dataset" } }, args = new[] { new { op = "literal", value = datasetId } } },
                ["cursor"] = null,
                ["limit"] = 1000,
            },
            ["use_columnstore"] = false,
            ["brainstore_realtime"] = true,
            ["query_source"] = "py_sdk_object_fetcher_dataset",
            ["version"] = pinned,
        };
        var all = (await api.PostAsync("/btql", Body(null))).AssertOk().Json["data"]!.AsArray();
        Assert.Equal(["a", "b"], all.Select(r => (string)r!["id"]!).Order());
        var pinned = (await api.PostAsync("/btql", Body(version))).AssertOk().Json["data"]!.AsArray();
        Assert.Equal("a", (string)Assert.Single(pinned)!["id"]!);
    }

    [Fact]
    public async Task DatasetFetch_WithVersion_AsPythonsDatasetReadsIt()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("dataset");
        await api.InsertAsync(log, new { id = "a", input = 1 });
        var version = (await api.GetAsync("/xact-id")).AssertOk().Body;
        await api.InsertAsync(log, new { id = "b", input = 2 });

        // Dataset._refetch: POST /v1/dataset/{id}/fetch {limit, version}, reading events and cursor.
        var page = (await api.PostAsync($"/v1/{log}/fetch", new { limit = 1000, version })).AssertOk().Json;
        Assert.Equal("a", (string)Assert.Single(page["events"]!.AsArray())!["id"]!);
    }

    [Fact]
    public async Task InitExperiment_ThroughTheRestApi_WithThePythonBody()
    {
        var api = await app.NewTenantAsync();
        var name = ApiClient.Unique("py-project");
        // _compute_logger_metadata / init(): POST /v1/project {name, org_name}, then POST /v1/experiment.
        var project = (await api.PostAsync("/v1/project", new { name, org_name = api.OrgName })).AssertOk().Object;
        var projectId = (string)project["id"]!;
        var body = new
        {
            project_id = projectId, ensure_new = true, name = "run", repo_info = new { commit = "abc123", branch = "main" },
            ancestor_commits = new[] { "abc123", "def456" }, @public = false, metadata = new { k = 1 }, tags = new[] { "t" },
        };
        var first = (await api.PostAsync("/v1/experiment", body)).AssertOk().Object;
        var second = (await api.PostAsync("/v1/experiment", body)).AssertOk().Object;
        Assert.NotEqual((string)first["id"]!, (string)second["id"]!);
        Assert.Equal("abc123", (string)first["commit"]!);

        // init(open=True): GET /v1/experiment?experiment_name&project_name&org_name, reading objects[0].
        var found = (await api.GetAsync($"/v1/experiment?experiment_name=run&project_name={name}&org_name={api.OrgName}")).AssertOk().Objects;
        Assert.Equal((string)first["id"]!, (string)Assert.Single(found)["id"]!);
        Assert.Equal(projectId, (string)found[0]["project_id"]!);
    }

    [Fact]
    public async Task Logs3OverflowReference_WithSizeBytes_AsPythonSendsIt()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var payload = JsonSerializer.Serialize(new { rows = new[] { new { id = "py", project_id = project, log_id = "g", input = "x" } }, api_version = 2 });
        // The Python logger's overflow request also says has_comment per row; its reference carries size_bytes.
        var overflow = (await api.PostAsync("/logs3/overflow", new
        {
            content_type = "application/json", size_bytes = payload.Length,
            rows = new[] { new { object_ids = new { project_id = project, log_id = "g" }, has_comment = false, is_delete = false, input_row = new { byte_size = payload.Length } } },
        })).AssertOk().Json;
        using var anonymous = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PutAsync((string)overflow["signedUrl"]!, new StringContent(payload))).StatusCode);
        (await api.PostAsync("/logs3", new { rows = new { type = "logs3_overflow", key = (string)overflow["key"]!, size_bytes = payload.Length }, api_version = 2 })).AssertOk();
        Assert.Equal("py", (string)Assert.Single(await api.FetchAllAsync($"project_logs/{project}"))["id"]!);
    }
}
