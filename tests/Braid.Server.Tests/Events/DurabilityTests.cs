using System.Collections.Concurrent;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Events;

/// <summary>A 200 from insert means committed: killing the process mid-stream loses no acknowledged row.</summary>
public sealed class DurabilityTests(ProcessWorkspace workspace) : IClassFixture<ProcessWorkspace>
{
    [Fact]
    public async Task KillDuringAStreamOfWrites_EveryAcknowledgedRowSurvivesTheRestart()
    {
        var acknowledged = new ConcurrentBag<string>();
        string log;
        int port;
        using (var server = await workspace.StartAsync())
        {
            port = server.Port;
            var api = server.Client(workspace.InitialKey);
            log = $"project_logs/{(await api.CreateProjectAsync())["id"]}";

            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                for (var batch = 0; !stop.IsCancellationRequested && batch < 10_000; batch++)
                {
                    var ids = Enumerable.Range(0, 20).Select(i => $"w{w}-b{batch}-r{i}").ToArray();
                    try
                    {
                        var response = await api.SendAsync(HttpMethod.Post, $"/v1/{log}/insert", ApiClient.Serialize(new { events = ids.Select(id => new { id, input = new string('x', 500) }) }));
                        if (response.Status == System.Net.HttpStatusCode.OK)
                        {
                            foreach (var id in ids)
                            {
                                acknowledged.Add(id);
                            }
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return; // The server is gone.
                    }
                }
            })).ToList();

            // Kill only once plenty of writes were acknowledged, while writers are still mid-request.
            var started = System.Diagnostics.Stopwatch.StartNew();
            while (acknowledged.Count < 2000 && started.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(20);
            }

            server.Process.Kill(entireProcessTree: true);
            await Task.WhenAll(writers);
            stop.Cancel();
        }

        Assert.True(acknowledged.Count >= 2000, $"only {acknowledged.Count} rows were acknowledged before the kill");
        using var restarted = await workspace.StartAsync(port);
        var stored = (await restarted.Client(workspace.InitialKey).FetchAllAsync(log)).Select(r => (string)r["id"]!).ToHashSet();
        var lost = acknowledged.Where(id => !stored.Contains(id)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} of {acknowledged.Count} acknowledged rows were lost, e.g. {string.Join(", ", lost.Take(5))}");
    }
}
