using System.Net;
using System.Text.Json.Nodes;
using Braid.Server.Events;
using Braid.Server.Tests.Infrastructure;
using Braid.Storage;
using Braid.Storage.Events;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Events;

public sealed class SummarizeTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task Experiment_AveragesScoresAcrossTracesIncludingChildSpans_AndComparesWithTheBase()
    {
        var api = await app.NewTenantAsync();
        var project = await api.CreateProjectAsync("summary-project");
        var projectId = (string)project["id"]!;
        var baseline = (string)(await api.CreateExperimentAsync(projectId, new { name = "baseline" }))["id"]!;
        var candidate = (string)(await api.CreateExperimentAsync(projectId, new { name = "candidate", base_exp_id = baseline }))["id"]!;

        // Baseline: q1 scores 0.5, q2 scores 1.0. Candidate: q1 scores 1.0 (better), q2 0.0 (worse), q3 new.
        await Trace(api, baseline, "b1", "q1", 0.5, tokens: 10, duration: 1);
        await Trace(api, baseline, "b2", "q2", 1.0, tokens: 20, duration: 3);
        await Trace(api, candidate, "c1", "q1", 1.0, tokens: 5, duration: 1);
        await Trace(api, candidate, "c2", "q2", 0.0, tokens: 30, duration: 1);
        await Trace(api, candidate, "c3", "q3", 0.5, tokens: 10, duration: 4);

        var summary = (await api.GetAsync($"/v1/experiment/{candidate}/summarize?summarize_scores=true")).AssertOk().Json;
        Assert.Equal("summary-project", (string)summary["project_name"]!);
        Assert.Equal("candidate", (string)summary["experiment_name"]!);
        Assert.Equal("baseline", (string)summary["comparison_experiment_name"]!);
        Assert.EndsWith("/experiments/candidate", (string)summary["experiment_url"]!, StringComparison.Ordinal);
        Assert.StartsWith("http://localhost/app/", (string)summary["project_url"]!, StringComparison.Ordinal);

        var accuracy = summary["scores"]!["accuracy"]!;
        Assert.Equal(0.5, (double)accuracy["score"]!, 6);
        Assert.Equal(0.5 - 0.75, (double)accuracy["diff"]!, 6);
        Assert.Equal(1, (int)accuracy["improvements"]!);
        Assert.Equal(1, (int)accuracy["regressions"]!);

        // The child span's score is averaged into its trace: each trace has a 'judge' score of 1 on a child.
        Assert.Equal(1.0, (double)summary["scores"]!["judge"]!["score"]!, 6);

        var tokens = summary["metrics"]!["tokens"]!;
        Assert.Equal((5 + 30 + 10 + 3 * 7) / 3.0, (double)tokens["metric"]!, 6);
        Assert.Equal("tok", (string)tokens["unit"]!);
        var duration = summary["metrics"]!["duration"]!;
        Assert.Equal(2.0, (double)duration["metric"]!, 6);
        Assert.Equal("s", (string)duration["unit"]!);
        Assert.Equal(1, (int)duration["improvements"]!);
        Assert.Equal(0, (int)duration["regressions"]!);
    }

    [Fact]
    public async Task Experiment_WithoutSummarizeScores_ReturnsOnlyNames_AndExplicitComparisonWins()
    {
        var api = await app.NewTenantAsync();
        var projectId = (string)(await api.CreateProjectAsync())["id"]!;
        var a = (string)(await api.CreateExperimentAsync(projectId, new { name = "a" }))["id"]!;
        var b = (string)(await api.CreateExperimentAsync(projectId, new { name = "b" }))["id"]!;
        var c = (string)(await api.CreateExperimentAsync(projectId, new { name = "c" }))["id"]!;
        await Trace(api, c, "c1", "q", 1, tokens: 1, duration: 1);

        var plain = (await api.GetAsync($"/v1/experiment/{c}/summarize")).AssertOk().Json;
        Assert.Null(plain["scores"]);
        Assert.Equal("c", (string)plain["experiment_name"]!);

        var latest = (await api.GetAsync($"/v1/experiment/{c}/summarize?summarize_scores=true")).AssertOk().Json;
        Assert.Equal("b", (string)latest["comparison_experiment_name"]!);
        var chosen = (await api.GetAsync($"/v1/experiment/{c}/summarize?summarize_scores=true&comparison_experiment_id={a}")).AssertOk().Json;
        Assert.Equal("a", (string)chosen["comparison_experiment_name"]!);
        Assert.Null(chosen["scores"]!["accuracy"]!["diff"]);
        Assert.NotNull(b);

        (await api.GetAsync($"/v1/experiment/{c}/summarize?summarize_scores=maybe")).AssertError(HttpStatusCode.BadRequest, "summarize_scores");
        (await api.GetAsync($"/v1/experiment/{c}/summarize?summarize_scores=true&comparison_experiment_id={Guid.NewGuid()}")).AssertStatus(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Experiment_MatchesOnTheProjectsComparisonKey()
    {
        var api = await app.NewTenantAsync();
        var projectId = (string)(await api.CreateProjectAsync())["id"]!;
        (await api.PatchAsync($"/v1/project/{projectId}", new { settings = new { comparison_key = "metadata.case" } })).AssertOk();
        var baseline = (string)(await api.CreateExperimentAsync(projectId, new { name = "base" }))["id"]!;
        var candidate = (string)(await api.CreateExperimentAsync(projectId, new { name = "cand", base_exp_id = baseline }))["id"]!;
        await api.InsertAsync($"experiment/{baseline}", new { id = "b", input = "worded one way", metadata = new { @case = 7 }, scores = new { s = 0 } });
        await api.InsertAsync($"experiment/{candidate}", new { id = "c", input = "worded another way", metadata = new { @case = 7 }, scores = new { s = 1 } });

        var s = (await api.GetAsync($"/v1/experiment/{candidate}/summarize?summarize_scores=true")).AssertOk().Json["scores"]!["s"]!;
        Assert.Equal(1, (int)s["improvements"]!);
    }

    [Fact]
    public async Task Experiment_KeptSummary_FollowsMergesReplacesDeletesPurgesAndTheComparisonKey()
    {
        var api = await app.NewTenantAsync();
        var projectId = (string)(await api.CreateProjectAsync())["id"]!;
        var baseline = (string)(await api.CreateExperimentAsync(projectId, new { name = "base" }))["id"]!;
        var candidate = (string)(await api.CreateExperimentAsync(projectId, new { name = "cand", base_exp_id = baseline }))["id"]!;
        await Trace(api, baseline, "b1", "q1", 0.5, tokens: 10, duration: 1);
        await Trace(api, baseline, "b2", "q2", 1.0, tokens: 20, duration: 3);
        await Trace(api, candidate, "c1", "q1", 1.0, tokens: 5, duration: 1);
        await Trace(api, candidate, "c2", "q2", 0.0, tokens: 30, duration: 1);
        var database = app.Services.GetRequiredService<Database>();

        // Each answer is checked against one computed with nothing kept.
        async Task<JsonNode> Both()
        {
            var kept = (await api.GetAsync($"/v1/experiment/{candidate}/summarize?summarize_scores=true")).AssertOk().Json;
            await using (var connection = await database.OpenAsync())
            {
                await connection.ExecuteAsync("DELETE FROM trace_summaries WHERE object_id IN (@baseline, @candidate)", new { baseline, candidate });
            }

            var fresh = (await api.GetAsync($"/v1/experiment/{candidate}/summarize?summarize_scores=true")).AssertOk().Json;
            Assert.Equal(fresh.ToJsonString(), kept.ToJsonString());
            return kept;
        }

        Assert.Equal(0.5, (double)(await Both())["scores"]!["accuracy"]!["score"]!, 6);

        await api.InsertAsync($"experiment/{candidate}", new { id = "c2", _is_merge = true, scores = new { accuracy = 1.0 } });
        Assert.Equal(1.0, (double)(await Both())["scores"]!["accuracy"]!["score"]!, 6);

        await api.InsertAsync($"experiment/{baseline}", new { id = "b1", input = "q1", scores = new { accuracy = 1.0 } });
        Assert.Equal(0, (int)(await Both())["scores"]!["accuracy"]!["improvements"]!);

        await api.InsertAsync($"experiment/{candidate}", new { id = "c1-judge", _object_delete = true });
        Assert.Equal(1, (int)(await Both())["scores"]!["judge"]!["score"]!);
        await api.InsertAsync($"experiment/{candidate}", new { id = "c2-judge", _object_delete = true });
        Assert.Null((await Both())["scores"]!["judge"]);

        await Trace(api, candidate, "c3", "q3", 0.25, tokens: 1, duration: 1);
        await Trace(api, baseline, "b3", "q3", 0.5, tokens: 1, duration: 1);
        Assert.Equal(1, (int)(await Both())["scores"]!["accuracy"]!["regressions"]!);
        (await api.PatchAsync($"/v1/project/{projectId}", new { settings = new { comparison_key = "metadata.nothing" } })).AssertOk();
        Assert.Equal(0, (int)(await Both())["scores"]!["accuracy"]!["regressions"]!);

        // Retention removes a whole trace (c1, c2 or c3) without a new version.
        Assert.Equal(0.75, (double)(await Both())["scores"]!["accuracy"]!["score"]!, 6);
        var events = app.Services.GetRequiredService<EventStore>();
        await events.PurgeAsync(new EventObject(EventObjectType.Experiment, candidate), "9999-01-01T00:00:00.000Z", 1);
        Assert.NotEqual(0.75, (double)(await Both())["scores"]!["accuracy"]!["score"]!, 6);
    }

    [Fact]
    public async Task Experiment_SummaryIsKept_AndOneInAnotherLayoutIsComputedAgain()
    {
        var api = await app.NewTenantAsync();
        var projectId = (string)(await api.CreateProjectAsync())["id"]!;
        var experiment = (string)(await api.CreateExperimentAsync(projectId))["id"]!;
        await Trace(api, experiment, "t", "q", 0.5, tokens: 1, duration: 1);
        async Task<double> AccuracyAsync() =>
            (double)(await api.GetAsync($"/v1/experiment/{experiment}/summarize?summarize_scores=true")).AssertOk().Json["scores"]!["accuracy"]!["score"]!;
        async Task KeepAsync(string summary)
        {
            await using var connection = await app.Services.GetRequiredService<Database>().OpenAsync();
            Assert.Equal(1, await connection.ExecuteAsync("UPDATE trace_summaries SET summary = @summary WHERE object_id = @experiment", new { summary, experiment }));
        }

        Assert.Equal(0.5, await AccuracyAsync());

        // A tampered kept summary is what the endpoint answers from; one of another layout is computed again.
        await KeepAsync("""{"v":1,"keys":["k"],"scores":{"accuracy":{"sum":[3],"count":[4]}},"metrics":{}}""");
        Assert.Equal(0.75, await AccuracyAsync());
        await KeepAsync("""{"v":2,"traces":"elsewhere"}""");
        Assert.Equal(0.5, await AccuracyAsync());
    }

    [Fact]
    public void TheKeptLayout_IsVersionOne_WithHashedKeysAndAColumnPerScoreAndMetric()
    {
        const string Stored =
            """{"v":1,"keys":["a2V5",null],"scores":{"accuracy":{"sum":[1.5,0],"count":[2,0]},"judge":{"sum":[0,1],"count":[0,1]}},"metrics":{"duration":[0.25,null],"tokens":[7,3]}}""";
        var stats = TraceStats.FromJson(Stored)!;
        Assert.Equal(Stored, stats.ToJson());
        Assert.Equal(0.75, (double)stats.Summarize(null, scores: true)["accuracy"]!["score"]!);
        Assert.Equal(5, (double)stats.Summarize(null, scores: false)["tokens"]!["metric"]!);
        Assert.Null(TraceStats.FromJson("""{"v":2}"""));
        // Columns of another length than the keys are not this layout either.
        Assert.Null(TraceStats.FromJson("""{"v":1,"keys":["k"],"scores":{},"metrics":{"tokens":[1,2]}}"""));
    }

    [Fact]
    public async Task Dataset_CountsLiveRecords()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("dataset");
        await api.InsertAsync(log, new { id = "a" }, new { id = "b" }, new { id = "c" });
        await api.InsertAsync(log, new { id = "b", _object_delete = true });

        var summary = (await api.GetAsync($"/v1/{log}/summarize?summarize_data=true")).AssertOk().Json;
        Assert.Equal(2, (int)summary["data_summary"]!["total_records"]!);
        Assert.EndsWith("/datasets/" + Uri.EscapeDataString((string)summary["dataset_name"]!), (string)summary["dataset_url"]!, StringComparison.Ordinal);
        Assert.Null((await api.GetAsync($"/v1/{log}/summarize")).AssertOk().Json["data_summary"]);
    }

    /// <summary>A root span with an accuracy score and a child span with a judge score and 7 more tokens.</summary>
    private static Task<List<string>> Trace(ApiClient api, string experiment, string id, string input, double accuracy, int tokens, double duration) =>
        api.InsertAsync($"experiment/{experiment}",
            new { id, input, scores = new { accuracy }, metrics = new { start = 1000.0, end = 1000.0 + duration, tokens } },
            new { id = id + "-judge", span_parents = new[] { id }, root_span_id = id, scores = new { judge = 1 }, metrics = new { tokens = 7 } });
}
