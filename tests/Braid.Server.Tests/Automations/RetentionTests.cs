using System.Net;
using Braid.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Automations;

public sealed class RetentionTests(AutomationFixture fixture) : IClassFixture<AutomationFixture>
{
    private static string DaysAgo(int days) => DateTimeOffset.UtcNow.AddDays(-days).ToString("yyyy-MM-ddTHH:mm:ss.fffZ");

    [Fact]
    public async Task Retention_DeletesWholeOldTraces_KeepsNewOnes_WhileTheLogIsWrittenTo()
    {
        var api = await fixture.App.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var log = $"project_logs/{project}";

        // 450 old traces (three batches), one trace that is old at its root but has a recent child, and recent rows.
        var old = Enumerable.Range(0, 450).Select(i => (object)new { id = $"old-{i}", span_id = $"old-{i}", root_span_id = $"old-{i}", created = DaysAgo(40), input = i }).ToArray();
        foreach (var chunk in old.Chunk(150))
        {
            await api.InsertAsync(log, chunk);
        }

        await api.InsertAsync(log,
            new { id = "mixed-root", span_id = "mixed-root", root_span_id = "mixed", created = DaysAgo(40) },
            new { id = "mixed-child", span_id = "mixed-child", root_span_id = "mixed", span_parents = new[] { "mixed-root" }, created = DaysAgo(1) },
            new { id = "recent", span_id = "recent", root_span_id = "recent", created = DaysAgo(2) });
        var automation = (await api.PostAsync("/v1/project_automation", new
        {
            project_id = project, name = "keep 30 days", config = new { event_type = "retention", object_type = "project_logs", retention_days = 30 },
        })).AssertOk().Id;

        // A writer keeps logging while retention runs; every row it logs must survive.
        using var stop = new CancellationTokenSource();
        var written = 0;
        var writer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await api.InsertAsync(log, new { id = $"live-{written}", input = written });
                written++;
            }
        });
        await fixture.PassAsync();
        await Task.Delay(200);
        await stop.CancelAsync();
        await writer;

        var ids = (await api.FetchAllAsync(log)).Select(r => (string)r["id"]!).ToHashSet();
        Assert.DoesNotContain(ids, id => id.StartsWith("old-", StringComparison.Ordinal));
        Assert.Contains("mixed-root", ids);
        Assert.Contains("mixed-child", ids);
        Assert.Contains("recent", ids);
        Assert.True(written > 0);
        Assert.All(Enumerable.Range(0, written), i => Assert.Contains($"live-{i}", ids));

        var run = (await api.GetAsync($"/v1/project_automation/{automation}/runs")).AssertOk().Objects.Single();
        Assert.Equal("success", (string)run["outcome"]!);
        Assert.Equal(450, (long)run["rows"]!);
        Assert.NotNull(run["ended"]);
    }

    [Fact]
    public async Task Retention_FreesTheAttachmentsOfDeletedRows()
    {
        var api = await fixture.App.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var blobs = fixture.App.Services.GetRequiredService<BlobStore>();
        var oldKey = Guid.NewGuid().ToString();
        var newKey = Guid.NewGuid().ToString();
        foreach (var key in new[] { oldKey, newKey })
        {
            var upload = (await api.PostAsync("/attachment", new { key, filename = "a.txt", content_type = "text/plain", org_id = api.OrgId })).AssertOk();
            using var put = new HttpRequestMessage(HttpMethod.Put, (string)upload.Json["signedUrl"]!) { Content = new StringContent("bytes") };
            (await fixture.App.CreateClient().SendAsync(put)).EnsureSuccessStatusCode();
        }

        Assert.True(blobs.Exists($"attachments/{api.OrgId}/{oldKey}"));
        await api.InsertAsync($"project_logs/{project}",
            new { id = "old", created = DaysAgo(10), input = new { file = new { type = "braintrust_attachment", key = oldKey, filename = "a.txt", content_type = "text/plain" } } },
            new { id = "new", input = new { file = new { type = "braintrust_attachment", key = newKey, filename = "a.txt", content_type = "text/plain" } } });
        (await api.PostAsync("/v1/project_automation", new
        {
            project_id = project, name = "a week", config = new { event_type = "retention", object_type = "project_logs", retention_days = 7 },
        })).AssertOk();

        await fixture.PassAsync();

        Assert.False(blobs.Exists($"attachments/{api.OrgId}/{oldKey}"));
        Assert.True(blobs.Exists($"attachments/{api.OrgId}/{newKey}"));
        Assert.Equal(["new"], (await api.FetchAllAsync($"project_logs/{project}")).Select(r => (string)r["id"]!));
    }

    [Fact]
    public async Task ExperimentRetention_DeletesOldExperimentsWithTheirRows_AndDatasetRetentionTrimsRecords()
    {
        var api = await fixture.App.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var experiment = (await api.PostAsync("/v1/experiment", new { project_id = project, name = "kept" })).AssertOk().Id;
        await api.InsertAsync($"experiment/{experiment}", new { id = "e1", input = 1 });
        var dataset = (await api.PostAsync("/v1/dataset", new { project_id = project, name = "d" })).AssertOk().Id;
        await api.InsertAsync($"dataset/{dataset}", new { id = "stale", created = DaysAgo(100), input = 1 }, new { id = "fresh", input = 2 });
        (await api.PostAsync("/v1/project_automation", new
        {
            project_id = project, name = "datasets", config = new { event_type = "retention", object_type = "dataset", retention_days = 30 },
        })).AssertOk();
        (await api.PostAsync("/v1/project_automation", new
        {
            project_id = project, name = "experiments", config = new { event_type = "retention", object_type = "experiment", retention_days = 0 },
        })).AssertOk();

        await fixture.PassAsync();

        // retention_days 0: every experiment created before the run is old.
        (await api.GetAsync($"/v1/experiment/{experiment}")).AssertStatus(HttpStatusCode.NotFound);
        Assert.Equal(["fresh"], (await api.FetchAllAsync($"dataset/{dataset}")).Select(r => (string)r["id"]!));
        var audit = (await api.PostAsync("/btql", new { query = "select: * | from: org_audit_logs() | filter: action = 'delete' and target_type = 'experiment'" })).AssertOk();
        Assert.Equal(experiment, (string)audit.Json["data"]![0]!["target_id"]!);
    }
}
