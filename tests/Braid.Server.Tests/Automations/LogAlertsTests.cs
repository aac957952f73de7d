using System.Net;
using Braid.Server.Tests.AccessControl;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Automations;

public sealed class LogAlertsTests(AutomationFixture fixture) : IClassFixture<AutomationFixture>
{
    private static object Span(string id, string severity) => new { id, input = id, metadata = new { severity } };

    [Fact]
    public async Task LogAlert_PostsOneSignedAlertPerBatch_CountingItsMatches_ThenIsSuppressedForTheInterval()
    {
        var api = await fixture.App.NewTenantAsync();
        var project = await api.CreateProjectAsync();
        var projectId = (string)project["id"]!;
        var log = $"project_logs/{projectId}";
        await using var receiver = await WebhookReceiver.StartAsync();

        // Logged before the alert existed: not part of any batch.
        await api.InsertAsync(log, Span("before", "high"));
        var automation = await CreateAsync(api, projectId, "high severity", "metadata.severity = 'high'", 600, new { type = "webhook", url = receiver.Url + "/hooks/braid" });
        var secret = (string)(await api.GetAsync($"/v1/project_automation/{automation}/signing_secret")).AssertOk().Json["signing_secret"]!;

        await api.InsertAsync(log, Span("a", "high"), Span("b", "high"), Span("c", "high"), Span("d", "low"), Span("e", "low"));
        await fixture.PassAsync();

        var post = Assert.Single(receiver.Posts);
        Assert.Equal("/hooks/braid", post.Path);
        Assert.True(post.IsSignedWith(secret), post.Headers.GetValueOrDefault("x-braid-signature"));
        Assert.False((post with { Body = post.Body.Replace("\"count\":3", "\"count\":4", StringComparison.Ordinal) }).IsSignedWith(secret));
        Assert.Equal(automation, post.Headers["x-braid-automation-id"]);
        Assert.StartsWith("application/json", post.Headers["content-type"], StringComparison.Ordinal);
        var payload = post.Json;
        Assert.Equal(api.OrgId, (string)payload["organization"]!["id"]!);
        Assert.Equal(api.OrgName, (string)payload["organization"]!["name"]!);
        Assert.Equal(projectId, (string)payload["project"]!["id"]!);
        Assert.Equal((string)project["name"]!, (string)payload["project"]!["name"]!);
        Assert.Equal(automation, (string)payload["automation"]!["id"]!);
        Assert.Equal("logs", (string)payload["automation"]!["event_type"]!);
        Assert.Equal("metadata.severity = 'high'", (string)payload["automation"]!["btql_filter"]!);
        Assert.Equal(600, (int)payload["automation"]!["interval_seconds"]!);
        var details = payload["details"]!;
        Assert.False((bool)details["is_test"]!);
        Assert.Equal(3, (int)details["count"]!);
        Assert.Equal("high severity: 3 logs triggered alert in the last 10 minutes", (string)details["message"]!);
        Assert.True(DateTimeOffset.Parse((string)details["time_start"]!, System.Globalization.CultureInfo.InvariantCulture) <=
                    DateTimeOffset.Parse((string)details["time_end"]!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Null(details["related_logs_url"]);

        // Matches logged while the alert is suppressed send nothing...
        await api.InsertAsync(log, Span("f", "high"), Span("g", "high"));
        await fixture.PassAsync();
        Assert.Single(receiver.Posts);

        // ...and are not reported once the interval is over: the next alert counts only its own batch.
        fixture.Clock.Advance(TimeSpan.FromMinutes(11));
        await api.InsertAsync(log, Span("h", "high"), Span("i", "low"));
        await fixture.PassAsync();
        Assert.Equal(2, receiver.Posts.Count);
        var again = receiver.Posts.Last();
        Assert.True(again.IsSignedWith(secret));
        Assert.Equal(1, (int)again.Json["details"]!["count"]!);
        Assert.Equal("high severity: 1 log triggered alert in the last 10 minutes", (string)again.Json["details"]!["message"]!);

        var runs = await AutomationFixture.RunsAsync(api, automation);
        Assert.All(runs, run => Assert.Equal("success", (string)run["outcome"]!));
        Assert.Equal([1, 2, 3], runs.Select(run => (int)run["rows"]!));
        Assert.Equal([true, false, true], runs.Select(run => (bool)run["detail"]!["sent"]!));
        Assert.NotNull(runs[1]["detail"]!["suppressed_until"]);
    }

    [Fact]
    public async Task Webhook_AnsweredWith503Twice_IsRetried_AndDeliveredOnTheThirdAttempt()
    {
        var api = await fixture.App.NewTenantAsync();
        var projectId = (string)(await api.CreateProjectAsync())["id"]!;
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Statuses.Enqueue(503);
        receiver.Statuses.Enqueue(503);
        var automation = await CreateAsync(api, projectId, "everything", "", 60, new { type = "webhook", url = receiver.Url });
        var secret = (string)(await api.GetAsync($"/v1/project_automation/{automation}/signing_secret")).AssertOk().Json["signing_secret"]!;

        await api.InsertAsync($"project_logs/{projectId}", Span("a", "any"));
        await fixture.PassAsync();

        Assert.True(receiver.Posts.Count == 3, string.Join("\n", (await AutomationFixture.RunsAsync(api, automation)).Select(r => r.ToJsonString())));
        Assert.All(receiver.Posts, post => Assert.True(post.IsSignedWith(secret)));
        Assert.All(receiver.Posts, post => Assert.Equal(1, (int)post.Json["details"]!["count"]!));
        var run = Assert.Single(await AutomationFixture.RunsAsync(api, automation));
        Assert.Equal("success", (string)run["outcome"]!);
        Assert.Equal(3, (int)run["detail"]!["attempts"]!);
        Assert.Equal(200, (int)run["detail"]!["status"]!);
    }

    [Fact]
    public async Task Webhook_AnsweredWith400_IsNotRetried_AndTheRunIsAnErrorNamingTheUrlAndStatus()
    {
        var api = await fixture.App.NewTenantAsync();
        var projectId = (string)(await api.CreateProjectAsync())["id"]!;
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = static _ => (400, """{"error": "unknown hook"}""");
        var url = receiver.Url + "/refusing";
        var automation = await CreateAsync(api, projectId, "refused", "", 60, new { type = "webhook", url });

        await api.InsertAsync($"project_logs/{projectId}", Span("a", "any"));
        await fixture.PassAsync();

        Assert.Single(receiver.Posts);
        var run = Assert.Single(await AutomationFixture.RunsAsync(api, automation));
        Assert.Equal("error", (string)run["outcome"]!);
        Assert.Contains(url, (string)run["error"]!, StringComparison.Ordinal);
        Assert.Contains("400", (string)run["error"]!, StringComparison.Ordinal);
        Assert.Contains("unknown hook", (string)run["error"]!, StringComparison.Ordinal);
        Assert.Equal(1, (int)run["detail"]!["attempts"]!);
        Assert.False((bool)run["detail"]!["sent"]!);
    }

    [Fact]
    public async Task SlackAlert_PostsTheRenderedTemplate_ToTheChannel_WithTheProjectsBotToken()
    {
        var api = await fixture.App.NewTenantAsync();
        var project = await api.CreateProjectAsync();
        var projectId = (string)project["id"]!;
        (await api.PostAsync("/v1/env_var", new { object_type = "project", object_id = projectId, name = "SLACK_BOT_TOKEN", value = "xoxb-project" })).AssertOk();
        (await api.PostAsync("/v1/env_var", new { object_type = "organization", object_id = api.OrgId, name = "SLACK_BOT_TOKEN", value = "xoxb-organization" })).AssertOk();
        var channel = ApiClient.Unique("C");
        var automation = await CreateAsync(api, projectId, "errors", "metadata.severity = 'error'", 300, new
        {
            type = "slack", workspace_id = "T123", channel,
            message_template = "{{automation.name}}: {{details.count}} errors in {{project.name}} ({{organization.name}})",
        });

        await api.InsertAsync($"project_logs/{projectId}", Span("a", "error"), Span("b", "error"), Span("c", "info"));
        await fixture.PassAsync();

        var post = Assert.Single(fixture.Slack.Posts, p => (string?)p.Json["channel"] == channel);
        Assert.Equal("/api/chat.postMessage", post.Path);
        Assert.Equal("Bearer xoxb-project", post.Headers["authorization"]);
        Assert.Equal($"errors: 2 errors in {(string)project["name"]!} ({api.OrgName})", (string)post.Json["text"]!);
        var run = Assert.Single(await AutomationFixture.RunsAsync(api, automation));
        Assert.Equal("success", (string)run["outcome"]!);
        Assert.Equal(2, (int)run["rows"]!);
    }

    [Fact]
    public async Task SlackAlert_WithoutABotToken_OrRefusedBySlack_IsAnErrorSayingWhy()
    {
        var api = await fixture.App.NewTenantAsync();
        var projectId = (string)(await api.CreateProjectAsync())["id"]!;
        var channel = ApiClient.Unique("C");
        var automation = await CreateAsync(api, projectId, "no token", "", 60, new { type = "slack", workspace_id = "T1", channel });
        var log = $"project_logs/{projectId}";

        await api.InsertAsync(log, Span("a", "any"));
        await fixture.PassAsync();
        var missing = Assert.Single(await AutomationFixture.RunsAsync(api, automation));
        Assert.Equal("error", (string)missing["outcome"]!);
        Assert.Contains("SLACK_BOT_TOKEN", (string)missing["error"]!, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Slack.Posts, p => (string?)p.Json["channel"] == channel);

        // A token Slack does not accept: Slack answers 200 with ok: false, which is a failure all the same.
        (await api.PostAsync("/v1/env_var", new { object_type = "organization", object_id = api.OrgId, name = "SLACK_BOT_TOKEN", value = "not-a-bot-token" })).AssertOk();
        await api.InsertAsync(log, Span("b", "any"));
        await fixture.PassAsync();
        var refused = (await AutomationFixture.RunsAsync(api, automation))[0];
        Assert.Equal("error", (string)refused["outcome"]!);
        Assert.Contains("invalid_auth", (string)refused["error"]!, StringComparison.Ordinal);
        Assert.Equal("Bearer not-a-bot-token", Assert.Single(fixture.Slack.Posts, p => (string?)p.Json["channel"] == channel).Headers["authorization"]);
    }

    [Fact]
    public async Task SigningSecret_NeedsUpdateOnTheAutomation_AndDiffersPerAutomation()
    {
        var api = await fixture.App.NewTenantAsync();
        var projectId = (string)(await api.CreateProjectAsync())["id"]!;
        var first = await CreateAsync(api, projectId, "one", "", 60, new { type = "webhook", url = "https://example.com/a" });
        var second = await CreateAsync(api, projectId, "two", "", 60, new { type = "webhook", url = "https://example.com/b" });

        var secret = (await api.GetAsync($"/v1/project_automation/{first}/signing_secret")).AssertOk();
        Assert.Equal("no-store", secret.Header("Cache-Control"));
        Assert.Equal((string)secret.Json["signing_secret"]!, (string)(await api.GetAsync($"/v1/project_automation/{first}/signing_secret")).AssertOk().Json["signing_secret"]!);
        Assert.NotEqual((string)secret.Json["signing_secret"]!, (string)(await api.GetAsync($"/v1/project_automation/{second}/signing_secret")).AssertOk().Json["signing_secret"]!);

        // Viewers may read the automation and its runs, not the secret its alerts are signed with.
        var viewer = await fixture.App.MemberAsync(api, "Viewers");
        (await viewer.GetAsync($"/v1/project_automation/{first}/runs")).AssertOk();
        (await viewer.GetAsync($"/v1/project_automation/{first}/signing_secret")).AssertError(HttpStatusCode.Forbidden, "update");
        var stranger = await fixture.App.NewTenantAsync();
        (await stranger.GetAsync($"/v1/project_automation/{first}/signing_secret")).AssertStatus(HttpStatusCode.NotFound);
    }

    private static async Task<string> CreateAsync(ApiClient api, string projectId, string name, string filter, int interval, object action) =>
        (await api.PostAsync("/v1/project_automation", new
        {
            project_id = projectId, name, config = new { event_type = "logs", btql_filter = filter, interval_seconds = interval, action },
        })).AssertOk().Id;
}
