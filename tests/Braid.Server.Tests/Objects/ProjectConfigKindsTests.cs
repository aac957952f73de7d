using System.Net;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Objects;

/// <summary>
/// The plain project-scoped kinds: project tags, span iframes, agents and MCP servers. Each is named within its
/// project and has one field of its own, which the theories change (<see cref="Cases"/>).
/// </summary>
public sealed class ProjectConfigKindsTests(BraidApp app) : IClassFixture<BraidApp>
{
    // kind → (required fields beside project_id and name, a field a PUT or PATCH replaces, its new value)
    private static readonly Dictionary<string, (string Required, string Field, string Value)> Cases = new()
    {
        ["project_tag"] = ("{}", "color", "\"#ff0000\""),
        ["span_iframe"] = ("""{"url":"https://example.com/span"}""", "url", "\"https://example.com/other\""),
        ["agent"] = ("{}", "metadata", """{"model":"gpt-4o"}"""),
        ["mcp_server"] = ("""{"url":"https://mcp.example.com"}""", "url", "\"https://mcp.example.com/v2\""),
    };

    public static TheoryData<string> Kinds => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Post_RegistersByNameWithinTheProject_ReturningTheExistingUnchanged(string kind)
    {
        var api = await app.NewTenantAsync();
        var p1 = (string)(await api.CreateProjectAsync())["id"]!;
        var p2 = (string)(await api.CreateProjectAsync())["id"]!;

        var created = (await api.PostAsync($"/v1/{kind}", Body(kind, p1, "n", description: "first"))).AssertOk();
        Assert.Equal(p1, (string)created.Json["project_id"]!);
        Assert.Equal(api.Key!.User.Id, (string)created.Json["user_id"]!);
        Assert.Null(created.Header("x-bt-found-existing"));

        var again = (await api.PostAsync($"/v1/{kind}", Body(kind, p1, "n", description: "second", replace: true))).AssertOk();
        Assert.Equal(created.Id, again.Id);
        Assert.Equal("true", again.Header("x-bt-found-existing"));
        Assert.True(JsonNode.DeepEquals(created.Object, again.Object), again.Body);

        Assert.NotEqual(created.Id, (await api.PostAsync($"/v1/{kind}", Body(kind, p2, "n"))).AssertOk().Id);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Put_CreatesThenReplacesTheGivenFields_KeepingIdAndTheOthers(string kind)
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var created = (await api.PutAsync($"/v1/{kind}", Body(kind, project, "n", description: "kept"))).AssertOk();
        Assert.Null(created.Header("x-bt-found-existing"));

        var replaced = (await api.PutAsync($"/v1/{kind}", Body(kind, project, "n", replace: true))).AssertOk();
        Assert.Equal(created.Id, replaced.Id);
        Assert.Equal("true", replaced.Header("x-bt-found-existing"));
        Assert.Equal("kept", (string)replaced.Json["description"]!);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Cases[kind].Value), replaced.Json[Cases[kind].Field]), replaced.Body);
        Assert.Single((await api.GetAsync($"/v1/{kind}")).AssertOk().Objects);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task PatchListDelete_FollowTheObjectConventions(string kind)
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync("home"))["id"]!;
        var a = (await api.PostAsync($"/v1/{kind}", Body(kind, project, "a"))).AssertOk().Id;
        var b = (await api.PostAsync($"/v1/{kind}", Body(kind, project, "b"))).AssertOk().Id;

        var patch = JsonNode.Parse($$"""{"name":"renamed","description":"d","{{Cases[kind].Field}}":{{Cases[kind].Value}}}""")!;
        var patched = (await api.PatchAsync($"/v1/{kind}/{a}", patch.ToJsonString())).AssertOk();
        Assert.Equal("renamed", (string)patched.Json["name"]!);
        Assert.True(JsonNode.DeepEquals(patch[Cases[kind].Field], patched.Json[Cases[kind].Field]), patched.Body);
        (await api.PatchAsync($"/v1/{kind}/{a}", new { name = "b" })).AssertError(HttpStatusCode.BadRequest, "name");

        Assert.Equal([b, a], (await api.GetAsync($"/v1/{kind}")).AssertOk().Objects.Select(o => (string)o["id"]!));
        Assert.Equal([a], (await api.GetAsync($"/v1/{kind}?{kind}_name=renamed")).AssertOk().Objects.Select(o => (string)o["id"]!));
        Assert.Equal([b], (await api.GetAsync($"/v1/{kind}?ids={b}")).AssertOk().Objects.Select(o => (string)o["id"]!));

        Assert.Equal(b, (await api.DeleteAsync($"/v1/{kind}/{b}")).AssertOk().Id);
        (await api.GetAsync($"/v1/{kind}/{b}")).AssertStatus(HttpStatusCode.NotFound);
        Assert.Equal([a], (await api.GetAsync($"/v1/{kind}")).AssertOk().Objects.Select(o => (string)o["id"]!));
    }

    [Fact]
    public async Task Agent_GetsASlugAndKindFromTheServer_AndKeepsTheSlugWhenRenamed()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var agent = (await api.PostAsync("/v1/agent", new { project_id = project, name = "Support Bot #2" })).AssertOk();
        Assert.Equal("support-bot-2", (string)agent.Json["slug"]!);
        Assert.Equal("custom", (string)agent.Json["kind"]!);

        var renamed = (await api.PatchAsync($"/v1/agent/{agent.Id}", new { name = "Helpdesk" })).AssertOk();
        Assert.Equal("support-bot-2", (string)renamed.Json["slug"]!);
    }

    [Theory]
    [InlineData("project_tag", """{"project_id":"{project}"}""", "name")]
    [InlineData("project_tag", """{"name":"t"}""", "project_id")]
    [InlineData("project_tag", """{"project_id":"{project}","name":"t","color":5}""", "color")]
    [InlineData("span_iframe", """{"project_id":"{project}","name":"i"}""", "url")]
    [InlineData("span_iframe", """{"project_id":"{project}","name":"i","url":""}""", "url")]
    [InlineData("span_iframe", """{"project_id":"{project}","name":"i","url":"u","post_message":"yes"}""", "post_message")]
    [InlineData("agent", """{"project_id":"{project}","name":""}""", "name")]
    [InlineData("agent", """{"project_id":"{project}","name":"a","metadata":"m"}""", "metadata")]
    [InlineData("mcp_server", """{"project_id":"{project}","name":"m"}""", "url")]
    [InlineData("mcp_server", """{"project_id":"{unknown}","name":"m","url":"u"}""", "project_id")]
    public async Task Post_BadBody_Is400NamingTheField(string kind, string body, string mentions)
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var filled = body.Replace("{project}", project, StringComparison.Ordinal).Replace("{unknown}", Guid.NewGuid().ToString(), StringComparison.Ordinal);
        (await api.SendAsync(HttpMethod.Post, $"/v1/{kind}", filled)).AssertError(HttpStatusCode.BadRequest, mentions);
        Assert.Empty((await api.GetAsync($"/v1/{kind}")).AssertOk().Objects);
    }

    // A create body: the kind's required fields, and with replace its own field set to the case's new value.
    private static string Body(string kind, string projectId, string name, string? description = null, bool replace = false)
    {
        var body = JsonNode.Parse(Cases[kind].Required)!.AsObject();
        body["project_id"] = projectId;
        body["name"] = name;
        if (description is not null)
        {
            body["description"] = description;
        }

        if (replace)
        {
            body[Cases[kind].Field] = JsonNode.Parse(Cases[kind].Value);
        }

        return body.ToJsonString();
    }
}
