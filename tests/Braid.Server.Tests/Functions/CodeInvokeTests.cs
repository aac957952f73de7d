using System.Net;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Proxy;

namespace Braid.Server.Tests.Functions;

public sealed class CodeInvokeTests(ProxyFixture fixture) : IClassFixture<ProxyFixture>
{
    private static object Inline(string code, object? input) => new { inline_context = new { runtime = "node", version = "22" }, code, input };

    private static async Task<JsonObject> CodeFunctionAsync(ProxyTenant tenant, string project, string slug, string code, string type = "scorer") =>
        (await tenant.Api.PostAsync("/v1/function", new
        {
            project_id = project, name = slug, slug, function_type = type,
            function_data = new { type = "code", data = new { type = "inline", runtime_context = new { runtime = "node", version = "22" }, code } },
        })).AssertOk().Object;

    [Fact]
    public async Task InlineCode_RunsItsHandlerOnTheInput()
    {
        var tenant = await fixture.NewTenantAsync();

        var result = (await tenant.PostAsync("/function/invoke", Inline("function handler(args) { return { sum: args.a + args.b, seen: args }; }", new { a = 1, b = 2 })))
            .AssertOk().Json;

        Assert.Equal(3, (int)result["sum"]!);
        Assert.Equal(2, (int)result["seen"]!["b"]!);
    }

    [Fact]
    public async Task SavedTypeScriptScorer_RunsBySlug_AndIsLoggedUnderTheParent()
    {
        var tenant = await fixture.NewTenantAsync();
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        await CodeFunctionAsync(tenant, project, "same", """
            interface Args { output: string; expected?: string }
            async function handler({ output, expected }: Args): Promise<{ name: string; score: number }> {
              return { name: "same", score: output === expected ? 1 : 0 };
            }
            """);

        var hit = (await tenant.PostAsync("/function/invoke", new
        {
            project_id = project, slug = "same", input = new { output = "a", expected = "a" },
            parent = new { object_type = "project_logs", object_id = project },
        })).AssertOk().Json;
        var miss = (await tenant.PostAsync("/function/invoke", new { project_id = project, slug = "same", input = new { output = "a", expected = "b" } })).AssertOk().Json;

        Assert.Equal(1, (int)hit["score"]!);
        Assert.Equal(0, (int)miss["score"]!);
        var spans = await tenant.Api.FetchAllAsync($"project_logs/{project}");
        Assert.Contains(spans, s => (string?)s["span_attributes"]?["type"] == "score" && (int?)s["output"]?["score"] == 1);
    }

    [Fact]
    public async Task Stream_SendsConsoleOutputAsItHappens_ThenTheResult()
    {
        var tenant = await fixture.NewTenantAsync();

        var response = (await tenant.PostAsync("/function/invoke", new
        {
            inline_context = new { runtime = "node", version = "22" }, stream = true, input = 4,
            code = "function handler(n) { console.log('squaring', n); console.error('careful'); return n * n; }",
        })).AssertOk();

        var events = InvokeTests.SseEvents(response.Body);
        Assert.Equal(["start", "console", "console", "json_delta", "done"], events.Select(e => e.Event));
        Assert.Equal("stdout", (string)JsonNode.Parse(events[1].Data)!["stream"]!);
        Assert.Equal("squaring 4", (string)JsonNode.Parse(events[1].Data)!["message"]!);
        Assert.Equal("stderr", (string)JsonNode.Parse(events[2].Data)!["stream"]!);
        Assert.Equal("16", events[3].Data);
    }

    [Theory]
    [InlineData("function handler() { return require('fs').readFileSync('/etc/passwd', 'utf8'); }", "require")]
    [InlineData("async function handler() { return await fetch('http://127.0.0.1:1/'); }", "fetch")]
    [InlineData("function handler() { return System.IO.File.ReadAllText('/etc/passwd'); }", "System is not defined")]
    [InlineData("function handler() { while (true) {} }", "time limit of 1 s")]
    [InlineData("function handler() { const a = []; while (true) a.push('x'.repeat(1000000) + a.length); }", "memory limit of 32 MiB")]
    [InlineData("function handler() { throw new TypeError('bad input'); }", "TypeError: bad input")]
    public async Task EscapesAndFailures_AreA400ThatSaysWhy_AndTheServerCarriesOn(string code, string mentions)
    {
        var tenant = await fixture.NewTenantAsync();

        (await tenant.PostAsync("/function/invoke", Inline(code, null))).AssertError(HttpStatusCode.BadRequest, mentions);

        var after = (await tenant.PostAsync("/function/invoke", Inline("function handler() { return 'still here'; }", null))).AssertOk();
        Assert.Equal("still here", JsonNode.Parse(after.Body)!.GetValue<string>());
    }

