using Braid.Benchmarks;
using Braid.Benchmarks.Queries;

// Load benchmarks for the event store, against the real server over HTTP, each figure printed beside the
// raw ceiling measured in the same run; with --queries, query latency beside hand-written SQL. See docs/benchmarks.md.
//   dotnet run -c Release --project bench/Braid.Benchmarks -- [--store sqlite|postgres] [--postgres CONNSTR]
//                                                            [--spans N] [--fetch-spans N] [--concurrency N]
//   ... -- --queries [--log-spans N] [--experiment-spans N] [--iterations N] [--cache DIR] [--only NAME] [--explain]
//                                                            [--postgres-database NAME (kept, reused)]
//   ... -- --proxy [--requests N]                              added latency of /v1/proxy at concurrency 1, 16, 64
if (args is [BareForwarder.Flag, var providerUrl, var listenUrl])
{
    // The proxy benchmark's floor, run as a child process of it.
    await BareForwarder.RunAsync(providerUrl, listenUrl);
    return;
}

var options = BenchOptions.Parse(args);
if (options.Proxy)
{
    await using var proxy = new ProxyBench(options);
    await proxy.RunAsync();
    return;
}

if (options.Queries)
{
    await using var queries = new QueryBench(options);
    await queries.RunAsync();
    return;
}

await using var bench = await EventStoreBench.CreateAsync(options);
await bench.RunAsync();
