using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Server.AccessControl;
using Braid.Server.Auth;
using Braid.Server.Http;
using Braid.Server.RateLimits;
using Braid.Storage.Blobs;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Braid.Server.Blobs;

/// <summary>
/// The SDK's large-bytes flows (sdk-protocol §3): attachments (<c>/attachment</c>, a signed PUT, <c>/attachment/status</c>,
/// then <c>GET /attachment</c> for a signed download) and oversized log payloads (<c>/logs3/overflow</c>, a signed PUT).
/// Braid serves the signed URLs itself under <c>/blobs/</c>; the signature is their only credential.
/// </summary>
public static class BlobsApi
{
    /// <summary>How long a signed URL works: an upload happens within it, or not at all.</summary>
    public static readonly TimeSpan UrlLifetime = TimeSpan.FromHours(1);

    /// <summary>The blob folder of overflowing <c>/logs3</c> payloads (<see cref="OverflowBlob"/>).</summary>
    public const string OverflowPrefix = "overflow";

    public static IEndpointRouteBuilder MapBlobsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/attachment", RequestUploadAsync);
        routes.MapPost("/attachment/status", SetStatusAsync);
        routes.MapGet("/attachment", GetAsync);
        routes.MapPost("/logs3/overflow", RequestOverflowAsync).RateLimited(EndpointClass.Ingest);
        routes.MapPut(UrlSigner.PathPrefix + "{**key}", UploadAsync).AllowAnonymous();
        routes.MapGet(UrlSigner.PathPrefix + "{**key}", DownloadAsync).AllowAnonymous();
        return routes;
    }

    /// <summary>Where an attachment's bytes live: per organization, so keys never collide across tenants.</summary>
    public static string AttachmentBlob(string orgId, string key) => $"attachments/{orgId}/{key}";

    /// <summary>Where an overflowing <c>/logs3</c> payload lives until <c>/logs3</c> reads it back.</summary>
    public static string OverflowBlob(string orgId, string key) => $"{OverflowPrefix}/{orgId}/{key}";

    private static async Task<IResult> RequestUploadAsync(HttpContext http, AttachmentStore attachments)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var orgId = RequireOwnOrg(http, body);
        await RequireAsync(http, Access.Update);
        var key = RequireKey(body);
        var filename = RequireString(body, "filename");
        var contentType = RequireString(body, "content_type");
        await attachments.UpsertAsync(orgId, key, filename, contentType);
        var signer = http.RequestServices.GetRequiredService<UrlSigner>();
        return JsonResults.Ok(new JsonObject
        {
            ["signedUrl"] = PublicUrls.Base(http) + signer.Sign("PUT", AttachmentBlob(orgId, key), UrlLifetime),
            ["headers"] = new JsonObject { ["Content-Type"] = contentType },
        });
    }

    private static async Task<IResult> SetStatusAsync(HttpContext http, AttachmentStore attachments)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var orgId = RequireOwnOrg(http, body);
        await RequireAsync(http, Access.Update);
        var key = RequireKey(body);
        var status = body["status"] as JsonObject ?? throw ApiException.BadRequest("status: is required (an object with upload_status)");
        var uploadStatus = RequireString(status, "upload_status");
        if (uploadStatus is not ("uploading" or "done" or "error"))
        {
            ApiException.ThrowBadRequest($"status.upload_status: must be uploading, done or error; got '{uploadStatus}'");
        }

        var message = status["error_message"] is JsonValue m && m.GetValueKind() == JsonValueKind.String ? (string)m! : null;
        if (!await attachments.SetStatusAsync(orgId, key, uploadStatus, message))
        {
            throw ApiException.NotFound($"key: no attachment '{key}'");
        }

        return JsonResults.Ok(new JsonObject { ["status"] = "success" });
    }

    private static async Task<IResult> GetAsync(HttpContext http, AttachmentStore attachments)
    {
        var request = http.Request;
        var orgId = OwnOrg(http, QueryArgs.Single(request, "org_id") ?? http.GetPrincipal().OrgId);
        await RequireAsync(http, Access.Read);

        // External attachments are links the client already holds; Braid only reports them as available.
        if (QueryArgs.Single(request, "url") is { } url)
        {
            return JsonResults.Ok(new JsonObject { ["downloadUrl"] = url, ["status"] = new JsonObject { ["upload_status"] = "done" } });
        }

        var key = QueryArgs.Single(request, "key") ?? throw ApiException.BadRequest("key: is required (or url)");
        var attachment = await attachments.GetAsync(orgId, key) ?? throw ApiException.NotFound($"key: no attachment '{key}'");
        var signer = http.RequestServices.GetRequiredService<UrlSigner>();
        var status = new JsonObject { ["upload_status"] = attachment.UploadStatus };
        if (attachment.ErrorMessage is not null)
        {
            status["error_message"] = attachment.ErrorMessage;
        }

        return JsonResults.Ok(new JsonObject
        {
            ["downloadUrl"] = PublicUrls.Base(http) + signer.Sign("GET", AttachmentBlob(orgId, key), UrlLifetime,
                QueryArgs.Single(request, "content_type") ?? attachment.ContentType, QueryArgs.Single(request, "filename") ?? attachment.Filename),
            ["status"] = status,
        });
    }

    private static async Task<IResult> RequestOverflowAsync(HttpContext http, UrlSigner signer, OverflowSweep sweep)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        await RequireAsync(http, Access.Update);
        sweep.RunIfDue();
        var contentType = RequireString(body, "content_type");
        var max = http.RequestServices.GetRequiredService<IOptions<ServerOptions>>().Value.MaxBlobBytes;
        if (body["size_bytes"] is JsonValue size && size.TryGetValue<long>(out var bytes) && bytes > max)
        {
            throw ApiException.TooLarge($"size_bytes: {bytes} is over the limit of {max} bytes");
        }

        var key = Guid.NewGuid().ToString();
        return JsonResults.Ok(new JsonObject
        {
            ["method"] = "PUT",
            ["signedUrl"] = PublicUrls.Base(http) + signer.Sign("PUT", OverflowBlob(http.GetPrincipal().OrgId, key), UrlLifetime),
            ["headers"] = new JsonObject { ["Content-Type"] = contentType },
            ["key"] = key,
        });
    }

    private static async Task<IResult> UploadAsync(HttpContext http, string key, BlobStore blobs)
    {
        RequireSignature(http, key);

        var max = http.RequestServices.GetRequiredService<IOptions<ServerOptions>>().Value.MaxBlobBytes;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = max;
        }

        if (http.Request.ContentLength > max || !await blobs.WriteAsync(key, http.Request.Body, max, http.RequestAborted))
        {
            throw ApiException.TooLarge($"upload is larger than the limit of {max} bytes");
        }

        return Results.Ok();
    }

    private static IResult DownloadAsync(HttpContext http, string key, BlobStore blobs)
    {
        RequireSignature(http, key);

        var stream = blobs.OpenRead(key) ?? throw ApiException.NotFound("no such blob (was the upload finished?)");
        return Results.Stream(stream, QueryArgs.Single(http.Request, "content_type") ?? "application/octet-stream",
            QueryArgs.Single(http.Request, "filename"));
    }

    /// <summary>
    /// Attachments and overflow payloads are keyed by organization, not by the row that will refer to them, so they are
    /// checked at that level: writing them needs <c>update</c> on the organization's projects (Engineers and Owners,
    /// who log), reading them <c>read</c> there (Viewers too). A member granted only one project's logs gets neither.
    /// </summary>
    private static async Task RequireAsync(HttpContext http, string permission)
    {
        var principal = http.GetPrincipal();
        await http.RequestServices.GetRequiredService<Access>().RequireAsync(principal, Access.Project(principal.OrgId, null), permission);
    }

    private static string RequireOwnOrg(HttpContext http, JsonObject body) => OwnOrg(http, RequireString(body, "org_id"));

    private static string OwnOrg(HttpContext http, string orgId) =>
        orgId == http.GetPrincipal().OrgId ? orgId : throw ApiException.Forbidden("org_id: not the organization of this API key");

    /// <summary>The signed URL is the only credential of <c>/blobs/</c>: a bad key or signature is a 403.</summary>
    private static void RequireSignature(HttpContext http, string key)
    {
        if (!BlobStore.IsValidKey(key) || !http.RequestServices.GetRequiredService<UrlSigner>().Verify(http.Request, key))
        {
            throw ApiException.Forbidden("signature: invalid or expired signed URL");
        }
    }

    private static string RequireKey(JsonObject body)
    {
        var key = RequireString(body, "key");
        return BlobStore.IsValidKey(key) && !key.Contains('/', StringComparison.Ordinal)
            ? key
            : throw ApiException.BadRequest($"key: '{key}' must be letters, digits, '-', '_' or '.'");
    }

    private static string RequireString(JsonObject body, string field) =>
        body[field] is JsonValue value && value.GetValueKind() == JsonValueKind.String && (string)value! is { Length: > 0 } text
            ? text
            : throw ApiException.BadRequest($"{field}: is required (a non-empty string)");
}
