using System.Net;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Query;

/// <summary>Prompts and functions read through <c>POST /btql</c>: project_prompts, project_functions, org_prompts, org_functions.</summary>
public sealed class PromptSourcesTests(BraidApp app) : IClassFixture<BraidApp>
{
    private static async Task<JsonObject> QueryAsync(ApiClient api, object query, object? settings = null)
    {
        var body = new JsonObject { ["query"] = query is string text ? text : JsonNode.Parse(ApiClient.Serialize(query)) };
        foreach (var (key, value) in settings is null ? [] : JsonNode.Parse(ApiClient.Serialize(settings))!.AsObject())
        {
            body[key] = value?.DeepClone();
        }

        return (await api.PostAsync("/btql", body.ToJsonString())).AssertOk().Object;
    }

    private static List<JsonObject> Data(JsonObject result) => result["data"]!.AsArray().Select(r => r!.AsObject()).ToList();

    private static async Task<JsonObject> PromptAsync(ApiClient api, string projectId, string slug, string content, object? metadata = null) =>
        (await api.PostAsync("/v1/prompt", new
        {
            project_id = projectId,
            name = "Prompt " + slug,
            slug,
            prompt_data = new { prompt = new { type = "completion", content } },
            metadata,
        })).AssertOk().Object;

    [Fact]
    public async Task ProjectPrompts_AreRowsThatFiltersAndSortsApplyTo()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var other = (string)(await api.CreateProjectAsync())["id"]!;
        var greet = await PromptAsync(api, project, "greet", "Say hello to {{name}}", new { team = "a" });
        await PromptAsync(api, project, "bye", "Say goodbye", new { team = "b" });
        await PromptAsync(api, other, "elsewhere", "Not in this project");

        var all = Data(await QueryAsync(api, $"select: * | from: project_prompts('{project}') | sort: slug"));
        Assert.Equal(["bye", "greet"], all.Select(r => (string)r["slug"]!));
        var row = all[1];
        Assert.Equal((string)greet["id"]!, (string)row["id"]!);
        Assert.Equal((string)greet["_xact_id"]!, (string)row["_xact_id"]!);
        Assert.Equal(project, (string)row["project_id"]!);
        Assert.Equal("Say hello to {{name}}", (string)row["prompt_data"]!["prompt"]!["content"]!);

        var filtered = Data(await QueryAsync(api, $"SELECT slug, metadata.team AS team FROM project_prompts('{project}') WHERE metadata.team = 'a'"));
        Assert.Equal("""[{"slug":"greet","team":"a"}]""", "[" + string.Join(",", filtered.Select(r => r.ToJsonString())) + "]");

