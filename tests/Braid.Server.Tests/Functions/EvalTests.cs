using System.Net;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;
using Braid.Server.Tests.Proxy;

namespace Braid.Server.Tests.Functions;

public sealed class EvalTests(ProxyFixture fixture) : IClassFixture<ProxyFixture>
{
    private static async Task<JsonObject> PromptFunctionAsync(ProxyTenant tenant, string project, string slug, string content, object? parser = null, string? type = null) =>
        (await tenant.Api.PostAsync("/v1/function", new
        {
            project_id = project, name = slug, slug, function_type = type, function_data = new { type = "prompt" },
            prompt_data = new
            {
                prompt = new { type = "chat", messages = new[] { new { role = "user", content } } },
                options = new { model = "gpt-4o-mini" },
                parser,
            },
        })).AssertOk().Object;

    private static async Task<(string Project, JsonObject Task, JsonObject Verdict, JsonObject Fixed)> SetUpAsync(ProxyTenant tenant)
    {
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        var task = await PromptFunctionAsync(tenant, project, "answer", "answer {{q}}");
        var verdict = await PromptFunctionAsync(tenant, project, "verdict", "{{output}} choose:{{metadata.verdict}}",
            new { type = "llm_classifier", use_cot = false, choice_scores = new { Y = 1, N = 0 } }, "scorer");
        var fixedScore = await PromptFunctionAsync(tenant, project, "fixed", "{{output}} choose:B",
            new { type = "llm_classifier", use_cot = false, choice_scores = new { A = 0.25, B = 0.75 } }, "scorer");
        return (project, task, verdict, fixedScore);
    }

    [Fact]
    public async Task EvalOverADataset_CreatesTheExperiment_LogsEveryRow_AndReturnsItsSummary()
    {
        var tenant = await fixture.NewTenantAsync();
        var (project, task, verdict, fixedScore) = await SetUpAsync(tenant);
        var dataset = (string)(await tenant.Api.PostAsync("/v1/dataset", new { project_id = project, name = "qs" })).AssertOk().Object["id"]!;
        await tenant.Api.InsertAsync($"dataset/{dataset}",
            new { id = "r1", input = new { q = "one" }, expected = "1", metadata = new { verdict = "Y" } },
            new { id = "r2", input = new { q = "two" }, expected = "2", metadata = new { verdict = "N" } },
            new { id = "r3", input = new { q = "three" }, expected = "3", metadata = new { verdict = "Y" } });

        var summary = (await tenant.PostAsync("/v1/eval", new
        {
            project_id = project, experiment_name = "server-eval", data = new { dataset_id = dataset },
            task = new { function_id = task["id"] },
            scores = new object[] { new { function_id = verdict["id"] }, new { project_id = project, slug = "fixed" } },
            trial_count = 2, max_concurrency = 2,
        })).AssertOk().Json;

        Assert.Equal("server-eval", (string)summary["experiment_name"]!);
        Assert.Equal(4.0 / 6, (double)summary["scores"]!["verdict"]!["score"]!, 9);
        Assert.Equal(0.75, (double)summary["scores"]!["fixed"]!["score"]!, 9);
        var experiment = (await tenant.Api.GetAsync($"/v1/experiment?project_id={project}&experiment_name=server-eval")).AssertOk().Objects.Single();
        Assert.Equal(dataset, (string)experiment["dataset_id"]!);
        var spans = await tenant.Api.FetchAllAsync($"experiment/{experiment["id"]}");
        var roots = spans.Where(s => (string?)s["span_attributes"]?["type"] == "eval").ToList();
        Assert.Equal(6, roots.Count);
        Assert.Equal(6, spans.Count(s => (string?)s["span_attributes"]?["type"] == "task"));
        Assert.Equal(12, spans.Count(s => (string?)s["span_attributes"]?["type"] == "score"));
        var two = roots.First(r => (string?)r["input"]?["q"] == "two");
        Assert.Equal(FakeProvider.Reply("answer two"), (string)two["output"]!);
        Assert.Equal("2", (string)two["expected"]!);
        Assert.Equal(0, (double)two["scores"]!["verdict"]!);
        Assert.Equal("r2", (string)two["origin"]!["id"]!);
        var taskSpan = spans.First(s => (string?)s["span_attributes"]?["type"] == "task" && (string?)s["span_parents"]?[0] == (string)two["span_id"]!);
        Assert.Equal((string)two["root_span_id"]!, (string)taskSpan["root_span_id"]!);
    }

