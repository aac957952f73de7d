using System.Diagnostics;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Automations;

/// <summary>An export killed with the process mid-run is resumed by the restarted server with no row lost or doubled.</summary>
public sealed class ExportResumeTests(ProcessWorkspace workspace) : IClassFixture<ProcessWorkspace>
{
    private const int Rows = 6000;

    [Fact]
    public async Task AnExportKilledMidRun_IsResumedAfterRestart_WithEveryRowExportedOnce()
    {
        var exports = Path.Combine(workspace.Directory, "exports");
        string[] settings =
        [
            "--Braid:Automations:TickSeconds=0.2", "--Braid:Automations:LeaseSeconds=1", "--Braid:OnlineScoring:IntervalSeconds=0",
            $"--Braid:Automations:ExportDirectory={exports}",
        ];
        var root = Path.Combine(exports, "resume");
        int port;
        string project;
        using (var server = await workspace.StartAsync(null, settings))
        {
            port = server.Port;
            var api = server.Client(workspace.InitialKey);
            project = (string)(await api.CreateProjectAsync())["id"]!;
            foreach (var chunk in Enumerable.Range(0, Rows).Chunk(1000))
            {
                await api.InsertAsync($"project_logs/{project}", chunk.Select(i => (object)new { id = $"row-{i}", input = new string('x', 200) }).ToArray());
            }

            await ExportTests.ExportAsync(api, project, "file://resume", batchSize: 100);

            // Kill as soon as the first batches are published: the run is then somewhere in the middle of its work.
            var started = Stopwatch.StartNew();
            while (ExportTests.Rows(root).Count < 300 && started.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(5);
            }

            server.Process.Kill(entireProcessTree: true);
        }

        var before = ExportTests.Rows(root).Count;
        Assert.InRange(before, 300, Rows - 1);

        using var restarted = await workspace.StartAsync(port, settings);
        var waited = Stopwatch.StartNew();
        while (ExportTests.Rows(root).Count < Rows && waited.Elapsed < TimeSpan.FromSeconds(90))
        {
            await Task.Delay(100);
        }

        var ids = ExportTests.Rows(root).Select(r => (string)r["id"]!).ToList();
        Assert.Equal(Rows, ids.Distinct().Count());
        Assert.Equal(Rows, ids.Count);
    }
}
