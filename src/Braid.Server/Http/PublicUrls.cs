using Microsoft.Extensions.Options;

namespace Braid.Server.Http;

/// <summary>The URL clients reach this server at, for links and signed URLs handed back to them.</summary>
public static class PublicUrls
{
    /// <summary>
    /// <c>Braid:PublicUrl</c> when set (behind a proxy the request's host is not what clients use), else the
    /// request's own scheme and host, so a server on any port hands out URLs that reach it.
    /// </summary>
    public static string Base(HttpContext http) =>
        http.RequestServices.GetRequiredService<IOptions<ServerOptions>>().Value.PublicUrl?.TrimEnd('/') is { Length: > 0 } configured
            ? configured
            : $"{http.Request.Scheme}://{http.Request.Host}";
}
