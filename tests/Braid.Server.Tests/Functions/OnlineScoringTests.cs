using System.Text.Json.Nodes;
using Braid.Server.Functions;
using Braid.Server.Tests.Infrastructure;
using Braid.Server.Tests.Proxy;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Functions;

public sealed class OnlineScoringTests(ProxyFixture fixture) : IClassFixture<ProxyFixture>
{
    internal static Task PassAsync(ProxyFixture fixture) => fixture.App.Services.GetRequiredService<OnlineScoring>().PassAsync(CancellationToken.None);

    private Task PassAsync() => fixture.App.Services.GetRequiredService<OnlineScoring>().PassAsync(CancellationToken.None);

    internal static async Task RuleAsync(ProxyTenant tenant, string project, object online, string name = "online") =>
        (await tenant.Api.PostAsync("/v1/project_score", new { project_id = project, name, score_type = "online", config = new { online } })).AssertOk();

    internal static object Exact() => new { type = "global", name = "ExactMatch" };

    internal static List<JsonObject> ScorerSpans(List<JsonObject> spans) =>
        spans.Where(s => (string?)s["span_attributes"]?["purpose"] == "scorer" && (string?)s["span_attributes"]?["type"] == "score").ToList();

    [Fact]
    public async Task SpanScope_ScoresEachNewRootSpanOnce_WithAScorerSpanUnderIt()
    {
        var tenant = await fixture.NewTenantAsync();
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        await tenant.Api.InsertAsync($"project_logs/{project}", new { id = "before", output = "x", expected = "x" });
        await RuleAsync(tenant, project, new { sampling_rate = 1, scorers = new[] { Exact() }, apply_to_root_span = true });
        await tenant.Api.InsertAsync($"project_logs/{project}",
            new { id = "same", span_id = "s-same", root_span_id = "r-same", input = "q", output = "x", expected = "x" },
            new { id = "differ", span_id = "s-differ", root_span_id = "r-differ", output = "x", expected = "y" },
            new { id = "child", span_id = "s-child", root_span_id = "r-same", span_parents = new[] { "s-same" }, output = "x", expected = "x" });

        await PassAsync();
        await tenant.Api.InsertAsync($"project_logs/{project}", new { id = "same", _is_merge = true, metadata = new { later = true } });
        await PassAsync();

        var spans = await tenant.Api.FetchAllAsync($"project_logs/{project}");
        var scorers = ScorerSpans(spans);
        Assert.Equal(2, scorers.Count);
        var onSame = scorers.Single(s => (string?)s["span_parents"]?[0] == "s-same");
        Assert.Equal("r-same", (string)onSame["root_span_id"]!);
        Assert.Equal(1, (double)onSame["scores"]!["ExactMatch"]!);
        Assert.Equal("q", (string)onSame["input"]!["input"]!);
        Assert.Equal(0, (double)scorers.Single(s => (string?)s["span_parents"]?[0] == "s-differ")["scores"]!["ExactMatch"]!);
    }

    [Fact]
    public async Task Sampling_SpanNames_AndTheBtqlFilter_ChooseWhatIsScored()
    {
        var tenant = await fixture.NewTenantAsync();
        var none = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        var named = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        var filtered = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        await RuleAsync(tenant, none, new { sampling_rate = 0, scorers = new[] { Exact() } });
        await RuleAsync(tenant, named, new { sampling_rate = 1, scorers = new[] { Exact() }, apply_to_root_span = false, apply_to_span_names = new[] { "tool-call" } });
        await RuleAsync(tenant, filtered, new { sampling_rate = 1, scorers = new[] { Exact() }, btql_filter = "metadata.env = 'prod'" });
        await tenant.Api.InsertAsync($"project_logs/{none}", new { id = "a", output = "x", expected = "x" });
        await tenant.Api.InsertAsync($"project_logs/{named}",
            new { id = "root", span_id = "root", root_span_id = "t", output = "x", expected = "x" },
            new { id = "tool", span_id = "tool", root_span_id = "t", span_parents = new[] { "root" }, span_attributes = new { name = "tool-call" }, output = "x", expected = "x" });
        await tenant.Api.InsertAsync($"project_logs/{filtered}",
            new { id = "prod", span_id = "prod", root_span_id = "prod", metadata = new { env = "prod" }, output = "x", expected = "x" },
            new { id = "dev", span_id = "dev", root_span_id = "dev", metadata = new { env = "dev" }, output = "x", expected = "x" });

        await PassAsync();

        Assert.Empty(ScorerSpans(await tenant.Api.FetchAllAsync($"project_logs/{none}")));
        Assert.Equal("tool", (string)ScorerSpans(await tenant.Api.FetchAllAsync($"project_logs/{named}")).Single()["span_parents"]![0]!);
        Assert.Equal("prod", (string)ScorerSpans(await tenant.Api.FetchAllAsync($"project_logs/{filtered}")).Single()["span_parents"]![0]!);
    }

