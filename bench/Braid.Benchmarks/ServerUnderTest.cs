using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Braid.Benchmarks;

/// <summary>The real Braid executable on a loopback port, started in a working directory of the benchmark's.</summary>
public sealed class ServerUnderTest : IDisposable
{
    private readonly Process _process;

    private ServerUnderTest(Process process, HttpClient http)
    {
        _process = process;
        Http = http;
    }

    public HttpClient Http { get; }

    /// <summary>The key the server wrote for its first user (the Authorization header <see cref="Http"/> sends).</summary>
    public string ApiKey => Http.DefaultRequestHeaders.Authorization!.Parameter!;

    /// <summary>CPU time (user and system) the server process has used so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public static async Task<ServerUnderTest> StartAsync(string workDirectory, string? databaseUrl, double? queryTimeoutSeconds = null)
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = workDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Braid.Server.dll"));
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        info.ArgumentList.Add("--Logging:LogLevel:Default=Warning");
        if (queryTimeoutSeconds is { } timeout)
        {
            info.ArgumentList.Add($"--Braid:QueryTimeoutSeconds={timeout.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }
        if (databaseUrl is not null)
        {
            info.ArgumentList.Add("--database-url");
            info.ArgumentList.Add(databaseUrl);
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("server: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(5) };
        var keyFile = Path.Combine(workDirectory, "braid-data", "initial-api-key");
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if ((await http.GetAsync("/v1")).IsSuccessStatusCode && File.Exists(keyFile))
                {
                    break;
                }
            }
            catch (HttpRequestException) when (attempt < 600)
            {
            }

            await Task.Delay(100);
        }

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await File.ReadAllTextAsync(keyFile)).Trim());
        return new ServerUnderTest(process, http);
    }

    public async Task<string> CreateProjectAsync(string name)
    {
        using var response = await Http.PostAsync("/v1/project", new StringContent($"{{\"name\":\"{name}\"}}", Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        return (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!;
    }

    public void Dispose()
    {
        Http.Dispose();
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
    }
}
