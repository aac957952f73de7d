using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Server.Blobs;
using Braid.Server.Tests.Infrastructure;
using Braid.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Sdk;

/// <summary><c>GET /version</c> and <c>POST /logs3</c> with the rows the SDK sends (sdk-protocol §4), read back through the REST fetch.</summary>
public sealed class Logs3Tests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task Version_AdvertisesThePayloadLimit()
    {
        var api = await app.NewTenantAsync();
        var version = (await api.GetAsync("/version")).AssertOk().Json;
        Assert.True((long)version["logs3_payload_max_bytes"]! > 1_000_000);
    }

    [Fact]
    public async Task SpanRows_FirstWriteThenMerge_ReadBackAsOneRowPerSpan()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        const string root = "dfc94126022589252daa978263f0b6a1";

        // The first log() flushes the root's first write alone; its merge and a whole child follow (sdk-protocol §4).
        var first = await Logs3Async(api,
            new { id = "63f15560a1fd37e9", span_id = "9e694ac414bc6f95", root_span_id = root, metrics = new { start = 1795920704.964 },
                  span_attributes = new { name = "root-span", type = "task", exec_counter = 0 }, created = "2026-11-29T02:51:44.964Z",
                  _is_merge = false, project_id = project, log_id = "g" });
        Assert.Equal("63f15560a1fd37e9", (string)first["row_ids"]![0]!);
        await Logs3Async(api,
            new { id = "63f15560a1fd37e9", input = new { question = "2+2" }, metadata = new { level = 1 }, _is_merge = true, project_id = project, log_id = "g",
                  output = new { answer = 4 }, scores = new { root_score = 1 }, metrics = new { tokens = 42, end = 1795920705.011 }, tags = new[] { "demo" },
                  span_id = "9e694ac414bc6f95", root_span_id = root },
            new { id = "33ddfe7db84d0a23", metrics = new { start = 1795920704.97, end = 1795920705.01 }, span_attributes = new { name = "child", type = "function" },
                  project_id = project, log_id = "g", input = new { step = "plan" }, created = "2026-11-29T02:51:44.970Z",
                  span_id = "99aa94b1ca354cc1", root_span_id = root, span_parents = new[] { "9e694ac414bc6f95" } });

        var rows = (await api.FetchAllAsync($"project_logs/{project}")).ToDictionary(r => (string)r["id"]!);
        Assert.Equal(2, rows.Count);
        var rootRow = rows["63f15560a1fd37e9"];
        Assert.Equal(4, (int)rootRow["output"]!["answer"]!);
        Assert.Equal("root-span", (string)rootRow["span_attributes"]!["name"]!);
        Assert.Equal(1795920704.964, (double)rootRow["metrics"]!["start"]!);
        Assert.Equal(1795920705.011, (double)rootRow["metrics"]!["end"]!);
        Assert.Equal(42, (int)rootRow["metrics"]!["tokens"]!);
        Assert.Equal("9e694ac414bc6f95", (string)rootRow["span_id"]!);
        Assert.Equal(root, (string)rootRow["root_span_id"]!);
        Assert.True((bool)rootRow["is_root"]!);
        Assert.Equal("g", (string)rootRow["log_id"]!);
        var child = rows["33ddfe7db84d0a23"];
        Assert.False((bool)child["is_root"]!);
        Assert.Equal("9e694ac414bc6f95", (string)child["span_parents"]![0]!);
    }

    [Fact]
    public async Task OneBatch_RoutesRowsToExperimentsDatasetsAndLogs_WithDatasetUpdatesAndDeletes()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var experiment = (string)(await api.CreateExperimentAsync(project))["id"]!;
        var dataset = (await api.PostAsync("/v1/dataset", new { project_id = project, name = "d" })).AssertOk().Id;
        var kept = Guid.NewGuid().ToString();
        var gone = Guid.NewGuid().ToString();

        await Logs3Async(api,
            new { id = "e1", experiment_id = experiment, input = 1, output = 2, scores = new { acc = 0.5 }, span_attributes = new { name = "root", type = "eval" } },
            new { id = kept, dataset_id = dataset, input = "q", expected = "a", metadata = new { a = 1, b = new { c = 2 } }, created = "2026-11-29T02:51:44.964Z" },
            new { id = gone, dataset_id = dataset, input = "x", expected = "y", created = "2026-11-29T02:51:44.964Z" },
            new { id = "l1", project_id = project, log_id = "g", input = "hi" });
        await Logs3Async(api,
            new { id = kept, dataset_id = dataset, metadata = new { b = new { d = 3 } }, _is_merge = true },
            new { id = gone, dataset_id = dataset, created = "2026-11-29T02:51:45.000Z", _object_delete = true });

        var experimentRow = Assert.Single(await api.FetchAllAsync($"experiment/{experiment}"));
        Assert.Equal(0.5, (double)experimentRow["scores"]!["acc"]!);
        Assert.Equal(experiment, (string)experimentRow["experiment_id"]!);
        Assert.Equal("hi", (string)Assert.Single(await api.FetchAllAsync($"project_logs/{project}"))["input"]!);
        var datasetRow = Assert.Single(await api.FetchAllAsync($"dataset/{dataset}"));
        Assert.Equal(kept, (string)datasetRow["id"]!);
        Assert.Equal("a", (string)datasetRow["expected"]!);
        Assert.Equal(1, (int)datasetRow["metadata"]!["a"]!);
        Assert.Equal(2, (int)datasetRow["metadata"]!["b"]!["c"]!);
        Assert.Equal(3, (int)datasetRow["metadata"]!["b"]!["d"]!);
        Assert.Equal(kept, (string)datasetRow["span_id"]!);
        Assert.NotNull((string?)datasetRow["root_span_id"]);
    }

    [Fact]
    public async Task BodyAsAJsonString_IsUnwrapped()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var batch = JsonSerializer.Serialize(new { rows = new[] { new { id = "s1", project_id = project, log_id = "g", input = "x" } }, api_version = 2 });
        (await api.SendAsync(HttpMethod.Post, "/logs3", JsonSerializer.Serialize(batch))).AssertOk();
        Assert.Equal("x", (string)Assert.Single(await api.FetchAllAsync($"project_logs/{project}"))["input"]!);
    }

    [Fact]
    public async Task LogFeedback_MergesScoresWithAnAuditTrail_AndCommentRowsBecomeComments()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var experiment = (string)(await api.CreateExperimentAsync(project))["id"]!;
        await Logs3Async(api, new { id = "r1", experiment_id = experiment, input = "q", output = "a", scores = new { acc = 0.0 } });

        // logFeedback({id, scores, comment, metadata, source}) as the SDK sends it: a merge row and a separate comment row.
        var feedback = new object[]
        {
            new { id = "r1", scores = new { acc = 1.0, human = 0.5 }, experiment_id = experiment, _audit_source = "app", _audit_metadata = new { by = "ann" }, _is_merge = true },
            new { id = Guid.NewGuid().ToString(), created = "2026-11-29T02:51:44.964Z", origin = new { id = "r1" }, comment = new { text = "looks right" },
                  experiment_id = experiment, _audit_source = "app", _audit_metadata = new { by = "ann" } },
        };
        await Logs3Async(api, feedback);
        // The SDK retries a batch it could not read an answer to: the retry changes nothing.
        await Logs3Async(api, feedback);

        var row = Assert.Single(await api.FetchAllAsync($"experiment/{experiment}"));
        Assert.Equal(1.0, (double)row["scores"]!["acc"]!);
        Assert.Equal(0.5, (double)row["scores"]!["human"]!);
        Assert.Equal("a", (string)row["output"]!);
        var comment = Assert.Single(row["comments"]!.AsArray())!;
        Assert.Equal("looks right", (string)comment["comment"]!["text"]!);
        Assert.Equal(2, row["audit_data"]!.AsArray().Count);
        Assert.Equal("app", (string)row["audit_data"]![0]!["source"]!);
        Assert.False(row.ContainsKey("_audit_source"));
    }

    [Fact]
    public async Task OverflowReference_ReadsTheUploadedBatch_OfTheCallersOrganizationOnly()
    {
        var api = await app.NewTenantAsync();
        var other = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var payload = JsonSerializer.Serialize(new { rows = new[] { new { id = "big", project_id = project, log_id = "g", input = new string('x', 200_000) } }, api_version = 2 });
        var overflow = (await api.PostAsync("/logs3/overflow", new { content_type = "application/json", size_bytes = payload.Length })).AssertOk().Json;
        using var anonymous = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PutAsync((string)overflow["signedUrl"]!, new StringContent(payload, Encoding.UTF8, "application/json"))).StatusCode);

        var reference = new { rows = new { type = "logs3_overflow", key = (string)overflow["key"]! }, api_version = 2 };
        (await other.PostAsync("/logs3", reference)).AssertError(HttpStatusCode.BadRequest, "rows.key");
        (await api.PostAsync("/logs3", reference)).AssertOk();
        Assert.Equal(200_000, ((string)Assert.Single(await api.FetchAllAsync($"project_logs/{project}"))["input"]!).Length);

        // Once its rows are committed the upload is deleted: the reference names nothing any more.
        Assert.False(app.Services.GetRequiredService<BlobStore>().Exists(BlobsApi.OverflowBlob(api.OrgId, (string)overflow["key"]!)));
        (await api.PostAsync("/logs3", reference)).AssertError(HttpStatusCode.BadRequest, "no uploaded payload");

        (await api.PostAsync("/logs3", new { rows = new { type = "other", key = "k" } })).AssertError(HttpStatusCode.BadRequest, "rows.type");
        (await api.PostAsync("/logs3", new { rows = new { type = "logs3_overflow", key = "../x" } })).AssertError(HttpStatusCode.BadRequest, "rows.key");
        (await api.PostAsync("/logs3", new { rows = new { type = "logs3_overflow", key = Guid.NewGuid().ToString() } })).AssertError(HttpStatusCode.BadRequest, "rows.key");
    }

    [Fact]
    public async Task BadBatches_Are4xxNamingTheRow_AndWriteNothing()
    {
        var api = await app.NewTenantAsync();
        var other = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var theirs = (string)(await other.CreateExperimentAsync((string)(await other.CreateProjectAsync())["id"]!))["id"]!;
        var good = new { id = "ok", project_id = project, log_id = "g", input = 1 };

        (await api.PostAsync("/logs3", new { api_version = 2 })).AssertError(HttpStatusCode.BadRequest, "rows");
        (await api.PostAsync("/logs3", "[]")).AssertStatus(HttpStatusCode.BadRequest);
        (await api.SendAsync(HttpMethod.Post, "/logs3", "{not json")).AssertStatus(HttpStatusCode.BadRequest);
        (await api.PostAsync("/logs3", new { rows = new object[] { good, new { id = "x", input = 1 } } })).AssertError(HttpStatusCode.BadRequest, "rows[1]");
        (await api.PostAsync("/logs3", new { rows = new object[] { good, new { id = "x", experiment_id = theirs } } })).AssertStatus(HttpStatusCode.NotFound);
        (await api.PostAsync("/logs3", new { rows = new object[] { good, new { id = "x", experiment_id = "nope" } } })).AssertError(HttpStatusCode.BadRequest, "rows[1].experiment_id");
        (await api.PostAsync("/logs3", new { rows = new object[] { good, new { id = "x", experiment_id = 5 } } })).AssertError(HttpStatusCode.BadRequest, "rows[1].experiment_id");
        (await api.PostAsync("/logs3", new { rows = new object[] { good, new { id = "x", project_id = project, log_id = "p" } } })).AssertError(HttpStatusCode.BadRequest, "rows[1].log_id");
        (await api.PostAsync("/logs3", new { rows = new object[] { good, new { id = "x", prompt_session_id = Guid.NewGuid(), log_id = "x" } } })).AssertError(HttpStatusCode.BadRequest, "prompt_session_id");
        (await api.PostAsync("/logs3", new { rows = new object[] { good, new { id = "x", project_id = project, log_id = "g", scores = new { s = 2 } } } })).AssertError(HttpStatusCode.BadRequest, "rows[1].scores.s");
        (await api.PostAsync("/logs3", new { rows = new object[] { good, new { id = "x", project_id = project, log_id = "g", _audit_source = "robot", scores = new { s = 1 }, _is_merge = true } } }))
            .AssertError(HttpStatusCode.BadRequest, "rows[1].source");
        (await app.Anonymous().PostAsync("/logs3", new { rows = new[] { good } })).AssertStatus(HttpStatusCode.Unauthorized);

        Assert.Empty(await api.FetchAllAsync($"project_logs/{project}"));
        Assert.Empty(await other.FetchAllAsync($"experiment/{theirs}"));
    }

    private static async Task<JsonObject> Logs3Async(ApiClient api, params object[] rows)
    {
        // The SDK's own framing: rows joined into {"rows": [...], "api_version": 2} as a string.
        var body = $"{{\"rows\": [{string.Join(",", rows.Select(r => JsonSerializer.Serialize(r)))}], \"api_version\": 2}}";
        return (await api.SendAsync(HttpMethod.Post, "/logs3", body)).AssertOk().Object;
    }
}
