using static Braid.Server.Tests.Objects.Prompts;

namespace Braid.Server.Tests.Automations;

public sealed class EnvironmentAlertsTests(AutomationFixture fixture) : IClassFixture<AutomationFixture>
{
    [Fact]
    public async Task EnvironmentAlert_PostsOnceForEachPinSetOrRemoved_InTheEnvironmentsItFilters()
    {
        var api = await fixture.App.NewTenantAsync();
        await EnvironmentAsync(api, "production");
        await EnvironmentAsync(api, "staging");
        var projectId = (string)(await api.CreateProjectAsync())["id"]!;
        var prompt = await CreateAsync(api, projectId, "greeting", "hello");
        var promptId = (string)prompt["id"]!;
        var elsewhere = await CreateAsync(api, (string)(await api.CreateProjectAsync())["id"]!, "other");
        await using var receiver = await WebhookReceiver.StartAsync();

        // A pin set before the alert existed is not announced.
        (await PinAsync(api, "prompt", promptId, "production", Xact(prompt))).AssertOk();
        var automation = (await api.PostAsync("/v1/project_automation", new
        {
            project_id = projectId, name = "prod deploys",
            config = new { event_type = "environment_update", environment_filter = new[] { "production" }, action = new { type = "webhook", url = receiver.Url } },
        })).AssertOk().Id;
        var secret = (string)(await api.GetAsync($"/v1/project_automation/{automation}/signing_secret")).AssertOk().Json["signing_secret"]!;
        var v2 = (await api.PatchAsync($"/v1/prompt/{promptId}", new { prompt_data = Chat("hi there") })).AssertOk().Json;

        (await PinAsync(api, "prompt", promptId, "production", Xact(v2))).AssertOk();
        (await PinAsync(api, "prompt", promptId, "staging", Xact(v2))).AssertOk();
        (await PinAsync(api, "prompt", (string)elsewhere["id"]!, "production", Xact(elsewhere))).AssertOk();
        await fixture.PassAsync();

        Assert.True(receiver.Posts.Count == 1, string.Join("\n", (await AutomationFixture.RunsAsync(api, automation)).Select(r => r.ToJsonString())));
        var post = Assert.Single(receiver.Posts);
        Assert.True(post.IsSignedWith(secret));
        Assert.Equal(automation, post.Headers["x-braid-automation-id"]);
        var payload = post.Json;
        Assert.Equal(projectId, (string)payload["project"]!["id"]!);
        Assert.Equal("environment_update", (string)payload["automation"]!["event_type"]!);
        Assert.Equal("production", (string)payload["automation"]!["environment_filter"]![0]!);
        var details = payload["details"]!;
        Assert.False((bool)details["is_test"]!);
        Assert.Equal("environment_assign", (string)details["action"]!);
        Assert.Equal("production", (string)details["environment"]!["slug"]!);
        Assert.NotNull((string?)details["environment"]!["id"]);
        Assert.Equal("prompt", (string)details["object_type"]!);
        Assert.Equal(promptId, (string)details["object_id"]!);
        Assert.Equal(Xact(v2), (string)details["object_version"]!);
        Assert.Contains("production", (string)details["message"]!, StringComparison.Ordinal);

        // Nothing new: nothing sent. Removing the pin: one more.
        await fixture.PassAsync();
        Assert.Single(receiver.Posts);
        (await api.DeleteAsync($"/environment-object/prompt/{promptId}/production")).AssertOk();
        (await api.DeleteAsync($"/environment-object/prompt/{promptId}/staging")).AssertOk();
        await fixture.PassAsync();

        Assert.Equal(2, receiver.Posts.Count);
        var removed = receiver.Posts.Last();
        Assert.True(removed.IsSignedWith(secret));
        Assert.Equal("environment_remove", (string)removed.Json["details"]!["action"]!);
        Assert.Equal("production", (string)removed.Json["details"]!["environment"]!["slug"]!);
        Assert.Equal(Xact(v2), (string)removed.Json["details"]!["object_version"]!);

        var runs = await AutomationFixture.RunsAsync(api, automation);
        Assert.All(runs, run => Assert.Equal("success", (string)run["outcome"]!));
        Assert.Equal(2, runs.Sum(run => (int)run["rows"]!));
    }

    [Fact]
    public async Task PinChanges_AreInTheAuditLog()
    {
        var api = await fixture.App.NewTenantAsync();
        var environment = await EnvironmentAsync(api, "production");
        var projectId = (string)(await api.CreateProjectAsync())["id"]!;
        var prompt = await CreateAsync(api, projectId, "audited");
        var promptId = (string)prompt["id"]!;

        (await PinAsync(api, "prompt", promptId, "production", Xact(prompt))).AssertOk();
        (await api.DeleteAsync($"/environment-object/prompt/{promptId}/production")).AssertOk();

        var events = (await api.PostAsync("/btql", new
        {
            query = "select: action, target_type, target_id, details | from: org_audit_logs() | filter: action = 'environment_assign' or action = 'environment_remove'",
        })).AssertOk().Json["data"]!.AsArray();
        Assert.Equal(["environment_assign", "environment_remove"], events.Select(e => (string)e!["action"]!).Order());
        Assert.All(events, e =>
        {
            Assert.Equal("prompt", (string)e!["target_type"]!);
            Assert.Equal(promptId, (string)e["target_id"]!);
            Assert.Equal(projectId, (string)e["details"]!["project_id"]!);
            Assert.Equal(environment, (string)e["details"]!["environment_id"]!);
            Assert.Equal("production", (string)e["details"]!["environment_slug"]!);
            Assert.Equal(Xact(prompt), (string)e["details"]!["object_version"]!);
        });
    }
}
