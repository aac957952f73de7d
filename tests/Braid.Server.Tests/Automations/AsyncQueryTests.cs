using System.Net;
using System.Text.Json.Nodes;

namespace Braid.Server.Tests.Automations;

public sealed class AsyncQueryTests(AutomationFixture fixture) : IClassFixture<AutomationFixture>
{
    [Fact]
    public async Task AnAsyncQuery_RunsOnceInTheBackground_AndItsRowsAreReadAsJsonLines()
    {
        var api = await fixture.App.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var me = (string)(await api.PostAsync("/api/self/me", new { })).AssertOk().Json["id"]!;
        await api.InsertAsync($"project_logs/{project}", Enumerable.Range(0, 6).Select(i => (object)new { id = $"r{i}", input = i }).ToArray());
        var automation = (await api.PostAsync("/v1/project_automation", new
        {
            project_id = project, name = "big question",
            config = new
            {
                event_type = "async_query", created_by_user_id = me, object_type = "project_logs", object_id = project, format = "jsonl", batch_size = 2,
                query = $"SELECT id, input FROM project_logs('{project}') WHERE input > 2",
            },
        })).AssertOk().Id;
        (await api.GetAsync($"/v1/project_automation/{automation}/result")).AssertStatus(HttpStatusCode.Accepted);

        await fixture.PassAsync();
        await fixture.PassAsync();

        var result = (await api.GetAsync($"/v1/project_automation/{automation}/result")).AssertOk();
        var rows = result.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(["r3", "r4", "r5"], rows.Select(r => (string)r["id"]!).Order());
        Assert.Equal("3", result.Header("x-bt-rows"));
        var run = (await api.GetAsync($"/v1/project_automation/{automation}/runs")).AssertOk().Objects.Single();
        Assert.Equal(3, (long)run["rows"]!);
        Assert.Equal(2, (int)run["detail"]!["parts"]!);
    }

    [Fact]
    public async Task AnAsyncQueryOverAnotherObjectThanItsConfigNames_FailsWithAReason()
    {
        var api = await fixture.App.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var other = (string)(await api.CreateProjectAsync())["id"]!;
        var me = (string)(await api.PostAsync("/api/self/me", new { })).AssertOk().Json["id"]!;
        var automation = (await api.PostAsync("/v1/project_automation", new
        {
            project_id = project, name = "mismatch",
            config = new
            {
                event_type = "async_query", created_by_user_id = me, object_type = "project_logs", object_id = project, format = "jsonl",
                query = $"SELECT id FROM project_logs('{other}')",
            },
        })).AssertOk().Id;

        await fixture.PassAsync();

        var run = (await api.GetAsync($"/v1/project_automation/{automation}/runs")).AssertOk().Objects.Single();
        Assert.Equal("error", (string)run["outcome"]!);
        Assert.Contains("not the config's project_logs", (string)run["error"]!, StringComparison.Ordinal);
    }
}
