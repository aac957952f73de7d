using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Braid.Server.Tests.Automations;

/// <summary>
/// An S3-compatible bucket store on loopback (real Kestrel, port 0) that takes path-style <c>PUT /bucket/key</c>, as
/// MinIO does, and keeps each object's bytes; requests without an AWS signature are refused.
/// </summary>
public sealed class FakeS3 : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeS3(WebApplication app) => _app = app;

    /// <summary>Objects by "bucket/key".</summary>
    public ConcurrentDictionary<string, byte[]> Objects { get; } = new();

    public string Url { get; private set; } = "";

    public static async Task<FakeS3> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeS3(app);
        app.MapPut("/{bucket}/{**key}", async (HttpContext http, string bucket, string key) =>
        {
            if (!http.Request.Headers.Authorization.ToString().StartsWith("AWS4-HMAC-SHA256 Credential=test-key/", StringComparison.Ordinal))
            {
                return Results.StatusCode(StatusCodes.Status403Forbidden);
            }

            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            fake.Objects[$"{bucket}/{key}"] = body.ToArray();
            http.Response.Headers.ETag = "\"" + Guid.NewGuid().ToString("N") + "\"";
            return Results.Ok();
        });
        await app.StartAsync();
        fake.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return fake;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
