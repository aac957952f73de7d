using System.Globalization;

namespace Braid.Benchmarks;

public sealed record BenchOptions(string Store, string? Postgres, int Spans, int FetchSpans, int Concurrency, int SpansPerRequest, int FetchRequests)
{
    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            values[args[i].TrimStart('-')] = args[i + 1];
        }

        int Int(string name, int fallback) => values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var store = values.GetValueOrDefault("store", "sqlite");
        var postgres = values.GetValueOrDefault("postgres") ?? Environment.GetEnvironmentVariable("BRAID_TEST_POSTGRES");
        if (store == "postgres" && string.IsNullOrEmpty(postgres))
        {
            throw new ArgumentException("--store postgres needs --postgres CONNSTR (or BRAID_TEST_POSTGRES); bench/run.sh starts one");
        }

        return new BenchOptions(store, postgres, Int("spans", 200_000), Int("fetch-spans", 1_000_000), Int("concurrency", 16), Int("batch", 100), Int("fetch-requests", 300));
    }
}
