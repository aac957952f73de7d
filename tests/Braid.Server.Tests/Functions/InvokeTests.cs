using System.Net;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;
using Braid.Server.Tests.Proxy;

namespace Braid.Server.Tests.Functions;

public sealed class InvokeTests(ProxyFixture fixture) : IClassFixture<ProxyFixture>
{
    private static object ChatPrompt(string user, string model = "gpt-4o-mini", object? parameters = null, string? system = "You are terse.") => new
    {
        prompt = new
        {
            type = "chat",
            messages = system is null
                ? new object[] { new { role = "user", content = user } }
                : [new { role = "system", content = system }, new { role = "user", content = user }],
        },
        options = new { model, @params = parameters ?? new { temperature = 0 } },
    };

    private static async Task<JsonObject> CreateFunctionAsync(ProxyTenant tenant, string projectId, string slug, object promptData, string? functionType = null) =>
        (await tenant.Api.PostAsync("/v1/function", new
        {
            project_id = projectId, name = slug, slug, function_type = functionType,
            function_data = new { type = "prompt" }, prompt_data = promptData,
        })).AssertOk().Object;

    [Fact]
    public async Task PromptFunction_RendersItsTemplateWithTheInput_AndReturnsTheModelsText()
    {
        var tenant = await fixture.NewTenantAsync();
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        var function = await CreateFunctionAsync(tenant, project, "greet", ChatPrompt("Hello {{name}}, n={{input.n}}, all={{input}}"));

        var response = (await tenant.PostAsync($"/v1/function/{function["id"]}/invoke", new { input = new { name = "Ann", n = 3 } })).AssertOk();

        var rendered = """Hello Ann, n=3, all={"name":"Ann","n":3}""";
        Assert.Equal(FakeProvider.Reply(rendered), JsonNode.Parse(response.Body)!.GetValue<string>());
        var sent = fixture.Provider.Last("/chat/completions").Json;
        Assert.Equal("gpt-4o-mini", (string)sent["model"]!);
        Assert.Equal(0, (int)sent["temperature"]!);
        Assert.Equal("You are terse.", (string)sent["messages"]![0]!["content"]!);
        Assert.Equal(rendered, (string)sent["messages"]![1]!["content"]!);
    }

    [Fact]
    public async Task SdkInvokeRoute_FindsTheFunctionByIdBySlugAndByProjectHeader()
    {
        var tenant = await fixture.NewTenantAsync();
        var projectRow = await tenant.Api.CreateProjectAsync();
        var project = (string)projectRow["id"]!;
        var function = await CreateFunctionAsync(tenant, project, "addressed", ChatPrompt("say {{input}}"));

        var byId = (await tenant.PostAsync("/function/invoke", new { function_id = function["id"], input = "id" })).AssertOk();
        var bySlug = (await tenant.PostAsync("/function/invoke", new { project_name = projectRow["name"], slug = "addressed", input = "slug" })).AssertOk();
        var byHeader = (await tenant.PostAsync("/function/invoke", new { slug = "addressed", input = "header" },
            new Dictionary<string, string> { ["x-bt-project-id"] = project })).AssertOk();

        Assert.Equal(FakeProvider.Reply("say id"), JsonNode.Parse(byId.Body)!.GetValue<string>());
        Assert.Equal(FakeProvider.Reply("say slug"), JsonNode.Parse(bySlug.Body)!.GetValue<string>());
        Assert.Equal(FakeProvider.Reply("say header"), JsonNode.Parse(byHeader.Body)!.GetValue<string>());
    }

    [Fact]
    public async Task SavedPrompt_IsInvokableLikeAFunction()
    {
        var tenant = await fixture.NewTenantAsync();
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        (await tenant.Api.PostAsync("/v1/prompt", new { project_id = project, name = "P", slug = "plain-prompt", prompt_data = ChatPrompt("prompt {{x}}") })).AssertOk();

        var response = (await tenant.PostAsync("/function/invoke", new { project_id = project, slug = "plain-prompt", input = new { x = 1 } })).AssertOk();

        Assert.Equal(FakeProvider.Reply("prompt 1"), JsonNode.Parse(response.Body)!.GetValue<string>());
    }

