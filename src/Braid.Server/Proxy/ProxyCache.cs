using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Braid.Server.Http;
using Braid.Server.Secrets;
using Braid.Storage.Blobs;
using Microsoft.Net.Http.Headers;

namespace Braid.Server.Proxy;

/// <summary>
/// Whether one proxy request reads or writes the cache, by Braintrust's rules: <c>x-bt-use-cache</c> <c>auto</c>
/// (the default: only deterministic requests, <c>temperature: 0</c> or a <c>seed</c>, and embeddings), <c>always</c>
/// or <c>never</c>; then <c>Cache-Control</c> wins: <c>no-cache</c> skips the read, <c>no-store</c> the write,
/// <c>max-age=N</c> refuses older entries. <c>x-bt-cache-ttl</c> (1 s to 7 days, default 7 days) bounds an entry's life.
/// </summary>
public sealed record CachePolicy(bool Read, bool Write, long TtlSeconds, long? MaxAgeSeconds)
{
    public const string ModeHeader = "x-bt-use-cache";
    public const string TtlHeader = "x-bt-cache-ttl";
    public const long MaxTtlSeconds = 7 * 24 * 3600;

    /// <summary>The policy for a request to a cacheable route, or null when the cache is out of play.</summary>
    public static CachePolicy? For(HttpRequest request, ProxyRoute route, ProxyBody body)
    {
        var mode = request.Headers[ModeHeader].ToString();
        var cacheable = mode.ToLowerInvariant() switch
        {
            "" or "auto" => route == ProxyRoute.Embeddings || body.ZeroTemperature || body.HasSeed,
            "always" => true,
            "never" => false,
            _ => throw ApiException.BadRequest($"{ModeHeader}: '{mode}' is not a cache mode; use auto, always or never"),
        };

        var ttl = MaxTtlSeconds;
        if (request.Headers[TtlHeader].ToString() is { Length: > 0 } ttlText &&
            (!long.TryParse(ttlText, NumberStyles.None, CultureInfo.InvariantCulture, out ttl) || ttl is < 1 or > MaxTtlSeconds))
        {
            throw ApiException.BadRequest($"{TtlHeader}: '{ttlText}' is not a number of seconds from 1 to {MaxTtlSeconds} (7 days)");
        }

        var control = CacheControlHeaderValue.TryParse(request.Headers.CacheControl.ToString(), out var parsed) ? parsed : null;
        var read = cacheable && control?.NoCache != true;
        var write = cacheable && control?.NoStore != true;
        return read || write ? new CachePolicy(read, write, ttl, (long?)control?.MaxAge?.TotalSeconds) : null;
    }
}

/// <summary>A cached answer: what the client was sent, and when it was first answered.</summary>
public sealed record CachedResponse(int Status, string ContentType, byte[] Body, DateTimeOffset Created);

/// <summary>
/// The proxy's response cache, kept as blobs. Entries are sealed with AES-256-GCM under a key derived from the
/// caller's API key (and the server's master key), and named by an HMAC under that key, so one key's entries can be
/// neither found nor read with another — Braintrust's per-key scoping, enforced by cryptography rather than a filter.
/// </summary>
/// <remarks>
/// Persisted format, append-only: <c>BPC1</c> + nonce[12] + AES-GCM(header JSON <c>{"created","expires","status","content_type"}</c>
/// + <c>\n</c> + body) + tag[16], with the entry's name as associated data. ProxyCacheTests pins a v1 entry.
/// Expired entries are removed when next looked up.
/// </remarks>
public sealed class ProxyCache(BlobStore blobs, MasterKey masterKey, TimeProvider clock)
{
    public const string Prefix = "proxy-cache";
    public const string CachedHeader = "x-bt-cached";

    /// <summary>Entries larger than this are not kept (a cache is for repeated small answers, not a blob store).</summary>
    public const int MaxEntryBytes = 4 * 1024 * 1024;

    private static readonly byte[] Magic = "BPC1"u8.ToArray();
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly byte[] _root = masterKey.Derive("proxy-cache");

