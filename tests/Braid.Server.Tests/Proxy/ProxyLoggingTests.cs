using System.Net;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Proxy;

public sealed class ProxyLoggingTests(ProxyFixture fixture) : IClassFixture<ProxyFixture>
{
    [Fact]
    public async Task ParentHeader_LogsTheCallAsAnLlmSpanWithTokens()
    {
        var tenant = await fixture.NewTenantAsync();
        var project = await tenant.Api.CreateProjectAsync();
        var headers = new Dictionary<string, string> { ["x-bt-parent"] = $"project_id:{project["id"]}" };

        var response = (await tenant.PostAsync("/v1/proxy/chat/completions",
            new { model = "gpt-4o-mini", temperature = 0.2, messages = new[] { new { role = "user", content = "log me" } } }, headers)).AssertOk();

        var spanId = response.Header("x-bt-span-id");
        var span = Assert.Single(await tenant.Api.FetchAllAsync($"project_logs/{project["id"]}"));
        Assert.Equal(spanId, (string)span["span_id"]!);
        Assert.Equal("llm", (string)span["span_attributes"]!["type"]!);
        Assert.Equal("log me", (string)span["input"]![0]!["content"]!);
        Assert.Equal(FakeProvider.Reply("log me"), (string)span["output"]![0]!["message"]!["content"]!);
        Assert.Equal("gpt-4o-mini", (string)span["metadata"]!["model"]!);
        Assert.Equal(0.2, (double)span["metadata"]!["temperature"]!);
        Assert.Equal(2, (int)span["metrics"]!["prompt_tokens"]!);
        Assert.Equal(3, (int)span["metrics"]!["completion_tokens"]!);
        Assert.True((double)span["metrics"]!["end"]! >= (double)span["metrics"]!["start"]!);
    }

    [Fact]
    public async Task StreamedCall_IsLoggedWithTheWholeAnswer()
    {
        var tenant = await fixture.NewTenantAsync();
        var name = ApiClient.Unique("proj");
        var headers = new Dictionary<string, string> { ["x-bt-parent"] = $"project_name:{name}" };

        (await tenant.PostAsync("/v1/proxy/chat/completions",
            new { model = "claude-3-5-haiku-latest", stream = true, messages = new[] { new { role = "user", content = "stream log" } } }, headers)).AssertOk();

        var project = (await tenant.Api.GetAsync($"/v1/project?project_name={name}")).AssertOk().Objects.Single();
        var span = Assert.Single(await tenant.Api.FetchAllAsync($"project_logs/{project["id"]}"));
        Assert.Equal(FakeProvider.Reply("stream log"), (string)span["output"]![0]!["message"]!["content"]!);
        Assert.Equal(3, (int)span["metrics"]!["completion_tokens"]!);
    }

    [Fact]
    public async Task ExportedSpanParent_PutsTheCallUnderThatSpan()
    {
        var tenant = await fixture.NewTenantAsync();
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        var rootSpan = Guid.NewGuid().ToString();
        var parentSpan = Guid.NewGuid().ToString();
        // The JSON tail of an SDK export() string (version 3, project logs, no packed ids).
        var exported = Convert.ToBase64String([3, 2, 0, .. System.Text.Encoding.UTF8.GetBytes(new JsonObject
        {
            ["object_id"] = project, ["row_id"] = "row-1", ["span_id"] = parentSpan, ["root_span_id"] = rootSpan,
        }.ToJsonString())]);

        (await tenant.PostAsync("/v1/proxy/chat/completions",
            new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = "child" } } },
            new Dictionary<string, string> { ["x-bt-parent"] = exported })).AssertOk();

        var span = Assert.Single(await tenant.Api.FetchAllAsync($"project_logs/{project}"));
        Assert.Equal(rootSpan, (string)span["root_span_id"]!);
        Assert.Equal(parentSpan, (string)span["span_parents"]![0]!);
    }

    [Fact]
    public async Task CachedAnswer_IsLoggedAsCached()
    {
        var tenant = await fixture.NewTenantAsync();
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        var headers = new Dictionary<string, string> { ["x-bt-parent"] = $"project_id:{project}" };
        var body = new { model = "gpt-4o-mini", temperature = 0, messages = new[] { new { role = "user", content = ApiClient.Unique("c") } } };
        (await tenant.PostAsync("/v1/proxy/chat/completions", body, headers)).AssertOk();
        (await tenant.PostAsync("/v1/proxy/chat/completions", body, headers)).AssertOk();

        var spans = await tenant.Api.FetchAllAsync($"project_logs/{project}");
        Assert.Equal(2, spans.Count);
        Assert.Single(spans, s => (int?)s["metrics"]!["cached"] == 1);
    }

    [Fact]
    public async Task ParentThatNamesNothing_IsRefusedBeforeTheProviderIsCalled()
    {
        var tenant = await fixture.NewTenantAsync();
        var before = fixture.Provider.Requests.Count;
        (await tenant.PostAsync("/v1/proxy/chat/completions",
            new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = "x" } } },
            new Dictionary<string, string> { ["x-bt-parent"] = "nonsense" })).AssertError(HttpStatusCode.BadRequest, "x-bt-parent");
        (await tenant.PostAsync("/v1/proxy/chat/completions",
            new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = "x" } } },
            new Dictionary<string, string> { ["x-bt-parent"] = $"project_id:{Guid.NewGuid()}" })).AssertError(HttpStatusCode.NotFound, "x-bt-parent");
        Assert.Equal(before, fixture.Provider.Requests.Count);
    }
}
