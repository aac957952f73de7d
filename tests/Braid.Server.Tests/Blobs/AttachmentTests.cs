using System.Net;
using System.Text;
using Braid.Server.Blobs;
using Braid.Server.Tests.Infrastructure;
using Braid.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Blobs;

public sealed class AttachmentTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task Attachment_UploadedThroughTheSignedUrl_ReadsBackByteForByte()
    {
        var api = await app.NewTenantAsync();
        var key = Guid.NewGuid().ToString();
        var bytes = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7)).ToArray();

        var upload = (await api.PostAsync("/attachment", new { key, filename = "photo.png", content_type = "image/png", org_id = api.OrgId })).AssertOk().Json;
        Assert.Equal("image/png", (string)upload["headers"]!["Content-Type"]!);
        using var anonymous = app.CreateClient();
        using (var put = new HttpRequestMessage(HttpMethod.Put, (string)upload["signedUrl"]!) { Content = new ByteArrayContent(bytes) })
        {
            put.Content.Headers.ContentType = new("image/png");
            Assert.Equal(HttpStatusCode.OK, (await anonymous.SendAsync(put)).StatusCode);
        }

        (await api.PostAsync("/attachment/status", new { key, org_id = api.OrgId, status = new { upload_status = "done" } })).AssertOk();
        var read = (await api.GetAsync($"/attachment?key={key}&filename=photo.png&content_type=image%2Fpng&org_id={api.OrgId}")).AssertOk().Json;
        Assert.Equal("done", (string)read["status"]!["upload_status"]!);

        using var download = await anonymous.GetAsync((string)read["downloadUrl"]!);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("image/png", download.Content.Headers.ContentType!.MediaType);
        Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task SignedUrls_RefuseTamperingExpiryAndOtherMethods()
    {
        var api = await app.NewTenantAsync();
        var key = Guid.NewGuid().ToString();
        var signedUrl = (string)(await api.PostAsync("/attachment", new { key, filename = "a.txt", content_type = "text/plain", org_id = api.OrgId })).AssertOk().Json["signedUrl"]!;
        using var anonymous = app.CreateClient();

        var otherKey = signedUrl.Replace(key, Guid.NewGuid().ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.PutAsync(otherKey, new StringContent("x"))).StatusCode);
        var badSignature = signedUrl[..^4] + "AAAA";
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.PutAsync(badSignature, new StringContent("x"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.GetAsync(signedUrl)).StatusCode);

        var signer = app.Services.GetRequiredService<UrlSigner>();
        var expired = signer.Sign("PUT", BlobsApi.AttachmentBlob(api.OrgId, key), TimeSpan.FromSeconds(-1));
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.PutAsync(expired, new StringContent("x"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PutAsync(signedUrl, new StringContent("x"))).StatusCode);
    }

    [Fact]
    public async Task AttachmentCalls_CheckTheirInput()
    {
        var api = await app.NewTenantAsync();
        var other = await app.NewTenantAsync();
        (await api.PostAsync("/attachment", new { key = "../../etc/passwd", filename = "f", content_type = "t", org_id = api.OrgId })).AssertError(HttpStatusCode.BadRequest, "key");
        (await api.PostAsync("/attachment", new { key = "k", filename = "f", content_type = "t", org_id = other.OrgId })).AssertError(HttpStatusCode.Forbidden, "org_id");
        (await api.PostAsync("/attachment", new { key = "k", content_type = "t", org_id = api.OrgId })).AssertError(HttpStatusCode.BadRequest, "filename");
        (await api.PostAsync("/attachment/status", new { key = "never", org_id = api.OrgId, status = new { upload_status = "done" } })).AssertStatus(HttpStatusCode.NotFound);
        (await api.PostAsync("/attachment/status", new { key = "k", org_id = api.OrgId, status = new { upload_status = "finished" } })).AssertError(HttpStatusCode.BadRequest, "upload_status");
        (await api.GetAsync($"/attachment?key=never&org_id={api.OrgId}")).AssertStatus(HttpStatusCode.NotFound);
        (await app.Anonymous().PostAsync("/attachment", new { key = "k" })).AssertStatus(HttpStatusCode.Unauthorized);

        // Another organization cannot read an attachment by guessing its key.
        var key = Guid.NewGuid().ToString();
        (await api.PostAsync("/attachment", new { key, filename = "f", content_type = "t", org_id = api.OrgId })).AssertOk();
        (await other.GetAsync($"/attachment?key={key}&org_id={other.OrgId}")).AssertStatus(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Overflow_HandsOutAnUploadUrl_AndStoresThePayload()
    {
        var api = await app.NewTenantAsync();
        var payload = "{\"rows\":[{\"id\":\"big\",\"input\":\"" + new string('x', 100_000) + "\"}],\"api_version\":2}";
        var overflow = (await api.PostAsync("/logs3/overflow", new { content_type = "application/json", size_bytes = payload.Length, rows = new[] { new { object_ids = new { project_id = Guid.NewGuid(), log_id = "g" }, is_delete = false, input_row = new { byte_size = payload.Length } } } })).AssertOk().Json;
        Assert.Equal("PUT", (string)overflow["method"]!);

        using var anonymous = app.CreateClient();
        var put = await anonymous.PutAsync((string)overflow["signedUrl"]!, new StringContent(payload, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var blobs = app.Services.GetRequiredService<BlobStore>();
        await using var stored = blobs.OpenRead(BlobsApi.OverflowBlob(api.OrgId, (string)overflow["key"]!))!;
        Assert.Equal(payload, await new StreamReader(stored).ReadToEndAsync());
        (await api.PostAsync("/logs3/overflow", new { content_type = "application/json", size_bytes = long.MaxValue })).AssertStatus(HttpStatusCode.RequestEntityTooLarge);
    }
}

public sealed class BlobLimitTests(Events.TightIngestApp fixture) : IClassFixture<Events.TightIngestApp>
{
    [Fact]
    public async Task UploadOverTheBlobLimit_Is413_AndLeavesNoBlob()
    {
        var api = await fixture.App.NewTenantAsync();
        var key = Guid.NewGuid().ToString();
        var signedUrl = (string)(await api.PostAsync("/attachment", new { key, filename = "f", content_type = "text/plain", org_id = api.OrgId })).AssertOk().Json["signedUrl"]!;
        using var anonymous = fixture.App.CreateClient();
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await anonymous.PutAsync(signedUrl, new ByteArrayContent(new byte[6000]))).StatusCode);
        Assert.False(fixture.App.Services.GetRequiredService<BlobStore>().Exists(BlobsApi.AttachmentBlob(api.OrgId, key)));
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PutAsync(signedUrl, new ByteArrayContent(new byte[4000]))).StatusCode);
    }
}
