using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Braid.Server.Tests.Infrastructure;

/// <summary>What a CLI verb left: its exit code, standard output and standard error.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error)
{
    public CliResult AssertSucceeded()
    {
        Assert.True(ExitCode == 0, $"CLI exited with {ExitCode}: {Error}");
        return this;
    }
}

/// <summary>
/// The real executable (<c>Braid.Server.dll</c>) run as a user runs it, in a working directory of the test's, on a
/// free loopback port and the suite's store. Disposing kills it outright, as a crash or power cut would.
/// </summary>
public sealed class ServerProcess : IDisposable
{
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, int port)
    {
        Process = process;
        Port = port;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public int Port { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the server and waits until it answers <c>GET /v1</c>.</summary>
    public static async Task<ServerProcess> StartAsync(string workDirectory, string? databaseUrl, int? port = null, params string[] extraArgs)
    {
        var chosenPort = port ?? FreePort();
        string[] args = ["--urls", $"http://127.0.0.1:{chosenPort}", .. StoreArgs(databaseUrl), .. extraArgs];
        var server = new ServerProcess(Launch(workDirectory, args), chosenPort);
        using var http = new HttpClient();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            Assert.False(server.Process.HasExited, "server exited at start:\n" + server.Output);
            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{chosenPort}/v1")).IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        server.Dispose();
        throw new TimeoutException("server did not start:\n" + server.Output);
    }

    /// <summary>Runs a CLI verb to completion and returns its standard output.</summary>
    public static async Task<string> RunCliAsync(string workDirectory, string? databaseUrl, params string[] args)
    {
        return (await RunCliToEndAsync(workDirectory, databaseUrl, args)).AssertSucceeded().Output;
    }

    /// <summary>Runs a CLI verb to completion, whatever its exit code (standard error is not a terminal).</summary>
    public static async Task<CliResult> RunCliToEndAsync(string workDirectory, string? databaseUrl, params string[] args)
    {
        using var process = StartCli(workDirectory, databaseUrl, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts a CLI verb, its standard output and error redirected, for a test that acts on it while it runs.</summary>
    public static Process StartCli(string workDirectory, string? databaseUrl, params string[] args) =>
        Launch(workDirectory, [.. args, .. StoreArgs(databaseUrl)]);

    public ApiClient Client(string key) => new(new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}") }, null, key);

    public static string InitialKey(string workDirectory) =>
        File.ReadAllText(Path.Combine(workDirectory, "braid-data", "initial-api-key")).Trim();

    public void Dispose()
    {
        Process.Kill(entireProcessTree: true);
        Process.WaitForExit();
        Process.Dispose();
    }

    private static string[] StoreArgs(string? databaseUrl) => databaseUrl is null ? [] : ["--database-url", databaseUrl];

    private static Process Launch(string workDirectory, string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Braid.Server.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Remove("BRAID_DATABASE_URL");
        info.Environment.Remove("BRAID_DATA_DIR");
        return Process.Start(info)!;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
