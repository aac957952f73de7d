using System.Net;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;
using static Braid.Server.Tests.Objects.Prompts;

namespace Braid.Server.Tests.Objects;

public sealed class FunctionsTests(BraidApp app) : IClassFixture<BraidApp>
{
    private const string Inline = """{"type":"code","data":{"type":"inline","runtime_context":{"runtime":"node","version":"20"},"code":"return 1"}}""";

    // One valid function_data of each FunctionData type.
    public static TheoryData<string> EveryFunctionDataType => new()
    {
        """{"type":"prompt"}""",
        Inline,
        """{"type":"code","data":{"type":"bundle","runtime_context":{"runtime":"python","version":"3.12"},"location":{"type":"experiment","eval_name":"e","position":{"type":"scorer","index":0}},"bundle_id":"b1"}}""",
        """{"type":"code","data":{"type":"bundle","runtime_context":{"runtime":"node","version":"22"},"location":{"type":"function","index":2},"preview":null}}""",
        """{"type":"graph","nodes":{},"edges":{}}""",
        """{"type":"remote_eval","endpoint":"https://evals.example.com","eval_name":"e","parameters":{"k":1}}""",
        """{"type":"global","name":"Factuality","function_type":"scorer","config":null}""",
        """{"type":"facet","prompt":"What is the topic?","model":"gpt-4o-mini"}""",
        """{"type":"batched_facet","facets":[{"name":"topic","prompt":"What is the topic?"}]}""",
        """{"type":"parameters","data":{"temperature":0.5},"__schema":{"type":"object","properties":{"temperature":{"type":"number"}}}}""",
        """{"type":"topic_map","source_facet":"topic","embedding_model":"text-embedding-3-small"}""",
    };

