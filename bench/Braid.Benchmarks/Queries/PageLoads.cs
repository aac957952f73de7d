using System.Diagnostics;

namespace Braid.Benchmarks.Queries;

/// <summary>
/// The web UI's page loads on the generated store: bench/ui-pages.mjs opens each page in headless Chromium (the
/// browser and playwright-core of tests/ui) against the server the query benchmark started, and prints its figures.
/// Timed in the browser so that what is measured is what a person waits for: the modules, every API call the page
/// makes, and drawing it.
/// </summary>
public static class PageLoads
{
    public static async Task RunAsync(ServerUnderTest server, string directory, QueryData data, BenchOptions options)
    {
        var root = FindRoot();
        var info = new ProcessStartInfo("node") { WorkingDirectory = root };
        info.ArgumentList.Add(Path.Combine(root, "bench", "ui-pages.mjs"));
        info.Environment["BRAID_URL"] = server.Http.BaseAddress!.ToString().TrimEnd('/');
        info.Environment["BRAID_API_KEY"] = server.ApiKey;
        info.Environment["BRAID_BENCH_MANIFEST"] = Path.Combine(directory, "manifest.json");
        info.Environment["BRAID_BENCH_RUNS"] = options.PageRuns.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["BRAID_BENCH_STORE"] = options.Store;
        using var node = Process.Start(info) ?? throw new InvalidOperationException("could not start node");
        await node.WaitForExitAsync();
        if (node.ExitCode != 0)
        {
            throw new InvalidOperationException($"bench/ui-pages.mjs exited with {node.ExitCode}");
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "bench", "ui-pages.mjs")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("bench/ui-pages.mjs not found above " + AppContext.BaseDirectory);
    }
}