    [Fact]
    public async Task InlineData_StreamsStartThenTheSummary()
    {
        var tenant = await fixture.NewTenantAsync();
        var (project, task, verdict, _) = await SetUpAsync(tenant);

        var response = (await tenant.PostAsync("/v1/eval", new
        {
            project_id = project, stream = true,
            data = new { data = new[] { new { input = new { q = "x" }, metadata = new { verdict = "N" } } } },
            task = new { function_id = task["id"] }, scores = new[] { new { function_id = verdict["id"] } },
        })).AssertOk();

        var events = InvokeTests.SseEvents(response.Body);
        Assert.Equal(["start", "json_delta", "done"], events.Select(e => e.Event));
        Assert.Equal(0, (double)JsonNode.Parse(events[1].Data)!["scores"]!["verdict"]!["score"]!);
    }

    [Fact]
    public async Task FailingTask_IsRecordedOnItsRow_AndTheEvalStillAnswers()
    {
        var tenant = await fixture.NewTenantAsync();
        var (project, _, verdict, _) = await SetUpAsync(tenant);
        var failing = await PromptFunctionAsync(tenant, project, "failing", "{{q}}");

        var summary = (await tenant.PostAsync("/v1/eval", new
        {
            project_id = project, experiment_name = "with-errors",
            data = new { data = new object[] { new { input = new { q = "fail:500" } }, new { input = new { q = "ok" }, metadata = new { verdict = "Y" } } } },
            task = new { function_id = failing["id"] }, scores = new[] { new { function_id = verdict["id"] } },
        })).AssertOk().Json;

        Assert.Equal(1, (double)summary["scores"]!["verdict"]!["score"]!);
        var experiment = (await tenant.Api.GetAsync($"/v1/experiment?project_id={project}&experiment_name=with-errors")).AssertOk().Objects.Single();
        var roots = (await tenant.Api.FetchAllAsync($"experiment/{experiment["id"]}")).Where(s => (string?)s["span_attributes"]?["type"] == "eval").ToList();
        Assert.Contains("answered 500", (string)roots.Single(r => (string?)r["input"]?["q"] == "fail:500")["error"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadEvals_NameTheProblem()
    {
        var tenant = await fixture.NewTenantAsync();
        var (project, task, _, _) = await SetUpAsync(tenant);
        var fn = new { function_id = task["id"] };

        (await tenant.PostAsync("/v1/eval", new { data = new { data = Array.Empty<object>() }, task = fn, scores = Array.Empty<object>() }))
            .AssertError(HttpStatusCode.BadRequest, "project_id");
        (await tenant.PostAsync("/v1/eval", new { project_id = project, data = new { data = Array.Empty<object>() }, task = fn }))
            .AssertError(HttpStatusCode.BadRequest, "scores");
        (await tenant.PostAsync("/v1/eval", new { project_id = project, data = new { nothing = 1 }, task = fn, scores = Array.Empty<object>() }))
            .AssertError(HttpStatusCode.BadRequest, "data:");
        (await tenant.PostAsync("/v1/eval", new { project_id = project, data = new { data = Array.Empty<object>() }, task = fn, scores = new[] { new { slug = "x" } } }))
            .AssertError(HttpStatusCode.BadRequest, "scores[0].slug");
        (await tenant.PostAsync("/v1/eval", new { project_id = project, data = new { data = Array.Empty<object>() }, task = fn, scores = Array.Empty<object>(), trial_count = 0 }))
            .AssertError(HttpStatusCode.BadRequest, "trial_count");
    }
}
