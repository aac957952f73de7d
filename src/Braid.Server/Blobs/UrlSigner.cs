using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Braid.Server.Secrets;

namespace Braid.Server.Blobs;

/// <summary>
/// Expiring, HMAC-signed URLs for blob uploads and downloads, so SDKs can PUT and GET bytes without an API key,
/// as they do against S3 presigned URLs. The signature covers the method, the key, the expiry and the
/// response headers the URL sets, so none of them can be changed.
/// </summary>
public sealed class UrlSigner(MasterKey masterKey, TimeProvider time)
{
    public const string PathPrefix = "/blobs/";

    private readonly byte[] _key = masterKey.Derive("blob-url-signing");

    /// <summary>A path-and-query for <paramref name="method"/> on the blob, valid for <paramref name="lifetime"/>.</summary>
    public string Sign(string method, string key, TimeSpan lifetime, string? contentType = null, string? filename = null)
    {
        var expires = time.GetUtcNow().Add(lifetime).ToUnixTimeSeconds();
        var query = new StringBuilder($"expires={expires}");
        if (contentType is not null)
        {
            query.Append("&content_type=").Append(Uri.EscapeDataString(contentType));
        }

        if (filename is not null)
        {
            query.Append("&filename=").Append(Uri.EscapeDataString(filename));
        }

        query.Append("&sig=").Append(Signature(method, key, expires, contentType, filename));
        return $"{PathPrefix}{key}?{query}";
    }

    /// <summary>Whether the request carries a valid, unexpired signature for this method and key.</summary>
    public bool Verify(HttpRequest request, string key)
    {
        var query = request.Query;
        if (!long.TryParse(query["expires"], NumberStyles.None, CultureInfo.InvariantCulture, out var expires) ||
            expires < time.GetUtcNow().ToUnixTimeSeconds())
        {
            return false;
        }

        var expected = Signature(request.Method, key, expires, NullIfAbsent(query["content_type"]), NullIfAbsent(query["filename"]));
        var given = query["sig"].ToString();
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(given));
    }

    private string Signature(string method, string key, long expires, string? contentType, string? filename)
    {
        var canonical = string.Join('\n', method.ToUpperInvariant(), key, expires.ToString(CultureInfo.InvariantCulture), contentType ?? "", filename ?? "");
        return Base64Url.EncodeToString(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(canonical)));
    }

    private static string? NullIfAbsent(Microsoft.Extensions.Primitives.StringValues value) => value.Count == 0 ? null : value.ToString();
}
