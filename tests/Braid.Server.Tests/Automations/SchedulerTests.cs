using Braid.Server.Automations;
using Braid.Storage.Automations;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Automations;

public sealed class SchedulerTests(AutomationFixture fixture) : IClassFixture<AutomationFixture>
{
    [Fact]
    public async Task ProgressIsAVersionedDocument_AndProgressFromANewerServerIsAnErrorThatSaysSo()
    {
        var api = await fixture.App.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var store = fixture.App.Services.GetRequiredService<AutomationStore>();
        var current = await ExportTests.ExportAsync(api, project, "file://versioned-" + Guid.NewGuid().ToString("N")[..6]);
        var newer = await ExportTests.ExportAsync(api, project, "file://newer-" + Guid.NewGuid().ToString("N")[..6]);
        await store.EnsureAsync(newer, api.OrgId, 0, $$"""{"v":{{AutomationScheduler.StateVersion + 1}},"cursor":5}""");

        await fixture.PassAsync();

        Assert.Equal(1, AutomationScheduler.StateVersion);
        Assert.Contains("\"v\":1", await store.StateAsync(current), StringComparison.Ordinal);
        var failed = (await api.GetAsync($"/v1/project_automation/{newer}/runs")).AssertOk().Objects.Single();
        Assert.Equal("error", (string)failed["outcome"]!);
        Assert.Contains("newer than this server's", (string)failed["error"]!, StringComparison.Ordinal);
        Assert.Contains("\"cursor\":5", await store.StateAsync(newer), StringComparison.Ordinal);
    }

    [Fact]
    public async Task APausedAutomationDoesNotRun_AndAViewerCanReadRunsButNotStartOne()
    {
        var api = await fixture.App.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var paused = (await api.PostAsync("/v1/project_automation", new
        {
            project_id = project, name = "paused",
            config = new
            {
                event_type = "btql_export", status = "paused", export_definition = new { type = "log_spans" }, export_path = "file://paused", format = "jsonl",
                interval_seconds = 60, credentials = new { type = "aws_iam", role_arn = "arn:aws:iam::1:role/x", external_id = "x" },
            },
        })).AssertOk().Id;
        await api.InsertAsync($"project_logs/{project}", new { id = "a" });

        await fixture.PassAsync();

        Assert.Empty((await api.GetAsync($"/v1/project_automation/{paused}/runs")).AssertOk().Objects);
        (await api.GetAsync($"/v1/project_automation/{Guid.NewGuid()}/runs")).AssertStatus(System.Net.HttpStatusCode.NotFound);
    }
}