    [Fact]
    public async Task Version_AndEnvironment_RunThePinnedVersion()
    {
        var tenant = await fixture.NewTenantAsync();
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        var first = await CreateFunctionAsync(tenant, project, "versioned", ChatPrompt("first {{input}}"));
        var id = (string)first["id"]!;
        (await tenant.Api.PatchAsync($"/v1/function/{id}", new { prompt_data = ChatPrompt("second {{input}}") })).AssertOk();
        var env = ApiClient.Unique("env");
        (await tenant.Api.PostAsync("/environment", new { name = env, slug = env })).AssertOk();
        (await tenant.Api.PutAsync($"/environment-object/function/{id}/{env}", new { object_version = first["_xact_id"] })).AssertOk();

        var latest = (await tenant.PostAsync("/function/invoke", new { function_id = id, input = "x" })).AssertOk();
        var pinned = (await tenant.PostAsync("/function/invoke", new { function_id = id, input = "x", version = first["_xact_id"] })).AssertOk();
        var viaEnv = (await tenant.PostAsync("/function/invoke", new { function_id = id, input = "x", environment = env })).AssertOk();

        Assert.Equal(FakeProvider.Reply("second x"), JsonNode.Parse(latest.Body)!.GetValue<string>());
        Assert.Equal(FakeProvider.Reply("first x"), JsonNode.Parse(pinned.Body)!.GetValue<string>());
        Assert.Equal(FakeProvider.Reply("first x"), JsonNode.Parse(viaEnv.Body)!.GetValue<string>());
    }

    [Fact]
    public async Task Stream_SendsStartTextDeltasAndDone_InBraintrustsFormat()
    {
        var tenant = await fixture.NewTenantAsync();
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        var function = await CreateFunctionAsync(tenant, project, "streamer", ChatPrompt("tell {{input}}", "claude-3-5-haiku-latest"));

        var response = (await tenant.PostAsync("/function/invoke", new { function_id = function["id"], input = "a long story", stream = true })).AssertOk();

        Assert.Equal("text/event-stream", response.ContentType);
        var events = SseEvents(response.Body);
        Assert.Equal("start", events[0].Event);
        Assert.Equal("done", events[^1].Event);
        var deltas = events.Where(e => e.Event == "text_delta").Select(e => JsonNode.Parse(e.Data)!.GetValue<string>()).ToList();
        Assert.True(deltas.Count > 1, "the answer arrives in pieces");
        Assert.Equal(FakeProvider.Reply("tell a long story"), string.Concat(deltas));
    }

    [Fact]
    public async Task Strict_NamesTheMissingVariable_AndNonStrictRendersItEmpty()
    {
        var tenant = await fixture.NewTenantAsync();
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        var function = await CreateFunctionAsync(tenant, project, "strict", ChatPrompt("hi {{input.who}}!"));

        (await tenant.PostAsync("/function/invoke", new { function_id = function["id"], input = new { other = 1 }, strict = true }))
            .AssertError(HttpStatusCode.BadRequest, "Variable 'input.who' does not exist.");
        var loose = (await tenant.PostAsync("/function/invoke", new { function_id = function["id"], input = new { other = 1 } })).AssertOk();

        Assert.Equal(FakeProvider.Reply("hi !"), JsonNode.Parse(loose.Body)!.GetValue<string>());
    }

    [Fact]
    public async Task NunjucksPrompt_RendersLoopsAndConditions()
    {
        var tenant = await fixture.NewTenantAsync();
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        var data = new
        {
            prompt = new { type = "chat", messages = new[] { new { role = "user", content = "{% for t in topics %}{{ t | upper }}{% if not loop.last %},{% endif %}{% endfor %}" } } },
            options = new { model = "gpt-4o-mini" },
            template_format = "nunjucks",
        };
        var function = await CreateFunctionAsync(tenant, project, "jinja", data);

        var response = (await tenant.PostAsync("/function/invoke", new { function_id = function["id"], input = new { topics = new[] { "a", "b" } } })).AssertOk();

        Assert.Equal(FakeProvider.Reply("A,B"), JsonNode.Parse(response.Body)!.GetValue<string>());
    }

    [Fact]
    public async Task JsonResponseFormat_ReturnsTheParsedObject_AndStreamsJsonDeltas()
    {
        var tenant = await fixture.NewTenantAsync();
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        var function = await CreateFunctionAsync(tenant, project, "json", ChatPrompt("json {{input}}", parameters: new { response_format = new { type = "json_object" } }));

        var plain = (await tenant.PostAsync("/function/invoke", new { function_id = function["id"], input = "please" })).AssertOk();
        var streamed = (await tenant.PostAsync("/function/invoke", new { function_id = function["id"], input = "please", stream = true })).AssertOk();

        Assert.Equal(FakeProvider.Reply("json please"), (string)plain.Json["answer"]!);
        var json = string.Concat(SseEvents(streamed.Body).Where(e => e.Event == "json_delta").Select(e => e.Data));
        Assert.Equal(FakeProvider.Reply("json please"), (string)JsonNode.Parse(json)!["answer"]!);
    }

