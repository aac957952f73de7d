using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Benchmarks;

/// <summary>
/// The latency the AI proxy adds: each client sends the same chat completion to the fake provider directly and then
/// through the proxy (the real server executable, cache off), back to back, and the per-pair difference is the
/// proxy's cost at that load. Both calls end when the whole body has arrived; the stream case reads every chunk.
/// Each line also gives the relay's CPU time per proxied request (all of it, Kestrel and HttpClient included, since it
/// serves nothing else meanwhile), which other load on the machine disturbs less than latency, and the machine's load
/// average when the line was measured, to tell a noisy run. Under each line the same is measured for
/// <see cref="BareForwarder"/>, the floor any proxy on Kestrel and HttpClient has on this machine.
/// </summary>
public sealed class ProxyBench(BenchOptions options) : IAsyncDisposable
{
    private static readonly int[] Concurrencies = [1, 16, 64];

    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(1);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "braid-bench-proxy-" + Guid.NewGuid().ToString("N")[..8]);

    public async Task RunAsync()
    {
        Directory.CreateDirectory(_root);
        await using var provider = await FakeProvider.StartAsync();
        provider.Record = false;
        using var server = await ServerUnderTest.StartAsync(_root, options.Store == "postgres" ? options.Postgres : null);
        var secret = new JsonObject { ["name"] = "OPENAI_API_KEY", ["type"] = "openai", ["secret"] = "sk-bench", ["metadata"] = new JsonObject { ["api_base"] = provider.Url + "/v1" } };
        (await server.Http.PostAsync("/v1/ai_secret", Json(secret.ToJsonString()))).EnsureSuccessStatusCode();
        using var direct = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = new Uri(provider.Url) };
        direct.DefaultRequestHeaders.Authorization = new("Bearer", "sk-bench");
        var (forwarder, bare) = await BareForwarder.StartAsync(provider.Url);
        try
        {
            Console.WriteLine($"store: {options.Store}; {Environment.ProcessorCount} cores; {options.ProxyRequests} pairs per concurrency after {options.ProxyRequests / 10} warm-up pairs (at concurrency 1, at least {WarmUp.TotalSeconds:F0} s of them); cache off");
            Console.WriteLine("each line: Braid's proxy, then the bare forwarder (Kestrel + HttpClient relaying the bytes, nothing else) at the same load");
            foreach (var stream in new[] { false, true })
            {
                var body = new JsonObject
                {
                    ["model"] = "gpt-4o-mini",
                    ["stream"] = stream,
                    ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "a benchmark question of about a dozen words to be echoed back" }),
                }.ToJsonString();
                foreach (var concurrency in Concurrencies)
                {
                    var line = await LineAsync(direct, server.Http, () => server.CpuTime, body, concurrency);
                    Console.WriteLine($"chat/completions{(stream ? " stream" : "")}, concurrency {concurrency}: {line}");
                    Console.WriteLine($"    bare forwarder: {await LineAsync(direct, bare, () => { forwarder.Refresh(); return forwarder.TotalProcessorTime; }, body, concurrency)}");
                }
            }
        }
        finally
        {
            bare.Dispose();
            forwarder.Kill(entireProcessTree: true);
            await forwarder.WaitForExitAsync();
            forwarder.Dispose();
        }
    }

    /// <summary>Warms up, then measures pairs at <paramref name="concurrency"/> and describes the added latency and the relay's CPU time.</summary>
    private async Task<string> LineAsync(HttpClient direct, HttpClient relay, Func<TimeSpan> cpuTime, string body, int concurrency)
    {
        // Tiered compilation settles over the first second or so of a path's use (call counting, a delay, then
        // background compiles, slow on two busy cores); measured before that, the first line of each request shape
        // counted the JIT, not the proxy. Later concurrencies run the paths already warm.
        var warming = Stopwatch.StartNew();
        do
        {
            await MeasureAsync(direct, relay, body, concurrency, Math.Max(concurrency, options.ProxyRequests / 10));
        }
        while (concurrency == 1 && warming.Elapsed < WarmUp);

        var cpuBefore = cpuTime();
        var (directMs, proxyMs, addedMs) = await MeasureAsync(direct, relay, body, concurrency, options.ProxyRequests);
        var cpuPerRequest = (cpuTime() - cpuBefore).TotalMicroseconds / options.ProxyRequests;
        return $"added p50 {P(addedMs, 0.5):F2} ms, p95 {P(addedMs, 0.95):F2} ms, p99 {P(addedMs, 0.99):F2} ms" +
            $"  (direct p50 {P(directMs, 0.5):F2} / p99 {P(directMs, 0.99):F2} ms, proxy p50 {P(proxyMs, 0.5):F2} / p99 {P(proxyMs, 0.99):F2} ms;" +
            $" its CPU {cpuPerRequest:F0} µs per request; load average {LoadAverage()})";
    }

    private static async Task<(List<double> Direct, List<double> Proxy, List<double> Added)> MeasureAsync(
        HttpClient direct, HttpClient proxy, string body, int concurrency, int pairs)
    {
        var directMs = new List<double>[concurrency];
        var proxyMs = new List<double>[concurrency];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            directMs[worker] = [];
            proxyMs[worker] = [];
            while (Interlocked.Increment(ref next) < pairs)
            {
                directMs[worker].Add(await TimeAsync(direct, "/v1/chat/completions", body));
                proxyMs[worker].Add(await TimeAsync(proxy, "/v1/proxy/chat/completions", body));
            }
        })));
        var d = directMs.SelectMany(l => l).ToList();
        var p = proxyMs.SelectMany(l => l).ToList();
        var added = d.Zip(p, (a, b) => b - a).Order().ToList();
        return (d.Order().ToList(), p.Order().ToList(), added);
    }

    private static async Task<double> TimeAsync(HttpClient http, string path, string body)
    {
        var start = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(body) };
        request.Headers.TryAddWithoutValidation("x-bt-use-cache", "never");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await using var content = await response.Content.ReadAsStreamAsync();
        await content.CopyToAsync(Stream.Null);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{path} answered {(int)response.StatusCode}");
        }

        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    // The 1-minute load average (Linux), to tell whether other work shared the cores during a measurement.
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static double P(List<double> sorted, double p) => sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];

    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // The server may still hold a file for a moment; the temp directory is cleaned up by the system.
        }

        return ValueTask.CompletedTask;
    }
}
