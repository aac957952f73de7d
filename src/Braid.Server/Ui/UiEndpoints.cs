using Braid.Server.Http;

namespace Braid.Server.Ui;

/// <summary>
/// The web UI at <c>/</c>: <c>/</c> and every client-side route under <c>/app/</c> answer <c>index.html</c>, and the
/// scripts and styles are under <c>/ui/</c>. The UI is a client of the public API like any other (it sends the API
/// key the user typed), so these routes are anonymous and hold no data. Anything else keeps the API's JSON 404.
/// </summary>
public static class UiEndpoints
{
    /// <summary>
    /// Only Braid's own origin may serve scripts, styles, images or answer fetches: a value logged into a trace can
    /// never load or run anything from elsewhere, and the page cannot be framed.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static IEndpointRouteBuilder MapUi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/", ServeIndex).AllowAnonymous();
        routes.MapGet("/app", ServeIndex).AllowAnonymous();
        routes.MapGet("/app/{**route}", ServeIndex).AllowAnonymous();
        routes.MapGet("/ui/{**path}", ServeAsset).AllowAnonymous();
        return routes;
    }

    private static Task ServeIndex(HttpContext http, UiAssets assets) => WriteAsync(http, assets.Find("index.html")!);

    private static Task ServeAsset(HttpContext http, UiAssets assets, string path) =>
        assets.Find(path) is { } asset
            ? WriteAsync(http, asset)
            : ErrorHandling.WriteAsync(http, StatusCodes.Status404NotFound, $"no route for {http.Request.Method} {http.Request.Path}");

    // Modules import each other by plain URL, so every file is revalidated by ETag (a 304 costs one round trip) rather
    // than cached by a fingerprinted name, which would need a build step.
    private static async Task WriteAsync(HttpContext http, UiAsset asset)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.ETag = asset.ETag;
        headers.CacheControl = "no-cache";

        if (http.Request.Headers.IfNoneMatch.Contains(asset.ETag))
        {
            http.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        http.Response.ContentType = asset.ContentType;
        http.Response.ContentLength = asset.Content.Length;
        await http.Response.Body.WriteAsync(asset.Content, http.RequestAborted);
    }
}