        var matched = Data(await QueryAsync(api, $"select: slug | from: project_prompts('{project}') | filter: prompt_data MATCH 'goodbye'"));
        Assert.Equal(["bye"], matched.Select(r => (string)r["slug"]!));
    }

    [Fact]
    public async Task OrgPrompts_ReadEveryProjectOfTheCallersOrganizationOnly()
    {
        var api = await app.NewTenantAsync();
        var stranger = await app.NewTenantAsync();
        var first = (string)(await api.CreateProjectAsync())["id"]!;
        var second = (string)(await api.CreateProjectAsync())["id"]!;
        await PromptAsync(api, first, "one", "1");
        await PromptAsync(api, second, "two", "2");
        await PromptAsync(stranger, (string)(await stranger.CreateProjectAsync())["id"]!, "theirs", "3");

        var mine = Data(await QueryAsync(api, "select: slug, project_id | from: org_prompts() | sort: slug"));
        Assert.Equal(["one", "two"], mine.Select(r => (string)r["slug"]!));
        Assert.Equal([first, second], mine.Select(r => (string)r["project_id"]!));
        Assert.Equal(2, Data(await QueryAsync(api, $"select: id | from: org_prompts('{api.OrgId}')")).Count);

        (await api.PostAsync("/btql", new { query = $"select: id | from: org_prompts('{stranger.OrgId}')" }))
            .AssertError(HttpStatusCode.NotFound, "organization");
        (await stranger.PostAsync("/btql", new { query = $"select: id | from: project_prompts('{first}')" }))
            .AssertError(HttpStatusCode.NotFound, "project");
    }

    [Fact]
    public async Task AuditLog_ListsEveryVersionOfAPrompt_AsTheSdkReadsThem()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var created = await PromptAsync(api, project, "evolving", "v1");
        var id = (string)created["id"]!;
        var second = (await api.PatchAsync($"/v1/prompt/{id}", new { prompt_data = new { prompt = new { type = "completion", content = "v2" } } })).AssertOk().Object;
        var third = (await api.PatchAsync($"/v1/prompt/{id}", new { description = "now described" })).AssertOk().Object;
        await PromptAsync(api, project, "bystander", "other");

        // The SDK's getPromptVersions: the JSON form with audit_log, filtered to one prompt, reading audit_data.action and _xact_id.
        var versions = Data(await QueryAsync(api, new
        {
            from = new { op = "function", name = new { op = "ident", name = new[] { "project_prompts" } }, args = new[] { new { op = "literal", value = project } } },
            select = new[] { new { op = "star" } },
            filter = new { op = "eq", left = new { op = "ident", name = new[] { "id" } }, right = new { op = "literal", value = id } },
        }, new { audit_log = true }));

        Assert.Equal(
            new[] { created, second, third }.Select(v => (string)v["_xact_id"]!).Order(StringComparer.Ordinal),
            versions.Select(v => (string)v["_xact_id"]!).Order(StringComparer.Ordinal));
        Assert.All(versions, v => Assert.Equal("upsert", (string)v["audit_data"]!["action"]!));
        Assert.Contains(versions, v => (string?)v["prompt_data"]!["prompt"]!["content"] == "v1" && v["description"] is null);

        // Without audit_log the same query reads the current version only; with version, the one as of then.
        var current = Data(await QueryAsync(api, $"select: * | from: project_prompts('{project}') | filter: id = '{id}'"));
        Assert.Equal((string)third["_xact_id"]!, (string)Assert.Single(current)["_xact_id"]!);
        var asOf = Data(await QueryAsync(api, $"select: * | from: project_prompts('{project}') | filter: id = '{id}'", new { version = (string)second["_xact_id"]! }));
        Assert.Equal("v2", (string)Assert.Single(asOf)["prompt_data"]!["prompt"]!["content"]!);
        Assert.Null(asOf[0]["description"]);
    }

    [Fact]
    public async Task AuditLogPages_ContinueWithNoGapAndNoDuplicate()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var id = (string)(await PromptAsync(api, project, "paged", "0"))["id"]!;
        for (var i = 1; i < 7; i++)
        {
            (await api.PatchAsync($"/v1/prompt/{id}", new { description = $"edit {i}" })).AssertOk();
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await QueryAsync(api, $"select: _xact_id | from: project_prompts('{project}') | limit: 3" + (cursor is null ? "" : $" | cursor: '{cursor}'"), new { audit_log = true });
            seen.AddRange(Data(page).Select(r => (string)r["_xact_id"]!));
            cursor = (string?)page["cursor"];
        }
        while (cursor is not null);

        Assert.Equal(7, seen.Count);
        Assert.Equal(7, seen.Distinct().Count());
    }

    [Fact]
    public async Task PromptSources_AndAuditLogs_RefuseTraceShapes()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        (await api.PostAsync("/btql", new { query = $"select: * | from: project_prompts('{project}') traces" }))
            .AssertError(HttpStatusCode.BadRequest, "shape");
        (await api.PostAsync("/btql", new { query = $"select: * | from: project_logs('{project}') summary", audit_log = true }))
            .AssertError(HttpStatusCode.BadRequest, "audit_log");
    }

    [Fact]
    public async Task AuditLogOfLogs_ListsEveryVersionOfARow_DeletionIncluded()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var log = $"project_logs/{project}";
        await api.InsertAsync(log, new { id = "r", input = "first" }, new { id = "other", input = "x" });
        await api.InsertAsync(log, new { id = "r", input = "second" });
        await api.InsertAsync(log, new { id = "r", _is_merge = true, metadata = new { reviewed = true } });
        await api.InsertAsync(log, new { id = "r", _object_delete = true });

        var versions = Data(await QueryAsync(api, $"select: * | from: project_logs('{project}') | filter: id = 'r' | sort: _xact_id", new { audit_log = true }));
        Assert.Equal(["upsert", "upsert", "upsert", "delete"], versions.Select(v => (string)v["audit_data"]!["action"]!));
        Assert.Equal(["first", "second", "second"], versions.Take(3).Select(v => (string)v["input"]!));
        Assert.True((bool)versions[2]["metadata"]!["reviewed"]!);
        Assert.Equal(4, versions.Select(v => (string)v["_xact_id"]!).Distinct().Count());

        // The row itself is gone; the audit log as of the second write stops there.
        Assert.Empty(Data(await QueryAsync(api, $"select: * | from: project_logs('{project}') | filter: id = 'r'")));
        var early = Data(await QueryAsync(api, $"select: input | from: project_logs('{project}') | filter: id = 'r'",
            new { audit_log = true, version = (string)versions[1]["_xact_id"]! }));
        Assert.Equal(2, early.Count);
    }

    [Fact]
    public async Task ProjectFunctions_ReadFunctionsNotPrompts()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        await PromptAsync(api, project, "a-prompt", "p");
        (await api.PostAsync("/v1/function", new
        {
            project_id = project,
            name = "Tool",
            slug = "a-tool",
            function_type = "tool",
            function_data = new { type = "code", data = new { type = "inline", runtime_context = new { runtime = "node", version = "20" }, code = "return 1" } },
        })).AssertOk();

        var functions = Data(await QueryAsync(api, $"select: slug, function_type | from: project_functions('{project}')"));
        Assert.Equal("""[{"slug":"a-tool","function_type":"tool"}]""", "[" + string.Join(",", functions.Select(r => r.ToJsonString())) + "]");
    }
}
