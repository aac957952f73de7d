using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Braid.Server.Tests.Automations;

/// <summary>One POST the receiver got, as it arrived.</summary>
public sealed record ReceivedPost(string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public JsonObject Json => JsonNode.Parse(Body)!.AsObject();

    /// <summary>
    /// Whether the body carries a valid <c>x-braid-signature</c> for <paramref name="secret"/>, checked as a receiver
    /// would: HMAC-SHA256 over <c>"{t}.{body}"</c>, compared in constant time, with a timestamp close to now.
    /// </summary>
    public bool IsSignedWith(string secret)
    {
        if (!Headers.TryGetValue("x-braid-signature", out var header))
        {
            return false;
        }

        var parts = header.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!parts.TryGetValue("t", out var t) || !parts.TryGetValue("v1", out var given) ||
            !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ||
            Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - seconds) > 3600)
        {
            return false;
        }

        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{Body}")));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(given));
    }
}

/// <summary>
/// A webhook receiver on loopback (real Kestrel, port 0) that records every POST and answers each with the next of
/// <see cref="Statuses"/>, then with what <see cref="Answer"/> says (200 and an empty JSON object by default).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private WebApplication _app = null!;

    private WebhookReceiver()
    {
    }

    public ConcurrentQueue<ReceivedPost> Posts { get; } = new();

    /// <summary>Statuses to answer the next POSTs with, one each, before <see cref="Answer"/> takes over.</summary>
    public ConcurrentQueue<int> Statuses { get; } = new();

    public Func<ReceivedPost, (int Status, string Body)> Answer { get; set; } = static _ => (200, "{}");

    /// <summary>The base URL, e.g. http://127.0.0.1:41234.</summary>
    public string Url { get; private set; } = "";

    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = new WebhookReceiver();
        (receiver._app, receiver.Url) = await LoopbackServer.StartAsync(app => app.MapPost("/{**path}", receiver.ReceiveAsync));
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task ReceiveAsync(HttpContext http, string? path)
    {
        var body = await new StreamReader(http.Request.Body, Encoding.UTF8).ReadToEndAsync();
        var post = new ReceivedPost("/" + path, http.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()), body);
        Posts.Enqueue(post);
        var (status, answer) = Statuses.TryDequeue(out var queued) ? (queued, "{\"error\": \"not now\"}") : Answer(post);
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(answer);
    }
}
