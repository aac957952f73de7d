using System.Globalization;

namespace Braid.Benchmarks;

public sealed record BenchOptions(string Store, string? Postgres, int Spans, int FetchSpans, int Concurrency, int SpansPerRequest, int FetchRequests)
{
    /// <summary>The query benchmark (<c>--queries</c>) instead of ingestion and fetch.</summary>
    public bool Queries { get; init; }

    /// <summary>
    /// The web UI's page loads (<c>--pages</c>) on the query benchmark's generated store: each page opened in headless
    /// Chromium by bench/ui-pages.mjs, timed until its content shows.
    /// </summary>
    public bool Pages { get; init; }

    /// <summary>Timed loads of each page in the page benchmark (after one untimed load).</summary>
    public int PageRuns { get; init; } = 10;

    /// <summary>The AI proxy benchmark (<c>--proxy</c>): latency added over calling the provider directly.</summary>
    public bool Proxy { get; init; }

    /// <summary>Timed direct/proxy pairs per concurrency level and request shape in the proxy benchmark.</summary>
    public int ProxyRequests { get; init; } = 5000;

    /// <summary>Spans of the generated project log, and of the experiment, in the query benchmark.</summary>
    public int LogSpans { get; init; } = 1_000_000;

    public int ExperimentSpans { get; init; } = 100_000;

    /// <summary>Timed runs of each query after <see cref="Warmup"/> untimed ones, unless <see cref="Seconds"/> run out first.</summary>
    public int Iterations { get; init; } = 30;

    public int Warmup { get; init; } = 3;

    /// <summary>A budget per query and side; at least five timed runs happen whatever it says.</summary>
    public double Seconds { get; init; } = 20;

    /// <summary>
    /// Seconds after which a query's first run is cut off and the side reported as timed out: by default the server's
    /// own limit (QueryRunner.DefaultTimeout), past which POST /btql fails on PostgreSQL anyway.
    /// </summary>
    public double Limit { get; init; } = 30;

    /// <summary>Where the generated SQLite store is kept between runs.</summary>
    public string Cache { get; init; } = Path.Combine(Path.GetTempPath(), "braid-bench-cache");

    /// <summary>
    /// PostgreSQL: the database to generate the store into and keep (with its manifest under <see cref="Cache"/>), or to
    /// reuse when it was generated before; by default a fresh database each run, dropped at the end.
    /// </summary>
    public string? PostgresDatabase { get; init; }

    /// <summary>Print each query's compiled SQL, the hand-written SQL, and both plans.</summary>
    public bool Explain { get; init; }

    /// <summary>Only the questions whose names contain this.</summary>
    public string? Only { get; init; }

    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>();
        var flags = new HashSet<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i].TrimStart('-');
            if (name is "queries" or "explain" or "proxy" or "pages")
            {
                flags.Add(name);
                continue;
            }

            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"--{name} needs a value");
            }

            values[name] = args[++i];
        }

        int Int(string name, int fallback) => values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var store = values.GetValueOrDefault("store", "sqlite");
        var postgres = values.GetValueOrDefault("postgres") ?? Environment.GetEnvironmentVariable("BRAID_TEST_POSTGRES");
        if (store == "postgres" && string.IsNullOrEmpty(postgres))
        {
            throw new ArgumentException("--store postgres needs --postgres CONNSTR (or BRAID_TEST_POSTGRES); bench/run.sh starts one");
        }

        var defaults = new BenchOptions(store, postgres, 0, 0, 0, 0, 0);
        return new BenchOptions(store, postgres, Int("spans", 200_000), Int("fetch-spans", 1_000_000), Int("concurrency", 16), Int("batch", 100), Int("fetch-requests", 300))
        {
            Queries = flags.Contains("queries") || flags.Contains("pages"),
            Pages = flags.Contains("pages"),
            PageRuns = Int("page-runs", defaults.PageRuns),
            Proxy = flags.Contains("proxy"),
            ProxyRequests = Int("requests", defaults.ProxyRequests),
            Explain = flags.Contains("explain"),
            LogSpans = Int("log-spans", defaults.LogSpans),
            ExperimentSpans = Int("experiment-spans", defaults.ExperimentSpans),
            Iterations = Int("iterations", defaults.Iterations),
            Warmup = Int("warmup", defaults.Warmup),
            Seconds = values.TryGetValue("seconds", out var s) ? double.Parse(s, CultureInfo.InvariantCulture) : defaults.Seconds,
            Limit = values.TryGetValue("limit", out var l) ? double.Parse(l, CultureInfo.InvariantCulture) : defaults.Limit,
            Cache = values.GetValueOrDefault("cache", defaults.Cache),
            Only = values.GetValueOrDefault("only"),
            PostgresDatabase = values.GetValueOrDefault("postgres-database"),
        };
    }
}
