using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Objects;

/// <summary>The rules every kind shares through the generic mechanism, asserted for each kind.</summary>
public sealed class ObjectKindsTests(BraidApp app) : IClassFixture<BraidApp>
{
    public static TheoryData<string> Kinds => new()
    {
        "project", "experiment", "dataset", "dataset_snapshot", "environment", "project_score", "project_tag", "span_iframe",
        "agent", "project_automation", "mcp_server", "view",
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task ConcurrentRegistrationsOfOneName_AllGetTheSameObject(string kind)
    {
        var api = await app.NewTenantAsync();
        var (body, scope) = await BodyAsync(api, kind, "racy");

        var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => api.PostAsync(PathOf(kind), body)));
        Assert.All(responses, r => r.AssertOk());
        Assert.Single(responses.Select(r => r.Id).Distinct());
        Assert.Equal(15, responses.Count(r => r.Header("x-bt-found-existing") == "true"));
        var nameFilter = kind == "environment" ? "name" : $"{kind}_name";
        Assert.Single((await api.GetAsync($"{PathOf(kind)}?{nameFilter}=racy&{Query(scope)}")).AssertOk().Objects);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task PathIdThatIsNotAUuid_Is400_AndAnUnknownOneIs404(string kind)
    {
        var api = await app.NewTenantAsync();
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Patch, HttpMethod.Delete })
        {
            var body = method == HttpMethod.Patch ? "{}" : null;
            (await api.SendAsync(method, $"{PathOf(kind)}/123", body)).AssertError(HttpStatusCode.BadRequest, $"{kind}_id");
            (await api.SendAsync(method, $"{PathOf(kind)}/{Guid.NewGuid()}", body)).AssertError(HttpStatusCode.NotFound, kind);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task PatchWithWrongTypesOrNoObject_Is400NamingTheField(string kind)
    {
        var api = await app.NewTenantAsync();
        var (body, scope) = await BodyAsync(api, kind, "x");
        var id = (await api.PostAsync(PathOf(kind), body)).AssertOk().Id;

        (await api.PatchAsync($"{PathOf(kind)}/{id}", Scoped(scope, new { name = 5 }))).AssertError(HttpStatusCode.BadRequest, "name");
        if (kind != "view")
        {
            // Views have no description (spec View).
            (await api.PatchAsync($"{PathOf(kind)}/{id}", Scoped(scope, new { description = true }))).AssertError(HttpStatusCode.BadRequest, "description");
        }

        (await api.SendAsync(HttpMethod.Patch, $"{PathOf(kind)}/{id}", "[]")).AssertError(HttpStatusCode.BadRequest, "JSON object");
        (await api.SendAsync(HttpMethod.Patch, $"{PathOf(kind)}/{id}", "")).AssertError(HttpStatusCode.BadRequest, "required");
        Assert.Equal("x", (string)(await api.GetAsync($"{PathOf(kind)}/{id}?{Query(scope)}")).AssertOk().Json["name"]!);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task ListWithBadParameters_Is400NamingTheParameter(string kind)
    {
        var api = await app.NewTenantAsync();
        (await api.GetAsync($"{PathOf(kind)}?limit=1.5")).AssertError(HttpStatusCode.BadRequest, "limit");
        (await api.GetAsync($"{PathOf(kind)}?ids=1,2")).AssertError(HttpStatusCode.BadRequest, "ids");
        (await api.GetAsync($"{PathOf(kind)}?ending_before=x")).AssertError(HttpStatusCode.BadRequest, "ending_before");
        if (ProjectScoped.Contains(kind))
        {
            (await api.GetAsync($"{PathOf(kind)}?project_id=x")).AssertError(HttpStatusCode.BadRequest, "project_id");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task EmptyPatch_ChangesNothing(string kind)
    {
        var api = await app.NewTenantAsync();
        var (body, scope) = await BodyAsync(api, kind, "same");
        var created = (await api.PostAsync(PathOf(kind), body)).AssertOk();
        var patched = (await api.PatchAsync($"{PathOf(kind)}/{created.Id}", Scoped(scope, new { }))).AssertOk();
        Assert.True(JsonNode.DeepEquals(created.Object, patched.Object), patched.Body);
    }

    private static readonly HashSet<string> ProjectScoped =
        ["experiment", "dataset", "project_score", "project_tag", "span_iframe", "agent", "project_automation", "mcp_server"];

    private static string PathOf(string kind) => kind == "environment" ? "/environment" : $"/v1/{kind}";

    // A create body with the kind's required fields, and the object a view hangs on (reads of views must name it).
    private static async Task<(string Body, JsonObject Scope)> BodyAsync(ApiClient api, string kind, string name)
    {
        var body = new JsonObject { ["name"] = name };
        var scope = new JsonObject();
        if (ProjectScoped.Contains(kind) || kind == "view")
        {
            body["project_id"] = (string)(await api.CreateProjectAsync())["id"]!;
        }

        switch (kind)
        {
            case "dataset_snapshot":
                body["dataset_id"] = (await api.PostAsync("/v1/dataset", new { project_id = (await api.CreateProjectAsync())["id"]!.ToString(), name = "d" })).AssertOk().Id;
                body["xact_id"] = "1000";
                break;
            case "environment":
                body["slug"] = name;
                break;
            case "project_score":
                body["score_type"] = "slider";
                break;
            case "span_iframe" or "mcp_server":
                body["url"] = "https://example.com";
                break;
            case "project_automation":
                body["config"] = JsonNode.Parse("""{"event_type":"retention","object_type":"project_logs","retention_days":30}""");
                break;
            case "view":
                scope["object_type"] = "project";
                scope["object_id"] = body["project_id"]!.DeepClone();
                body.Remove("project_id");
                body["view_type"] = "logs";
                break;
        }

        foreach (var (key, value) in scope)
        {
            body[key] = value?.DeepClone();
        }

        return (body.ToJsonString(), scope);
    }

    private static string Scoped(JsonObject scope, object patch)
    {
        var body = JsonSerializer.SerializeToNode(patch)!.AsObject();
        foreach (var (key, value) in scope)
        {
            body[key] = value?.DeepClone();
        }

        return body.ToJsonString();
    }

    private static string Query(JsonObject scope) => string.Join('&', scope.Select(p => $"{p.Key}={p.Value}"));
}
