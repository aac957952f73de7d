using Braid.Benchmarks;

// Load benchmarks for the event store, against the real server over HTTP, each figure printed beside the
// raw ceiling measured in the same run. See docs/benchmarks.md.
//   dotnet run -c Release --project bench/Braid.Benchmarks -- [--store sqlite|postgres] [--postgres CONNSTR]
//                                                            [--spans N] [--fetch-spans N] [--concurrency N]
var options = BenchOptions.Parse(args);
await using var bench = await EventStoreBench.CreateAsync(options);
await bench.RunAsync();