    /// <summary>The caller's entry key: entries sealed under one API key are invisible to every other.</summary>
    public byte[] KeyFor(string apiKey) => HMACSHA256.HashData(_root, Encoding.UTF8.GetBytes(apiKey));

    public static string NameOf(byte[] key, string route, ReadOnlySpan<byte> body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(Encoding.UTF8.GetBytes(route + "\n"));
        hmac.AppendData(body);
        return Convert.ToHexStringLower(hmac.GetHashAndReset());
    }

    public async Task<CachedResponse?> GetAsync(byte[] key, string name, long? maxAgeSeconds, CancellationToken cancellationToken)
    {
        var blob = BlobKey(name);
        await using var stream = blobs.OpenRead(blob);
        if (stream is null)
        {
            return null;
        }

        var sealedBytes = new byte[stream.Length];
        await stream.ReadExactlyAsync(sealedBytes, cancellationToken);
        if (Open(key, name, sealedBytes) is not { } entry)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        if (entry.Expires <= now)
        {
            await stream.DisposeAsync();
            blobs.Delete(blob);
            return null;
        }

        return maxAgeSeconds is { } maxAge && now - entry.Response.Created > TimeSpan.FromSeconds(maxAge) ? null : entry.Response;
    }

    public async Task PutAsync(byte[] key, string name, CachedResponse response, long ttlSeconds, CancellationToken cancellationToken)
    {
        var sealedBytes = Seal(key, name, response, response.Created.AddSeconds(ttlSeconds));
        await blobs.WriteAsync(BlobKey(name), new MemoryStream(sealedBytes), sealedBytes.Length, cancellationToken);
    }

    public static byte[] Seal(byte[] key, string name, CachedResponse response, DateTimeOffset expires)
    {
        var header = Encoding.UTF8.GetBytes(new System.Text.Json.Nodes.JsonObject
        {
            ["created"] = response.Created.ToUnixTimeMilliseconds(),
            ["expires"] = expires.ToUnixTimeMilliseconds(),
            ["status"] = response.Status,
            ["content_type"] = response.ContentType,
        }.ToJsonString() + "\n");
        var plain = new byte[header.Length + response.Body.Length];
        header.CopyTo(plain, 0);
        response.Body.CopyTo(plain, header.Length);

        var sealedBytes = new byte[Magic.Length + NonceSize + plain.Length + TagSize];
        Magic.CopyTo(sealedBytes, 0);
        var nonce = sealedBytes.AsSpan(Magic.Length, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(Magic.Length + NonceSize, plain.Length), sealedBytes.AsSpan(^TagSize), Encoding.UTF8.GetBytes(name));
        return sealedBytes;
    }

    /// <summary>The entry, or null when it is not one this key sealed under this name (another key's, damaged, unknown format).</summary>
    public static (CachedResponse Response, DateTimeOffset Expires)? Open(byte[] key, string name, byte[] sealedBytes)
    {
        if (sealedBytes.Length < Magic.Length + NonceSize + TagSize || !sealedBytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            return null;
        }

        var plain = new byte[sealedBytes.Length - Magic.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        try
        {
            aes.Decrypt(sealedBytes.AsSpan(Magic.Length, NonceSize), sealedBytes.AsSpan(Magic.Length + NonceSize, plain.Length), sealedBytes.AsSpan(^TagSize), plain, Encoding.UTF8.GetBytes(name));
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }

        var newline = plain.AsSpan().IndexOf((byte)'\n');
        var header = System.Text.Json.Nodes.JsonNode.Parse(plain.AsSpan(0, newline))!;
        var response = new CachedResponse(
            (int)header["status"]!, (string)header["content_type"]!, plain[(newline + 1)..],
            DateTimeOffset.FromUnixTimeMilliseconds((long)header["created"]!));
        return (response, DateTimeOffset.FromUnixTimeMilliseconds((long)header["expires"]!));
    }

    private static string BlobKey(string name) => $"{Prefix}/{name[..2]}/{name}";
}
