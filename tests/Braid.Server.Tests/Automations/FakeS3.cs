using System.Collections.Concurrent;
using Braid.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Braid.Server.Tests.Automations;

/// <summary>
/// An S3-compatible bucket store on loopback (real Kestrel, port 0) that takes path-style <c>PUT /bucket/key</c>, as
/// MinIO does, and keeps each object's bytes; requests without an AWS signature are refused.
/// </summary>
public sealed class FakeS3 : IAsyncDisposable
{
    private WebApplication _app = null!;

    /// <summary>Objects by "bucket/key".</summary>
    public ConcurrentDictionary<string, byte[]> Objects { get; } = new();

    public string Url { get; private set; } = "";

    public static async Task<FakeS3> StartAsync()
    {
        var fake = new FakeS3();
        (fake._app, fake.Url) = await LoopbackServer.StartAsync(app => app.MapPut("/{bucket}/{**key}", fake.PutAsync));
        return fake;
    }

    private async Task<IResult> PutAsync(HttpContext http, string bucket, string key)
    {
        if (!http.Request.Headers.Authorization.ToString().StartsWith("AWS4-HMAC-SHA256 Credential=test-key/", StringComparison.Ordinal))
        {
            return Results.StatusCode(StatusCodes.Status403Forbidden);
        }

        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body);
        Objects[$"{bucket}/{key}"] = body.ToArray();
        http.Response.Headers.ETag = "\"" + Guid.NewGuid().ToString("N") + "\"";
        return Results.Ok();
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
