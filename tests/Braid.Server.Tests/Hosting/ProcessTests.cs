using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Hosting;

/// <summary>
/// The real executable, as a user runs it: started with only <c>--urls</c> (and the store's URL on PostgreSQL),
/// in an empty working directory, killed and started again.
/// </summary>
public sealed class ProcessTests : IAsyncLifetime
{
    private readonly string _workDirectory = Path.Combine(Path.GetTempPath(), "braid-process-" + Guid.NewGuid().ToString("N"));
    private string? _databaseUrl;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_workDirectory);
        _databaseUrl = await TestStore.CreateDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        await TestStore.DropDatabaseAsync(_databaseUrl);
        Directory.Delete(_workDirectory, recursive: true);
    }

    [Fact]
    public async Task FirstStart_PrintsAKeyThatWorks_AndDataSurvivesAKill()
    {
        var port = FreePort();
        string projectId;
        using (var server = await StartAsync(port))
        {
            var key = (await File.ReadAllTextAsync(Path.Combine(_workDirectory, "braid-data", "initial-api-key"))).Trim();
            Assert.Contains(key, server.Output, StringComparison.Ordinal);
            var api = Client(port, key);
            var first = (await api.PostAsync("/v1/project", new { name = "p" })).AssertOk();
            var second = (await api.PostAsync("/v1/project", new { name = "p" })).AssertOk();
            Assert.Equal(first.Id, second.Id);
            Assert.Equal("true", second.Header("x-bt-found-existing"));
            projectId = first.Id;

            // Kestrel enforces the body limit on streamed (chunked) bodies too, still as a JSON 413.
            using var http = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}/v1/project");
            request.Headers.Authorization = new("Bearer", key);
            var pipe = new System.IO.Pipelines.Pipe();
            await pipe.Writer.WriteAsync(new byte[8192]);
            await pipe.Writer.CompleteAsync();
            request.Content = new StreamContent(pipe.Reader.AsStream());
            using var tooLarge = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
            Assert.Null(request.Content.Headers.ContentLength);
            Assert.Contains("larger than the limit of 4096 bytes", await tooLarge.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var restarted = await StartAsync(port))
        {
            var key = (await File.ReadAllTextAsync(Path.Combine(_workDirectory, "braid-data", "initial-api-key"))).Trim();
            Assert.DoesNotContain(key, restarted.Output, StringComparison.Ordinal);
            var api = Client(port, key);
            Assert.Equal("p", (string)(await api.GetAsync($"/v1/project/{projectId}")).AssertOk().Json["name"]!);

            // `keys create` mints a key for another organization against the same store, while the server runs.
            var minted = await RunCliAsync("keys", "create", "--org", "second-org", "--user", "ana@example.com");
            var other = Client(port, minted.Trim());
            Assert.Empty((await other.GetAsync("/v1/project")).AssertOk().Objects);
            (await other.GetAsync($"/v1/project/{projectId}")).AssertStatus(HttpStatusCode.NotFound);
        }
    }

    private static ApiClient Client(int port, string key) =>
        new(new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") }, null, key);

    private string[] StoreArgs() => _databaseUrl is null ? [] : ["--database-url", _databaseUrl];

    private async Task<RunningServer> StartAsync(int port)
    {
        var server = new RunningServer(Launch(["--urls", $"http://127.0.0.1:{port}", "--Braid:MaxRequestBodyBytes=4096", .. StoreArgs()]));
        using var http = new HttpClient();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            Assert.False(server.Process.HasExited, "server exited at start:\n" + server.Output);
            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{port}/v1")).IsSuccessStatusCode)
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

    private async Task<string> RunCliAsync(params string[] args)
    {
        using var process = Launch([.. args, .. StoreArgs()]);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"CLI failed: {await stderr}");
        return await stdout;
    }

    private Process Launch(string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _workDirectory,
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

    /// <summary>A server process whose output is collected; disposing kills it outright, as a crash would.</summary>
    private sealed class RunningServer : IDisposable
    {
        private readonly System.Text.StringBuilder _output = new();

        public RunningServer(Process process)
        {
            Process = process;
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public Process Process { get; }

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

        public void Dispose()
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
            Process.Dispose();
        }

        private void Append(string? line)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