    [Fact]
    public async Task SkipLogging_MergesTheScoresIntoTheSpanInsteadOfWritingScorerSpans()
    {
        var tenant = await fixture.NewTenantAsync();
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        await RuleAsync(tenant, project, new { sampling_rate = 1, scorers = new[] { Exact() }, skip_logging = true });
        await tenant.Api.InsertAsync($"project_logs/{project}", new { id = "only", output = "x", expected = "x" });

        await PassAsync();

        var span = Assert.Single(await tenant.Api.FetchAllAsync($"project_logs/{project}"));
        Assert.Equal(1, (double)span["scores"]!["ExactMatch"]!);
    }

    [Fact]
    public async Task AnLlmScorer_LogsItsScorerAndLlmSpansAsScorerWork()
    {
        var tenant = await fixture.NewTenantAsync();
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        var judge = (await tenant.Api.PostAsync("/v1/function", new
        {
            project_id = project, name = "judge", slug = "judge", function_type = "scorer", function_data = new { type = "prompt" },
            prompt_data = new
            {
                prompt = new { type = "chat", messages = new[] { new { role = "user", content = "{{output}} choose:{{metadata.grade}}" } } },
                options = new { model = "gpt-4o-mini" },
                parser = new { type = "llm_classifier", use_cot = false, choice_scores = new { Good = 1, Bad = 0 } },
            },
        })).AssertOk().Object;
        await RuleAsync(tenant, project, new { sampling_rate = 1, scorers = new[] { new { type = "function", id = (string)judge["id"]! } } });
        await tenant.Api.InsertAsync($"project_logs/{project}", new { id = "answer", output = "42", metadata = new { grade = "Bad" } });

        await PassAsync();

        var spans = await tenant.Api.FetchAllAsync($"project_logs/{project}");
        var scorer = ScorerSpans(spans).Single();
        Assert.Equal(0, (double)scorer["scores"]!["judge"]!);
        var llm = spans.Single(s => (string?)s["span_attributes"]?["type"] == "llm");
        Assert.Equal("scorer", (string)llm["span_attributes"]!["purpose"]!);
        Assert.Equal((string)scorer["span_id"]!, (string)llm["span_parents"]![0]!);
    }
}

/// <summary>Trace scope moves its fixture's clock forward, so it has a fixture (and clock) of its own.</summary>
public sealed class OnlineTraceScoringTests(ProxyFixture fixture) : IClassFixture<ProxyFixture>
{
    [Fact]
    public async Task TraceScope_WaitsUntilTheTraceIsIdle_ThenScoresItsRootOnce()
    {
        var tenant = await fixture.NewTenantAsync();
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        await OnlineScoringTests.RuleAsync(tenant, project, new { sampling_rate = 1, scorers = new[] { OnlineScoringTests.Exact() }, scope = new { type = "trace", idle_seconds = 30 } });
        await tenant.Api.InsertAsync($"project_logs/{project}",
            new { id = "root", span_id = "root", root_span_id = "trace", input = "q", output = "a", expected = "a" },
            new { id = "step", span_id = "step", root_span_id = "trace", span_parents = new[] { "root" }, output = "b", expected = "c" });

        await OnlineScoringTests.PassAsync(fixture);
        Assert.Empty(OnlineScoringTests.ScorerSpans(await tenant.Api.FetchAllAsync($"project_logs/{project}")));

        fixture.Clock.Advance(TimeSpan.FromSeconds(31));
        await OnlineScoringTests.PassAsync(fixture);
        await OnlineScoringTests.PassAsync(fixture);

        var scorer = OnlineScoringTests.ScorerSpans(await tenant.Api.FetchAllAsync($"project_logs/{project}")).Single();
        Assert.Equal("root", (string)scorer["span_parents"]![0]!);
        Assert.Equal(1, (double)scorer["scores"]!["ExactMatch"]!);
    }
}

public sealed class OnlineScoringBackgroundTests : IAsyncLifetime
{
    private readonly BraidApp _app = new BraidApp().With("Braid:OnlineScoring:IntervalSeconds", "0.2");

    public Task InitializeAsync() => ((IAsyncLifetime)_app).InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)_app).DisposeAsync();

    [Fact]
    public async Task NewRows_AreScoredInTheBackground()
    {
        var api = await _app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        (await api.PostAsync("/v1/project_score", new
        {
            project_id = project, name = "bg", score_type = "online",
            config = new { online = new { sampling_rate = 1, scorers = new[] { new { type = "global", name = "Levenshtein" } } } },
        })).AssertOk();
        await api.InsertAsync($"project_logs/{project}", new { id = "row", output = "kitten", expected = "sitting" });

        JsonObject? scorer = null;
        for (var i = 0; i < 100 && scorer is null; i++)
        {
            await Task.Delay(100);
            scorer = (await api.FetchAllAsync($"project_logs/{project}")).FirstOrDefault(s => (string?)s["span_attributes"]?["purpose"] == "scorer");
        }

        Assert.NotNull(scorer);
        Assert.Equal(1 - 3.0 / 7, (double)scorer["scores"]!["Levenshtein"]!, 12);
    }
}
