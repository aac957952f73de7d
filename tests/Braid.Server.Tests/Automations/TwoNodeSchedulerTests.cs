using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Automations;

/// <summary>Two Braid nodes over one store, both with their schedulers running, as a scaled-out deployment runs.</summary>
public sealed class TwoNodeSchedulerTests : IAsyncLifetime
{
    private readonly string _exports = Path.Combine(Path.GetTempPath(), "braid-two-nodes-" + Guid.NewGuid().ToString("N")[..8]);
    private BraidApp _first = null!;
    private BraidApp _second = null!;

    public async Task InitializeAsync()
    {
        _first = new BraidApp()
            .With("Braid:Automations:TickSeconds", "0.1")
            .With("Braid:Automations:RetentionCheckSeconds", "1")
            .With("Braid:OnlineScoring:IntervalSeconds", "0")
            .With("Braid:Automations:ExportDirectory", _exports);
        await ((IAsyncLifetime)_first).InitializeAsync();
        _second = _first.Reopen();
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await ((IAsyncLifetime)_first).DisposeAsync();
        if (Directory.Exists(_exports))
        {
            Directory.Delete(_exports, recursive: true);
        }
    }

    [Fact]
    public async Task TwoNodes_RunEachAutomationOncePerInterval_AndTheirExportsHoldEveryRowOnce()
    {
        var api = await _first.NewTenantAsync();
        _ = _second.Server; // Starts the second node (and its scheduler) on the same store.
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var export = await ExportTests.ExportAsync(api, project, "file://two-nodes", batchSize: 50, interval: 1);
        var retention = (await api.PostAsync("/v1/project_automation", new
        {
            project_id = project, name = "trim", config = new { event_type = "retention", object_type = "project_logs", retention_days = 365 },
        })).AssertOk().Id;

        // Rows keep arriving while both schedulers run for a few intervals.
        var written = 0;
        var until = DateTimeOffset.UtcNow.AddSeconds(5);
        while (DateTimeOffset.UtcNow < until)
        {
            await api.InsertAsync($"project_logs/{project}", Enumerable.Range(0, 20).Select(i => (object)new { id = $"r-{written + i}" }).ToArray());
            written += 20;
            await Task.Delay(100);
        }

        // One more interval, so the export's last run sees the last rows.
        await Task.Delay(2000);

        foreach (var automation in new[] { export, retention })
        {
            var runs = (await api.GetAsync($"/v1/project_automation/{automation}/runs")).AssertOk().Objects
                .OrderBy(r => (string)r["due"]!, StringComparer.Ordinal).ToList();
            Assert.InRange(runs.Count, 5, 9);
            Assert.All(runs, r => Assert.NotEqual("error", (string)r["outcome"]!));

            // One run per due time, never two at once: each starts after the previous one ended, about an interval later.
            for (var i = 1; i < runs.Count; i++)
            {
                Assert.True(string.CompareOrdinal((string)runs[i]["started"]!, (string)runs[i - 1]["ended"]!) >= 0,
                    $"runs overlap: {runs[i - 1]} and {runs[i]}");
            }

            var scheduled = runs.Select(r => DateTimeOffset.Parse((string)r["due"]!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.All(scheduled.Zip(scheduled.Skip(1)), pair => Assert.True(pair.Second - pair.First >= TimeSpan.FromMilliseconds(990), $"{pair.First:O} then {pair.Second:O}"));
        }

        var ids = ExportTests.Rows(Path.Combine(_exports, "two-nodes")).Select(r => (string)r["id"]!).ToList();
        Assert.Equal(written, ids.Count);
        Assert.Equal(written, ids.Distinct().Count());
    }
}