    [Fact]
    public async Task LlmClassifierScorer_MapsTheModelsChoiceToAScore()
    {
        var tenant = await fixture.NewTenantAsync();
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        var data = new
        {
            prompt = new { type = "chat", messages = new[] { new { role = "user", content = "Is {{output}} like {{expected}}? choose:{{input.pick}}" } } },
            options = new { model = "gpt-4o-mini" },
            parser = new { type = "llm_classifier", use_cot = true, choice_scores = new { Yes = 1, Partly = 0.5, No = 0 } },
        };
        var scorer = await CreateFunctionAsync(tenant, project, "judge", data, functionType: "scorer");

        var score = (await tenant.PostAsync("/function/invoke", new
        {
            function_id = scorer["id"], input = new { input = new { pick = "Partly" }, output = "4", expected = "four" },
        })).AssertOk().Json;
        var streamed = (await tenant.PostAsync("/function/invoke", new
        {
            function_id = scorer["id"], stream = true, input = new { input = new { pick = "No" }, output = "4", expected = "five" },
        })).AssertOk();

        Assert.Equal("judge", (string)score["name"]!);
        Assert.Equal(0.5, (double)score["score"]!);
        Assert.Equal("Partly", (string)score["metadata"]!["choice"]!);
        Assert.StartsWith("echo: Is 4 like four?", (string)score["metadata"]!["rationale"]!);
        var sent = fixture.Provider.Requests.First(r => r.Body.Contains("choose:Partly", StringComparison.Ordinal)).Json;
        Assert.Equal("select_choice", (string)sent["tool_choice"]!["function"]!["name"]!);
        var streamedScore = JsonNode.Parse(string.Concat(SseEvents(streamed.Body).Where(e => e.Event == "json_delta").Select(e => e.Data)))!;
        Assert.Equal(0, (double)streamedScore["score"]!);
    }

    [Theory]
    [InlineData("claude-3-5-haiku-latest")]
    [InlineData("gemini-2.0-flash")]
    [InlineData("gpt-4o-mini")]
    public async Task LlmClassifierScorer_WorksWithEachProvidersToolCalls_PlainAndStreamed(string model)
    {
        var tenant = await fixture.NewTenantAsync();
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        var data = new
        {
            prompt = new { type = "chat", messages = new[] { new { role = "system", content = "Judge." }, new { role = "user", content = "choose:{{input}}" } } },
            options = new { model },
            parser = new { type = "llm_classifier", use_cot = false, choice_scores = new { Good = 1, Bad = 0 } },
        };
        var scorer = await CreateFunctionAsync(tenant, project, "judge-" + model[..3], data, functionType: "scorer");

        var plain = (await tenant.PostAsync("/function/invoke", new { function_id = scorer["id"], input = "Bad" })).AssertOk().Json;
        var streamed = (await tenant.PostAsync("/function/invoke", new { function_id = scorer["id"], input = "Good", stream = true })).AssertOk();

        Assert.Equal(0, (double)plain["score"]!);
        Assert.Equal("Bad", (string)plain["metadata"]!["choice"]!);
        var final = JsonNode.Parse(string.Concat(SseEvents(streamed.Body).Where(e => e.Event == "json_delta").Select(e => e.Data)))!;
        Assert.Equal(1, (double)final["score"]!);
    }

    [Fact]
    public async Task Invocation_IsLoggedUnderTheParent_WithAnLlmChildSpanCarryingTokensAndCost()
    {
        var tenant = await fixture.NewTenantAsync();
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        var function = await CreateFunctionAsync(tenant, project, "logged", ChatPrompt("log {{input}}"));
        var experiment = (string)(await tenant.Api.CreateExperimentAsync(project))["id"]!;
        var rootId = (await tenant.Api.InsertAsync($"experiment/{experiment}", new { id = "row-1", input = "outer" })).Single();
        var outer = Assert.Single(await tenant.Api.FetchAllAsync($"experiment/{experiment}"));

        (await tenant.PostAsync("/function/invoke", new
        {
            function_id = function["id"], input = "me", metadata = new { caller = "test" }, tags = new[] { "t1" },
            parent = new
            {
                object_type = "experiment", object_id = experiment,
                row_ids = new { id = rootId, span_id = outer["span_id"], root_span_id = outer["root_span_id"] },
                propagated_event = new { span_attributes = new { purpose = "scorer" } },
            },
        })).AssertOk();

        var spans = await tenant.Api.FetchAllAsync($"experiment/{experiment}");
        var fn = spans.Single(s => (string?)s["span_attributes"]?["type"] == "function");
        var llm = spans.Single(s => (string?)s["span_attributes"]?["type"] == "llm");
        Assert.Equal((string)outer["root_span_id"]!, (string)fn["root_span_id"]!);
        Assert.Equal((string)outer["span_id"]!, (string)fn["span_parents"]![0]!);
        Assert.Equal((string)fn["span_id"]!, (string)llm["span_parents"]![0]!);
        Assert.Equal("logged", (string)fn["span_attributes"]!["name"]!);
        Assert.Equal("scorer", (string)fn["span_attributes"]!["purpose"]!);
        Assert.Equal("me", (string)fn["input"]!);
        Assert.Equal(FakeProvider.Reply("log me"), (string)fn["output"]!);
        Assert.Equal("test", (string)fn["metadata"]!["caller"]!);
        Assert.Equal((string)function["id"]!, (string)fn["metadata"]!["function"]!["id"]!);
        Assert.Equal("t1", (string)fn["tags"]![0]!);
        Assert.Equal("log me", (string)llm["input"]![1]!["content"]!);
        Assert.Equal("gpt-4o-mini", (string)llm["metadata"]!["model"]!);
        var metrics = llm["metrics"]!;
        Assert.Equal((int)metrics["prompt_tokens"]! + (int)metrics["completion_tokens"]!, (int)metrics["tokens"]!);
        Assert.Equal(((int)metrics["prompt_tokens"]! * 0.15 + (int)metrics["completion_tokens"]! * 0.60) / 1e6, (double)metrics["estimated_cost"]!, 12);
        Assert.True((double)fn["metrics"]!["end"]! >= (double)fn["metrics"]!["start"]!);
    }