    [Fact]
    public async Task GlobalScorers_MatchAutoevals_AndAnUnknownOneIsNamed()
    {
        var tenant = await fixture.NewTenantAsync();

        var levenshtein = (await tenant.PostAsync("/function/invoke", new { global_function = "Levenshtein", input = new { output = "kitten", expected = "sitting" } })).AssertOk().Json;
        var exact = (await tenant.PostAsync("/function/invoke", new { global_function = "ExactMatch", function_type = "scorer", input = new { output = new { a = 1 }, expected = new { a = 1 } } })).AssertOk().Json;

        Assert.Equal("Levenshtein", (string)levenshtein["name"]!);
        Assert.Equal(1 - 3.0 / 7, (double)levenshtein["score"]!, 12);
        Assert.Equal(1, (double)exact["score"]!);
        (await tenant.PostAsync("/function/invoke", new { global_function = "Factuality", input = new { output = "x" } }))
            .AssertError(HttpStatusCode.BadRequest, "ExactMatch");
    }

    [Fact]
    public async Task CodeThatCannotRunHere_IsRefusedWithTheReason()
    {
        var tenant = await fixture.NewTenantAsync();
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        var bundled = (await tenant.Api.PostAsync("/v1/function", new
        {
            project_id = project, name = "b", slug = "bundled",
            function_data = new { type = "code", data = new { type = "bundle", runtime_context = new { runtime = "node", version = "22" }, location = new { type = "experiment", eval_name = "e", position = new { type = "task" } }, bundle_id = "x" } },
        })).AssertOk().Object;

        (await tenant.PostAsync("/function/invoke", new { function_id = bundled["id"], input = 1 })).AssertError(HttpStatusCode.BadRequest, "inline code only");
        (await tenant.PostAsync("/function/invoke", new { inline_context = new { runtime = "python", version = "3.12" }, code = "def handler(): pass" }))
            .AssertError(HttpStatusCode.BadRequest, "JavaScript and TypeScript only");
    }

    [Fact]
    public async Task ToolFunctions_AreOfferedToTheModel_RunWhenCalled_AndTheirResultsGoBackToIt()
    {
        var tenant = await fixture.NewTenantAsync();
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        var tool = (await tenant.Api.PostAsync("/v1/function", new
        {
            project_id = project, name = "Lookup", slug = "lookup", function_type = "tool", description = "looks things up",
            function_data = new { type = "code", data = new { type = "inline", runtime_context = new { runtime = "node", version = "22" }, code = "function handler(args) { return 'found ' + Object.keys(args).join(','); }" } },
            function_schema = new { parameters = new { type = "object", properties = new { term = new { type = "string" } } } },
        })).AssertOk().Object;
        var agent = (await tenant.Api.PostAsync("/v1/function", new
        {
            project_id = project, name = "agent", slug = "agent", function_data = new { type = "prompt" },
            prompt_data = new
            {
                prompt = new { type = "chat", messages = new[] { new { role = "user", content = "call:lookup {{input}}" } } },
                options = new { model = "gpt-4o-mini" },
                tool_functions = new[] { new { type = "function", id = (string)tool["id"]! } },
            },
        })).AssertOk().Object;

        var output = (await tenant.PostAsync("/function/invoke", new { function_id = agent["id"], input = "cats", parent = new { object_type = "project_logs", object_id = project } })).AssertOk();

        Assert.Equal("tool said: found term", JsonNode.Parse(output.Body)!.GetValue<string>());
        var offered = fixture.Provider.Requests.First(r => r.Body.Contains("call:lookup cats", StringComparison.Ordinal)).Json;
        Assert.Equal("lookup", (string)offered["tools"]![0]!["function"]!["name"]!);
        Assert.Equal("looks things up", (string)offered["tools"]![0]!["function"]!["description"]!);
        var spans = await tenant.Api.FetchAllAsync($"project_logs/{project}");
        Assert.Equal(2, spans.Count(s => (string?)s["span_attributes"]?["type"] == "llm"));
        var toolSpan = spans.Single(s => (string?)s["span_attributes"]?["type"] == "tool");
        Assert.Equal("found term", (string)toolSpan["output"]!);
        Assert.Equal((string)spans.Single(s => (string?)s["span_attributes"]?["name"] == "agent")["span_id"]!, (string)toolSpan["span_parents"]![0]!);
    }

    [Fact]
    public async Task EvalWithADataset_ACodeTaskAndTwoBuiltInScorers_ReturnsTheirAverages()
    {
        var tenant = await fixture.NewTenantAsync();
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        var task = await CodeFunctionAsync(tenant, project, "upper", "function handler(input) { return input.toUpperCase(); }", type: "task");
        var dataset = (string)(await tenant.Api.PostAsync("/v1/dataset", new { project_id = project, name = "words" })).AssertOk().Object["id"]!;
        await tenant.Api.InsertAsync($"dataset/{dataset}",
            new { id = "1", input = "abc", expected = "ABC" },
            new { id = "2", input = "abd", expected = "ABC" },
            new { id = "3", input = "xyz", expected = "ABC" });

        var summary = (await tenant.PostAsync("/v1/eval", new
        {
            project_id = project, data = new { dataset_id = dataset }, task = new { function_id = task["id"] },
            scores = new object[] { new { global_function = "ExactMatch" }, new { global_function = "Levenshtein" } },
        })).AssertOk().Json;

        Assert.Equal(1.0 / 3, (double)summary["scores"]!["ExactMatch"]!["score"]!, 9);
        Assert.Equal((1 + (1 - 1.0 / 3) + 0) / 3, (double)summary["scores"]!["Levenshtein"]!["score"]!, 9);
    }
}
