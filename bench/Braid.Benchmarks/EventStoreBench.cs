using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Braid.Storage;
using Npgsql;

namespace Braid.Benchmarks;

/// <summary>Ingestion throughput and fetch latency of one store, each beside its raw ceiling.</summary>
public sealed class EventStoreBench : IAsyncDisposable
{
    private readonly BenchOptions _options;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "braid-bench-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly List<string> _databases = [];

    private EventStoreBench(BenchOptions options) => _options = options;

    public static Task<EventStoreBench> CreateAsync(BenchOptions options)
    {
        var bench = new EventStoreBench(options);
        Directory.CreateDirectory(bench._root);
        return Task.FromResult(bench);
    }

    public async Task RunAsync()
    {
        Console.WriteLine($"store: {_options.Store}; {Environment.ProcessorCount} cores; spans of ~{SpanSize()} bytes, {_options.SpansPerRequest} per request, {_options.Concurrency} concurrent clients");
        await IngestAsync();
        await FetchAsync();
    }

    private async Task IngestAsync()
    {
        // Raw ceiling first, into its own fresh store of the same kind.
        var rawStore = await NewStoreAsync("raw");
        await using (var database = Database.Open(rawStore.Directory, rawStore.Url))
        {
            await database.MigrateAsync();
            var rows = Rows(1, _options.Spans).ToList();
            var watch = Stopwatch.StartNew();
            var written = await new RawWriter(database).WriteAsync(Guid.NewGuid().ToString(), rows);
            Report("ingest raw ceiling (same rows, same schema, no server)", written / watch.Elapsed.TotalSeconds, "spans/s");
            _raw = written / watch.Elapsed.TotalSeconds;
        }

        var store = await NewStoreAsync("ingest");
        using var server = await ServerUnderTest.StartAsync(store.Directory, store.Url);
        var project = await server.CreateProjectAsync("ingest");
        var bodies = Rows(2, _options.Spans).Chunk(_options.SpansPerRequest)
            .Select(batch => Encoding.UTF8.GetBytes(new JsonObject { ["events"] = new JsonArray([.. batch]) }.ToJsonString()))
            .ToList();
        await SendAllAsync(server, project, bodies.Take(Math.Max(1, bodies.Count / 20)).ToList());
        var timer = Stopwatch.StartNew();
        await SendAllAsync(server, project, bodies);
        var rate = _options.Spans / timer.Elapsed.TotalSeconds;
        Report("ingest over HTTP (POST /v1/project_logs/{id}/insert)", rate, "spans/s");
        Console.WriteLine($"  = {rate / _raw:P0} of the raw ceiling");
    }

    private double _raw;

    private async Task SendAllAsync(ServerUnderTest server, string project, List<byte[]> bodies)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, _options.Concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < bodies.Count)
            {
                using var content = new ByteArrayContent(bodies[i]);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await server.Http.PostAsync($"/v1/project_logs/{project}/insert", content);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"insert failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }
        }));
    }

    private async Task FetchAsync()
    {
        var store = await NewStoreAsync("fetch");
        using var server = await ServerUnderTest.StartAsync(store.Directory, store.Url);
        var project = await server.CreateProjectAsync("fetch");
        await using (var database = Database.Open(Path.Combine(store.Directory, "braid-data"), store.Url))
        {
            var watch = Stopwatch.StartNew();
            await new RawWriter(database).WriteAsync(project, Rows(3, _options.FetchSpans));
            Console.WriteLine($"seeded {_options.FetchSpans:N0} spans ({_options.FetchSpans / SpanGenerator.SpansPerTrace:N0} traces) in {watch.Elapsed.TotalSeconds:F0} s");
        }

        var latencies = new List<double>();
        for (var i = 0; i < _options.FetchRequests + 20; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await server.Http.GetAsync($"/v1/project_logs/{project}/fetch?limit=100");
            var body = await response.Content.ReadAsByteArrayAsync();
            if (!response.IsSuccessStatusCode || body.Length < 1000)
            {
                throw new InvalidOperationException($"fetch failed: {(int)response.StatusCode}");
            }

            if (i >= 20)
            {
                latencies.Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        latencies.Sort();
        Console.WriteLine($"fetch newest 100 traces (500 spans) of {_options.FetchSpans:N0}: p50 {Percentile(latencies, 0.5):F1} ms, p95 {Percentile(latencies, 0.95):F1} ms, p99 {Percentile(latencies, 0.99):F1} ms");
    }

    private static double Percentile(List<double> sorted, double p) => sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];

    private static void Report(string what, double value, string unit) =>
        Console.WriteLine($"{what}: {value.ToString("N0", CultureInfo.InvariantCulture)} {unit}");

    private static IEnumerable<JsonObject> Rows(int seed, int count)
    {
        var generator = new SpanGenerator(seed);
        for (var i = 0; i < count; i++)
        {
            yield return generator.Next();
        }
    }

    private static int SpanSize() => new SpanGenerator(0).Next().ToJsonString().Length;

    private async Task<(string Directory, string? Url)> NewStoreAsync(string name)
    {
        var directory = Path.Combine(_root, name);
        Directory.CreateDirectory(directory);
        if (_options.Store != "postgres")
        {
            return (directory, null);
        }

        var database = $"braid_bench_{name}_{Guid.NewGuid():N}"[..40];
        await using var connection = new NpgsqlConnection(_options.Postgres);
        await connection.OpenAsync();
        await using (var command = new NpgsqlCommand($"CREATE DATABASE {database}", connection))
        {
            await command.ExecuteNonQueryAsync();
        }

        _databases.Add(database);
        return (directory, new NpgsqlConnectionStringBuilder(_options.Postgres) { Database = database }.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        foreach (var database in _databases)
        {
            await using var connection = new NpgsqlConnection(_options.Postgres);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }

        Directory.Delete(_root, recursive: true);
    }
}
