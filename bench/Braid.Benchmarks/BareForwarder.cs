using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Braid.Benchmarks;

/// <summary>
/// The floor under the proxy benchmark: a process that only relays <c>/v1/proxy/chat/completions</c> to the provider
/// with Kestrel and HttpClient, set up as the proxy's are, with no authentication, rate limit, key lookup or body
/// reading beyond the bytes. Whatever it adds over calling the provider directly, any proxy built on the same parts
/// adds on the same machine; what Braid adds beyond it is Braid's own work.
/// </summary>
public static class BareForwarder
{
    public const string Flag = "--bare-forwarder";

    /// <summary>Runs the forwarder in this process until it is killed (the benchmark starts it as a child).</summary>
    public static async Task RunAsync(string providerUrl, string listenUrl)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(listenUrl);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        using var client = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = int.MaxValue,
            ActivityHeadersPropagator = null,
        }) { Timeout = Timeout.InfiniteTimeSpan };
        app.MapPost("/v1/proxy/chat/completions", async (HttpContext http) =>
        {
            var body = new byte[http.Request.ContentLength ?? 0];
            await http.Request.Body.ReadExactlyAsync(body, http.RequestAborted);
            using var request = new HttpRequestMessage(HttpMethod.Post, providerUrl + "/v1/chat/completions") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-bench");
            using var upstream = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, http.RequestAborted);
            http.Response.StatusCode = (int)upstream.StatusCode;
            http.Response.ContentType = upstream.Content.Headers.ContentType?.ToString();
            await using var source = await upstream.Content.ReadAsStreamAsync(http.RequestAborted);
            var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                int read;
                while ((read = await source.ReadAsync(buffer, http.RequestAborted)) > 0)
                {
                    await http.Response.Body.WriteAsync(buffer.AsMemory(0, read), http.RequestAborted);
                    await http.Response.Body.FlushAsync(http.RequestAborted);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        });
        await app.RunAsync();
    }

    /// <summary>Starts the forwarder as a child process of the benchmark and waits until it answers.</summary>
    public static async Task<(Process Process, HttpClient Http)> StartAsync(string providerUrl)
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(typeof(BareForwarder).Assembly.Location);
        info.ArgumentList.Add(Flag);
        info.ArgumentList.Add(providerUrl);
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("forwarder: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var probe = await http.PostAsync("/v1/proxy/chat/completions", new StringContent("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"up?"}]}"""));
                if (probe.IsSuccessStatusCode)
                {
                    return (process, http);
                }
            }
            catch (HttpRequestException) when (attempt < 300)
            {
            }

            await Task.Delay(100);
        }
    }
}