    [Theory]
    [MemberData(nameof(EveryFunctionDataType))]
    public async Task Post_AcceptsEachFunctionDataType_AndReturnsItAsSent(string functionData)
    {
        var api = await app.NewTenantAsync();
        var created = (await api.SendAsync(HttpMethod.Post, "/v1/function", Body(await ProjectAsync(api), "f", functionData))).AssertOk().Json;

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(functionData), created["function_data"]), created.ToJsonString());
        Assert.Equal("p", (string)created["log_id"]!);
        Assert.Equal(api.OrgId, (string)created["org_id"]!);
        Assert.Matches("^[0-9]{19}$", Xact(created));
    }

    [Theory]
    [InlineData("", "function_data")]
    [InlineData(""","function_data":null""", "function_data")]
    [InlineData(""","function_data":"code" """, "function_data")]
    [InlineData(""","function_data":{}""", "function_data.type")]
    [InlineData(""","function_data":{"type":"lambda"}""", "function_data.type")]
    [InlineData(""","function_data":{"type":"code"}""", "function_data.data")]
    [InlineData(""","function_data":{"type":"code","data":{"type":"zip"}}""", "function_data.data.type")]
    [InlineData(""","function_data":{"type":"code","data":{"type":"inline","code":"x"}}""", "function_data.data.runtime_context")]
    [InlineData(""","function_data":{"type":"code","data":{"type":"inline","runtime_context":{"runtime":"ruby","version":"3"},"code":"x"}}""", "function_data.data.runtime_context.runtime")]
    [InlineData(""","function_data":{"type":"code","data":{"type":"inline","runtime_context":{"runtime":"node"},"code":"x"}}""", "function_data.data.runtime_context.version")]
    [InlineData(""","function_data":{"type":"code","data":{"type":"inline","runtime_context":{"runtime":"node","version":"1"}}}""", "function_data.data.code")]
    [InlineData(""","function_data":{"type":"code","data":{"type":"bundle","runtime_context":{"runtime":"node","version":"1"}}}""", "function_data.data.location")]
    [InlineData(""","function_data":{"type":"code","data":{"type":"bundle","runtime_context":{"runtime":"node","version":"1"},"location":{"type":"function"}}}""", "function_data.data.location.index")]
    [InlineData(""","function_data":{"type":"graph","nodes":{}}""", "function_data.edges")]
    [InlineData(""","function_data":{"type":"remote_eval","endpoint":"u","eval_name":"e"}""", "function_data.parameters")]
    [InlineData(""","function_data":{"type":"global"}""", "function_data.name")]
    [InlineData(""","function_data":{"type":"global","name":"n","function_type":"robot"}""", "function_data.function_type")]
    [InlineData(""","function_data":{"type":"facet"}""", "function_data.prompt")]
    [InlineData(""","function_data":{"type":"batched_facet","facets":[{"name":"n"}]}""", "function_data.facets[0].prompt")]
    [InlineData(""","function_data":{"type":"parameters","data":{}}""", "function_data.__schema")]
    [InlineData(""","function_data":{"type":"parameters","data":{},"__schema":{"type":"array","properties":{}}}""", "function_data.__schema.type")]
    [InlineData(""","function_data":{"type":"topic_map","source_facet":"f"}""", "function_data.embedding_model")]
    [InlineData(""","function_data":{"type":"prompt"},"origin":{"object_type":"project"}""", "origin.object_id")]
    [InlineData(""","function_data":{"type":"prompt"},"origin":{"object_type":"galaxy","object_id":"x"}""", "origin.object_type")]
    [InlineData(""","function_data":{"type":"prompt"},"function_schema":[]""", "function_schema")]
    [InlineData(""","function_data":{"type":"prompt"},"prompt_data":{"prompt":{"type":"chat"}}""", "prompt_data.prompt.messages")]
    [InlineData(""","function_data":{"type":"prompt"},"if_exists":"overwrite" """, "if_exists")]
    public async Task Post_BadFunction_Is400NamingThePath(string extra, string mentions)
    {
        var api = await app.NewTenantAsync();
        var project = await ProjectAsync(api);
        var body = $$"""{"project_id":"{{project}}","name":"f","slug":"f"{{extra}}}""";
        (await api.SendAsync(HttpMethod.Post, "/v1/function", body)).AssertError(HttpStatusCode.BadRequest, mentions);
        Assert.Empty((await api.GetAsync("/v1/function")).AssertOk().Objects);
    }

    [Fact]
    public async Task Post_IfExists_IgnoreReturnsTheExisting_ReplaceReplacesIt_ErrorRefuses()
    {
        var api = await app.NewTenantAsync();
        var project = await ProjectAsync(api);
        var first = (await api.SendAsync(HttpMethod.Post, "/v1/function", Body(project, "tool", Inline))).AssertOk();

        // No if_exists is register semantics, as for every POST; ignore says the same.
        const string changed = """{"type":"code","data":{"type":"inline","runtime_context":{"runtime":"node","version":"20"},"code":"return 2"}}""";
        foreach (var ifExists in new[] { "", "ignore" })
        {
            var again = (await api.SendAsync(HttpMethod.Post, "/v1/function", Body(project, "tool", changed, ifExists))).AssertOk();
            Assert.Equal("true", again.Header("x-bt-found-existing"));
            Assert.True(JsonNode.DeepEquals(first.Json, again.Json), again.Body);
        }

        (await api.SendAsync(HttpMethod.Post, "/v1/function", Body(project, "tool", changed, "error"))).AssertError(HttpStatusCode.BadRequest, "slug");
        var replaced = (await api.SendAsync(HttpMethod.Post, "/v1/function", Body(project, "tool", changed, "replace"))).AssertOk();
        Assert.Equal(first.Id, replaced.Id);
        Assert.Equal("true", replaced.Header("x-bt-found-existing"));
        Assert.Equal("return 2", (string)replaced.Json["function_data"]!["data"]!["code"]!);
        Assert.True(string.CompareOrdinal(Xact(replaced.Json), Xact(first.Json)) > 0);
        Assert.Equal("return 1", (string)(await api.GetAsync($"/v1/function/{first.Id}?version={Xact(first.Json)}")).AssertOk().Json["function_data"]!["data"]!["code"]!);

        // Without an existing function every if_exists creates.
        foreach (var ifExists in new[] { "error", "replace", "ignore" })
        {
            var created = (await api.SendAsync(HttpMethod.Post, "/v1/function", Body(project, "new-" + ifExists, Inline, ifExists))).AssertOk();
            Assert.Null(created.Header("x-bt-found-existing"));
        }

        Assert.Equal(4, (await api.GetAsync($"/v1/function?project_id={project}")).AssertOk().Objects.Count);
    }

    [Fact]
    public async Task PutAndPatch_MakeNewVersions_AndTheSlugStaysPut()
    {
        var api = await app.NewTenantAsync();
        var project = await ProjectAsync(api);
        var v1 = (await api.SendAsync(HttpMethod.Put, "/v1/function", Body(project, "scorer", Inline))).AssertOk().Json;
        var id = (string)v1["id"]!;
        var v2 = (await api.PatchAsync($"/v1/function/{id}", new
        {
            name = "Renamed", slug = "ignored", function_data = new { type = "global", name = "Factuality" },
        })).AssertOk().Json;

        // PatchFunction has no slug (unlike PatchPrompt): a function keeps the slug it was registered under.
        Assert.Equal("scorer", (string)v2["slug"]!);
        Assert.Equal("Renamed", (string)v2["name"]!);
        Assert.Equal("global", (string)v2["function_data"]!["type"]!);
        Assert.False(v2["function_data"]!.AsObject().ContainsKey("data"), "a function_data of another type replaces the old one, not merges into it");
        Assert.Equal("code", (string)(await api.GetAsync($"/v1/function/{id}?version={Pretty(Xact(v1))}")).AssertOk().Json["function_data"]!["type"]!);
        (await api.PatchAsync($"/v1/function/{id}", new { function_data = (object?)null })).AssertError(HttpStatusCode.BadRequest, "function_data");
        (await api.PatchAsync($"/v1/function/{id}", new { function_data = new { type = "remote_eval" } })).AssertError(HttpStatusCode.BadRequest, "function_data.endpoint");
    }

    [Fact]
    public async Task List_ByFunctionTypeAndSlug_FindsParameters_AsLoadParametersAsks()
    {
        var api = await app.NewTenantAsync();
        var project = await api.CreateProjectAsync("params-project");
        var parameters = """{"type":"parameters","data":{},"__schema":{"type":"object","properties":{}}}""";
        var wanted = (await api.SendAsync(HttpMethod.Post, "/v1/function", Body((string)project["id"]!, "settings", parameters, functionType: "parameters"))).AssertOk();
        await api.SendAsync(HttpMethod.Post, "/v1/function", Body((string)project["id"]!, "scorer", Inline, functionType: "scorer"));

        var found = (await api.GetAsync("/v1/function?project_name=params-project&slug=settings&function_type=parameters")).AssertOk().Objects;
        Assert.Equal(wanted.Id, (string)Assert.Single(found)["id"]!);
        Assert.Single((await api.GetAsync("/v1/function?function_type=scorer")).AssertOk().Objects);
        Assert.Single((await api.GetAsync("/v1/function?function_name=settings")).AssertOk().Objects);
        Assert.Empty((await api.GetAsync("/v1/function?slug=settings&function_type=scorer")).AssertOk().Objects);
    }

    [Fact]
    public async Task AnotherOrganizationsFunction_IsNotFound()
    {
        var owner = await app.NewTenantAsync();
        var stranger = await app.NewTenantAsync();
        var function = (await owner.SendAsync(HttpMethod.Post, "/v1/function", Body(await ProjectAsync(owner), "private", Inline))).AssertOk();

        (await stranger.GetAsync($"/v1/function/{function.Id}")).AssertError(HttpStatusCode.NotFound, function.Id);
        (await stranger.GetAsync($"/v1/function/{function.Id}?version={Xact(function.Json)}")).AssertError(HttpStatusCode.NotFound, function.Id);
        (await stranger.PatchAsync($"/v1/function/{function.Id}", new { name = "x" })).AssertError(HttpStatusCode.NotFound, function.Id);
        (await stranger.DeleteAsync($"/v1/function/{function.Id}")).AssertError(HttpStatusCode.NotFound, function.Id);
        Assert.Empty((await stranger.GetAsync("/v1/function?slug=private")).AssertOk().Objects);
    }

    private static async Task<string> ProjectAsync(ApiClient api) => (string)(await api.CreateProjectAsync())["id"]!;

    private static string Body(string project, string slug, string functionData, string ifExists = "", string? functionType = null)
    {
        var body = new JsonObject
        {
            ["project_id"] = project,
            ["name"] = slug,
            ["slug"] = slug,
            ["function_data"] = JsonNode.Parse(functionData),
        };
        if (ifExists.Length > 0)
        {
            body["if_exists"] = ifExists;
        }

        if (functionType is not null)
        {
            body["function_type"] = functionType;
        }

        return body.ToJsonString();
    }
}
