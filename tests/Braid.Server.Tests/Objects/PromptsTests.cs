using System.Net;
using Braid.Server.Tests.Infrastructure;
using static Braid.Server.Tests.Objects.Prompts;

namespace Braid.Server.Tests.Objects;

public sealed class PromptsTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task Post_CreatesAVersionedProjectPrompt_AndRegistersBySlug()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var created = (await api.PostAsync("/v1/prompt", new
        {
            project_id = project, name = "Greeter", slug = "greeter", description = "says hi", prompt_data = Chat("hi {{name}}"),
            tags = new[] { "a" }, function_type = "llm",
        })).AssertOk();

        Assert.Equal("p", (string)created.Json["log_id"]!);
        Assert.Equal(api.OrgId, (string)created.Json["org_id"]!);
        Assert.Equal(project, (string)created.Json["project_id"]!);
        Assert.Equal("llm", (string)created.Json["function_type"]!);
        Assert.Matches("^[0-9]{19}$", Xact(created.Json));
        Assert.Null(created.Header("x-bt-found-existing"));

        var again = (await api.PostAsync("/v1/prompt", new { project_id = project, name = "Other", slug = "greeter", prompt_data = Chat("bye") })).AssertOk();
        Assert.Equal("true", again.Header("x-bt-found-existing"));
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(created.Json, again.Json), again.Body);

        // A slug is unique per project, not per organization.
        var elsewhere = (string)(await api.CreateProjectAsync())["id"]!;
        Assert.NotEqual(created.Id, (string)(await CreateAsync(api, elsewhere, "greeter"))["id"]!);
    }

    [Fact]
    public async Task Put_ReplacesTheGivenFieldsOfTheSlugsPrompt_AsANewVersion()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var v1 = await CreateAsync(api, project, "summarize", "v1");

        var put = (await api.SendAsync(HttpMethod.Put, "/v1/prompt", ApiClient.Serialize(new
        {
            project_id = project, name = "Summarize", slug = "summarize", prompt_data = Chat("v2"),
        }))).AssertOk();
        Assert.Equal((string)v1["id"]!, put.Id);
        Assert.Equal("true", put.Header("x-bt-found-existing"));
        Assert.Equal("v2", Text(put.Json));
        Assert.Equal("Summarize", (string)put.Json["name"]!);
        Assert.True(string.CompareOrdinal(Xact(put.Json), Xact(v1)) > 0);

        var fresh = (await api.SendAsync(HttpMethod.Put, "/v1/prompt", ApiClient.Serialize(new { project_id = project, name = "n", slug = "new-one" }))).AssertOk();
        Assert.Null(fresh.Header("x-bt-found-existing"));
        Assert.NotEqual(put.Id, fresh.Id);
    }

    [Fact]
    public async Task ConcurrentWrites_AllLand_EachAsItsOwnVersion()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var registered = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            api.PostAsync("/v1/prompt", new { project_id = project, name = "racy", slug = "racy", prompt_data = Chat("first") })));
        var id = Assert.Single(registered.Select(r => r.AssertOk().Id).Distinct());

        var patches = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => api.PatchAsync($"/v1/prompt/{id}", new { prompt_data = Chat($"edit {i}") })));
        var versions = patches.Select(p => Xact(p.AssertOk().Json)).ToList();
        Assert.Equal(8, versions.Distinct().Count());
        foreach (var patch in patches)
        {
            Assert.Equal(Text(patch.Json), Text((await api.GetAsync($"/v1/prompt/{id}?version={Xact(patch.Json)}")).AssertOk().Json));
        }

        Assert.Equal(versions.Max(StringComparer.Ordinal), Xact((await api.GetAsync($"/v1/prompt/{id}")).AssertOk().Json));
    }

    [Fact]
    public async Task EveryWrite_KeepsAVersion_ReadableByXactIdOrItsHexForm()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var v1 = await CreateAsync(api, project, "qa", "one");
        var id = (string)v1["id"]!;
        var v2 = (await api.PatchAsync($"/v1/prompt/{id}", new { prompt_data = Chat("two") })).AssertOk().Json;
        var v3 = (await api.SendAsync(HttpMethod.Put, "/v1/prompt", ApiClient.Serialize(new { project_id = project, name = "qa", slug = "qa", prompt_data = Chat("three") })))
            .AssertOk().Json;
        Assert.Equal(3, new[] { Xact(v1), Xact(v2), Xact(v3) }.Distinct().Count());

        Assert.Equal("three", Text((await api.GetAsync($"/v1/prompt/{id}")).AssertOk().Json));
        Assert.Equal("one", Text((await api.GetAsync($"/v1/prompt/{id}?version={Xact(v1)}")).AssertOk().Json));
        Assert.Equal("two", Text((await api.GetAsync($"/v1/prompt/{id}?version={Xact(v2)}")).AssertOk().Json));
        var byHex = (await api.GetAsync($"/v1/prompt/{id}?version={Pretty(Xact(v1))}")).AssertOk().Json;
        Assert.Equal("one", Text(byHex));
        Assert.Equal(Xact(v1), Xact(byHex));

        // A version is a point in time: between two writes the earlier one is current; before the first, nothing was.
        Assert.Equal("one", Text((await api.GetAsync($"/v1/prompt/{id}?version={Shift(Xact(v2), -1)}")).AssertOk().Json));
        (await api.GetAsync($"/v1/prompt/{id}?version={Shift(Xact(v1), -1)}")).AssertError(HttpStatusCode.NotFound, id);
    }

    [Theory]
    [InlineData("version=abc", "version")]
    [InlineData("version=zzzzzzzzzzzzzzzz", "version")]
    [InlineData("version=-5", "version")]
    [InlineData("version=1&environment=production", "environment")]
    public async Task Get_WithABadVersion_Is400NamingIt(string query, string mentions)
    {
        var api = await app.NewTenantAsync();
        var prompt = await CreateAsync(api, (string)(await api.CreateProjectAsync())["id"]!, "p");
        (await api.GetAsync($"/v1/prompt/{prompt["id"]}?{query}")).AssertError(HttpStatusCode.BadRequest, mentions);
        (await api.GetAsync($"/v1/prompt?{query}")).AssertError(HttpStatusCode.BadRequest, mentions);
    }

    [Fact]
    public async Task Versions_AreReadOnlyThroughTheirOwnPrompt()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var first = await CreateAsync(api, project, "first", "mine");
        var second = await CreateAsync(api, project, "second", "yours");

        // The second prompt did not exist at the first one's version, and the first's content never shows under the second's id.
        (await api.GetAsync($"/v1/prompt/{second["id"]}?version={Xact(first)}")).AssertError(HttpStatusCode.NotFound, "prompt");
        Assert.Equal("yours", Text((await api.GetAsync($"/v1/prompt/{second["id"]}?version={Xact(second)}")).AssertOk().Json));
        Assert.Equal("mine", Text((await api.GetAsync($"/v1/prompt/{first["id"]}?version={Xact(second)}")).AssertOk().Json));
    }

    [Fact]
    public async Task AnotherOrganizationsPrompt_IsNotFound_AtAnyVersion()
    {
        var owner = await app.NewTenantAsync();
        var stranger = await app.NewTenantAsync();
        var prompt = await CreateAsync(owner, (string)(await owner.CreateProjectAsync())["id"]!, "secret");
        var id = (string)prompt["id"]!;

        (await stranger.GetAsync($"/v1/prompt/{id}")).AssertError(HttpStatusCode.NotFound, id);
        (await stranger.GetAsync($"/v1/prompt/{id}?version={Xact(prompt)}")).AssertError(HttpStatusCode.NotFound, id);
        (await stranger.PatchAsync($"/v1/prompt/{id}", new { name = "mine" })).AssertError(HttpStatusCode.NotFound, id);
        (await stranger.DeleteAsync($"/v1/prompt/{id}")).AssertError(HttpStatusCode.NotFound, id);
        Assert.Empty((await stranger.GetAsync($"/v1/prompt?ids={id}")).AssertOk().Objects);
        Assert.Empty((await stranger.GetAsync("/v1/prompt?slug=secret")).AssertOk().Objects);
        (await stranger.PostAsync("/v1/prompt", new { project_id = (string)prompt["project_id"]!, name = "x", slug = "secret" }))
            .AssertError(HttpStatusCode.BadRequest, "project_id");
        Assert.Equal("secret", (string)(await owner.GetAsync($"/v1/prompt/{id}")).AssertOk().Json["name"]!);
    }

    [Fact]
    public async Task List_ByProjectAndSlug_FindsOnePrompt_AsLoadPromptAsks()
    {
        var api = await app.NewTenantAsync();
        var alpha = await api.CreateProjectAsync("alpha");
        var beta = await api.CreateProjectAsync("beta");
        var mine = await CreateAsync(api, (string)alpha["id"]!, "shared-slug", "alpha's");
        await CreateAsync(api, (string)beta["id"]!, "shared-slug", "beta's");
        await CreateAsync(api, (string)alpha["id"]!, "other");

        var byName = (await api.GetAsync("/v1/prompt?project_name=alpha&slug=shared-slug")).AssertOk().Objects;
        Assert.Equal((string)mine["id"]!, (string)Assert.Single(byName)["id"]!);
        var byId = (await api.GetAsync($"/v1/prompt?project_id={alpha["id"]}&slug=shared-slug")).AssertOk().Objects;
        Assert.Equal("alpha's", Text(Assert.Single(byId)));
        Assert.Equal(2, (await api.GetAsync("/v1/prompt?slug=shared-slug")).AssertOk().Objects.Count);
        Assert.Single((await api.GetAsync("/v1/prompt?prompt_name=other")).AssertOk().Objects);
        Assert.Equal(3, (await api.GetAsync("/v1/prompt")).AssertOk().Objects.Count);
    }

    [Fact]
    public async Task ListWithVersion_ShowsEachPromptAsItWasThen()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var old = await CreateAsync(api, project, "old", "before");
        var then = Xact(old);
        (await api.PatchAsync($"/v1/prompt/{old["id"]}", new { prompt_data = Chat("after") })).AssertOk();
        await CreateAsync(api, project, "later");

        var listed = (await api.GetAsync($"/v1/prompt?project_id={project}&version={then}")).AssertOk().Objects;
        Assert.Equal("before", Text(Assert.Single(listed)));
        var bySlug = (await api.GetAsync($"/v1/prompt?project_id={project}&slug=old&version={Pretty(then)}")).AssertOk().Objects;
        Assert.Equal("before", Text(Assert.Single(bySlug)));
        Assert.Empty((await api.GetAsync($"/v1/prompt?project_id={project}&slug=later&version={then}")).AssertOk().Objects);
    }

    [Fact]
    public async Task Patch_MergesPromptData_RenamesTheSlug_AndRefusesATakenOne()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var prompt = await CreateAsync(api, project, "draft", "text");
        await CreateAsync(api, project, "taken");
        var id = (string)prompt["id"]!;

        var patched = (await api.PatchAsync($"/v1/prompt/{id}", new
        {
            slug = "final", description = "d", prompt_data = new { options = new { @params = new { temperature = 0.2 } } },
        })).AssertOk().Json;
        Assert.Equal("final", (string)patched["slug"]!);
        Assert.Equal("text", Text(patched));
        Assert.Equal("gpt-4o", (string)patched["prompt_data"]!["options"]!["model"]!);
        Assert.Equal(0.2, (double)patched["prompt_data"]!["options"]!["params"]!["temperature"]!);
        Assert.Equal(id, (string)Assert.Single((await api.GetAsync($"/v1/prompt?project_id={project}&slug=final")).AssertOk().Objects)["id"]!);

        (await api.PatchAsync($"/v1/prompt/{id}", new { slug = "taken" })).AssertError(HttpStatusCode.BadRequest, "taken");
        (await api.PatchAsync($"/v1/prompt/{id}", new { prompt_data = new { prompt = new { type = "chat", messages = "no" } } }))
            .AssertError(HttpStatusCode.BadRequest, "prompt_data.prompt.messages");
        Assert.Equal("final", (string)(await api.GetAsync($"/v1/prompt/{id}")).AssertOk().Json["slug"]!);
    }

    [Fact]
    public async Task Delete_HidesThePrompt_AndFreesItsSlug()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var prompt = await CreateAsync(api, project, "gone");
        var id = (string)prompt["id"]!;

        var deleted = (await api.DeleteAsync($"/v1/prompt/{id}")).AssertOk();
        Assert.Equal(id, deleted.Id);
        (await api.GetAsync($"/v1/prompt/{id}")).AssertError(HttpStatusCode.NotFound, id);
        (await api.GetAsync($"/v1/prompt/{id}?version={Xact(prompt)}")).AssertError(HttpStatusCode.NotFound, id);
        Assert.Empty((await api.GetAsync($"/v1/prompt?project_id={project}")).AssertOk().Objects);
        Assert.NotEqual(id, (string)(await CreateAsync(api, project, "gone"))["id"]!);
    }

    [Fact]
    public async Task AFullPromptData_RoundTrips()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var body = """
            {"project_id":"{project}","name":"Classifier","slug":"classifier","function_type":"classifier",
             "prompt_data":{
               "prompt":{"type":"chat","messages":[{"role":"system","content":"be terse"},{"role":"user","content":[{"type":"text","text":"{{input}}"}]}],"tools":"[]"},
               "options":{"model":"claude-3-5-sonnet","params":{"max_tokens":100,"use_cache":true},"position":"0|a"},
               "parser":{"type":"llm_classifier","use_cot":true,"choice_scores":{"yes":1,"no":0},"choice":["yes","no"],"allow_no_match":false},
               "tool_functions":[{"type":"function","id":"f1","version":"1"},{"type":"global","name":"Factuality","function_type":"scorer"}],
               "template_format":"nunjucks",
               "mcp":{"docs":{"type":"url","url":"https://mcp.example.com","enabled_tools":null},"internal":{"type":"id","id":"{server}"}},
               "origin":{"prompt_id":"x","project_id":"y","prompt_version":"z"}}}
            """.Replace("{project}", project, StringComparison.Ordinal).Replace("{server}", Guid.NewGuid().ToString(), StringComparison.Ordinal);
        var created = (await api.SendAsync(HttpMethod.Post, "/v1/prompt", body)).AssertOk().Json;
        var completion = (await api.PostAsync("/v1/prompt", new
        {
            project_id = project, name = "c", slug = "c", prompt_data = new { prompt = new { type = "completion", content = "" }, template_format = (string?)null },
        })).AssertOk().Json;

        var sent = System.Text.Json.Nodes.JsonNode.Parse(body)!["prompt_data"];
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(sent, created["prompt_data"]), created.ToJsonString());
        Assert.Equal("", (string)completion["prompt_data"]!["prompt"]!["content"]!);
    }

    [Theory]
    [InlineData("""{"name":"x","slug":"s"}""", "project_id")]
    [InlineData("""{"project_id":"{project}","slug":"s"}""", "name")]
    [InlineData("""{"project_id":"{project}","name":"x"}""", "slug")]
    [InlineData("""{"project_id":"{project}","name":"x","slug":""}""", "slug")]
    [InlineData("""{"project_id":"{project}","name":"x","slug":"s","function_type":"bogus"}""", "function_type")]
    [InlineData("""{"project_id":"{project}","name":"x","slug":"s","prompt_data":"text"}""", "prompt_data")]
    [InlineData("""{"project_id":"{project}","name":"x","slug":"s","prompt_data":{"prompt":{"type":"speech"}}}""", "prompt_data.prompt.type")]
    [InlineData("""{"project_id":"{project}","name":"x","slug":"s","prompt_data":{"prompt":{"messages":[]}}}""", "prompt_data.prompt.type")]
    [InlineData("""{"project_id":"{project}","name":"x","slug":"s","prompt_data":{"prompt":{"type":"chat"}}}""", "prompt_data.prompt.messages")]
    [InlineData("""{"project_id":"{project}","name":"x","slug":"s","prompt_data":{"prompt":{"type":"chat","messages":[{"content":"hi"}]}}}""", "prompt_data.prompt.messages[0].role")]
    [InlineData("""{"project_id":"{project}","name":"x","slug":"s","prompt_data":{"prompt":{"type":"chat","messages":[{"role":"robot"}]}}}""", "prompt_data.prompt.messages[0].role")]
    [InlineData("""{"project_id":"{project}","name":"x","slug":"s","prompt_data":{"prompt":{"type":"chat","messages":["hi"]}}}""", "prompt_data.prompt.messages[0]")]
    [InlineData("""{"project_id":"{project}","name":"x","slug":"s","prompt_data":{"prompt":{"type":"completion"}}}""", "prompt_data.prompt.content")]
    [InlineData("""{"project_id":"{project}","name":"x","slug":"s","prompt_data":{"prompt":{"type":"completion","content":5}}}""", "prompt_data.prompt.content")]
    [InlineData("""{"project_id":"{project}","name":"x","slug":"s","prompt_data":{"template_format":"jinja"}}""", "prompt_data.template_format")]
    [InlineData("""{"project_id":"{project}","name":"x","slug":"s","prompt_data":{"options":{"model":4}}}""", "prompt_data.options.model")]
    [InlineData("""{"project_id":"{project}","name":"x","slug":"s","prompt_data":{"parser":{"type":"llm_classifier"}}}""", "prompt_data.parser.use_cot")]
    [InlineData("""{"project_id":"{project}","name":"x","slug":"s","prompt_data":{"tool_functions":[{"type":"function"}]}}""", "prompt_data.tool_functions[0].id")]
    [InlineData("""{"project_id":"{project}","name":"x","slug":"s","prompt_data":{"tool_functions":[{"type":"global","name":"n","function_type":"x"}]}}""", "prompt_data.tool_functions[0].function_type")]
    [InlineData("""{"project_id":"{project}","name":"x","slug":"s","prompt_data":{"mcp":{"srv":{"type":"url"}}}}""", "prompt_data.mcp.srv.url")]
    [InlineData("""{"project_id":"{project}","name":"x","slug":"s","prompt_data":{"mcp":{"srv":{"type":"id","id":"nope"}}}}""", "prompt_data.mcp.srv.id")]
    [InlineData("""{"project_id":"{project}","name":"x","slug":"s","prompt_data":{"mcp":{"srv":"url"}}}""", "prompt_data.mcp.srv")]
    public async Task Post_BadBody_Is400NamingThePath(string body, string mentions)
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var json = body.Replace("{project}", project, StringComparison.Ordinal);
        (await api.SendAsync(HttpMethod.Post, "/v1/prompt", json)).AssertError(HttpStatusCode.BadRequest, mentions);
        (await api.SendAsync(HttpMethod.Put, "/v1/prompt", json)).AssertError(HttpStatusCode.BadRequest, mentions);
        Assert.Empty((await api.GetAsync("/v1/prompt")).AssertOk().Objects);
    }
}