    [Fact]
    public async Task WithoutAParent_TheCallIsLoggedToTheFunctionsProject()
    {
        var tenant = await fixture.NewTenantAsync();
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        var function = await CreateFunctionAsync(tenant, project, "default-log", ChatPrompt("d {{input}}"));

        (await tenant.PostAsync("/function/invoke", new { function_id = function["id"], input = "x", parent = "" })).AssertOk();

        var spans = await tenant.Api.FetchAllAsync($"project_logs/{project}");
        Assert.Equal(2, spans.Count);
        Assert.Contains(spans, s => (string?)s["span_attributes"]?["name"] == "default-log");
    }

    [Fact]
    public async Task ProviderFailure_IsA502_OrAnErrorEventOnceStreaming_AndTheSpanRecordsIt()
    {
        var tenant = await fixture.NewTenantAsync();
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        var function = await CreateFunctionAsync(tenant, project, "failing", ChatPrompt("{{input}}", system: null));

        (await tenant.PostAsync("/function/invoke", new { function_id = function["id"], input = "fail:500" }))
            .AssertError(HttpStatusCode.BadGateway, "answered 500");

        var spans = await tenant.Api.FetchAllAsync($"project_logs/{project}");
        Assert.All(spans, s => Assert.Contains("answered 500", (string)s["error"]!, StringComparison.Ordinal));
    }

    [Fact]
    public async Task BadRequests_NameTheProblem()
    {
        var tenant = await fixture.NewTenantAsync();
        var other = await fixture.NewTenantAsync();
        var project = (string)(await other.Api.CreateProjectAsync())["id"]!;
        var foreign = await CreateFunctionAsync(other, project, "theirs", ChatPrompt("x"));
        var own = await CreateFunctionAsync(tenant, (string)(await tenant.Api.CreateProjectAsync())["id"]!, "mine", ChatPrompt("x"));

        (await tenant.PostAsync("/function/invoke", new { input = 1 })).AssertError(HttpStatusCode.BadRequest, "name the function to run");
        (await tenant.PostAsync("/function/invoke", new { slug = "s" })).AssertError(HttpStatusCode.BadRequest, "project_name or project_id");
        (await tenant.PostAsync("/function/invoke", new { function_id = foreign["id"] })).AssertError(HttpStatusCode.BadRequest, "no function");
        (await tenant.PostAsync($"/v1/function/{Guid.NewGuid()}/invoke", new { })).AssertError(HttpStatusCode.NotFound, "not found");
        (await tenant.PostAsync("/function/invoke", new { function_id = foreign["id"], mode = "loud" })).AssertError(HttpStatusCode.BadRequest, "mode");
        (await tenant.PostAsync("/function/invoke", new { function_id = own["id"], parent = new { object_type = "dataset", object_id = "x" } }))
            .AssertError(HttpStatusCode.BadRequest, "parent.object_type");
    }

    /// <summary>The (event, data) pairs of an SSE body.</summary>
    public static List<(string Event, string Data)> SseEvents(string body) =>
        body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(block => block.Split('\n'))
            .Select(lines => (
                lines.FirstOrDefault(l => l.StartsWith("event: ", StringComparison.Ordinal))?[7..] ?? "",
                string.Join("\n", lines.Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => l[6..]))))
            .ToList();
}
