using System.Net;
using System.Text;
using System.Text.Json;
using Braid.Server.Blobs;
using Braid.Server.Tests.Infrastructure;
using Braid.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Blobs;

/// <summary>Overflow uploads that <c>/logs3</c> never referenced are removed once their signed URL has expired.</summary>
public sealed class OverflowSweepTests(ClockedApp clocked) : IClassFixture<ClockedApp>
{
    [Fact]
    public async Task UnreferencedOverflowUpload_IsSwept_OnceItsUrlHasExpired()
    {
        var app = clocked.App;
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var blobs = app.Services.GetRequiredService<BlobStore>();

        var abandoned = await UploadAsync(app, api, project, "abandoned");
        Assert.True(blobs.Exists(BlobsApi.OverflowBlob(api.OrgId, abandoned)));

        // The next overflow request after the URL's lifetime (and the sweep's interval) sweeps before it hands out a URL.
        clocked.Clock.Advance(BlobsApi.UrlLifetime + OverflowSweep.Interval + TimeSpan.FromMinutes(1));
        var fresh = await UploadAsync(app, api, project, "fresh");
        Assert.False(blobs.Exists(BlobsApi.OverflowBlob(api.OrgId, abandoned)));
        (await api.PostAsync("/logs3", Reference(abandoned))).AssertError(HttpStatusCode.BadRequest, "no uploaded payload");

        (await api.PostAsync("/logs3", Reference(fresh))).AssertOk();
        Assert.Equal("fresh", (string)Assert.Single(await api.FetchAllAsync($"project_logs/{project}"))["id"]!);
        Assert.False(blobs.Exists(BlobsApi.OverflowBlob(api.OrgId, fresh)));
    }

    private static object Reference(string key) => new { rows = new { type = "logs3_overflow", key }, api_version = 2 };

    // What the SDK does with a batch over the cap: ask for a signed URL and PUT the batch there. Returns the key.
    private static async Task<string> UploadAsync(BraidApp app, ApiClient api, string project, string id)
    {
        var payload = JsonSerializer.Serialize(new { rows = new[] { new { id, project_id = project, log_id = "g", input = "x" } }, api_version = 2 });
        var overflow = (await api.PostAsync("/logs3/overflow", new { content_type = "application/json", size_bytes = payload.Length })).AssertOk().Json;
        using var anonymous = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PutAsync((string)overflow["signedUrl"]!, new StringContent(payload, Encoding.UTF8, "application/json"))).StatusCode);
        return (string)overflow["key"]!;
    }
}
