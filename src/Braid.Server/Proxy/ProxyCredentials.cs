using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Braid.Server.Http;
using Braid.Server.Secrets;

namespace Braid.Server.Proxy;

/// <summary>What a temporary credential grants: the key it acts for, the one model it may call (null: all), the project it logs to.</summary>
public sealed record ProxyGrant(string ApiKey, string? Model, string? LoggingProject);

/// <summary>
/// Braintrust's temporary proxy credentials (<c>POST /v1/proxy/credentials</c>): a JWT (HS256) with
/// <c>iss</c>/<c>aud</c> <c>braintrust_proxy</c>, <c>jti</c>, <c>iat</c>, <c>exp</c> and the grants under <c>bt</c>
/// (<c>org_name</c>, <c>model</c>, <c>logging</c>, <c>secret</c>). Braintrust keeps the issuing API key in a
/// server-side cache that <c>bt.secret</c> unlocks; Braid needs no store for it: <c>bt.secret</c> is the API key
/// sealed by <see cref="SecretCipher"/> (bound to the <c>jti</c>), and the signature key is derived from the
/// master key, so only this server (or a node sharing its master key) can issue or read one. The key is
/// authenticated again on every use, so deleting it revokes its credentials.
/// </summary>
public sealed class ProxyCredentials(MasterKey masterKey, SecretCipher cipher, TimeProvider clock)
{
    public const string Issuer = "braintrust_proxy";
    public const int MaxTtlSeconds = 86400;
    public const int DefaultTtlSeconds = 600;

    private static readonly string Header = Base64Url("""{"alg":"HS256","typ":"JWT"}"""u8);
    private readonly byte[] _signingKey = masterKey.Derive("proxy-credentials");

    public string Issue(string apiKey, string orgName, string? model, int ttlSeconds, string? loggingProject)
    {
        var jti = Guid.NewGuid().ToString();
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var grants = new JsonObject { ["org_name"] = orgName, ["model"] = model, ["secret"] = cipher.Encrypt(apiKey, jti) };
        if (loggingProject is not null)
        {
            grants["logging"] = new JsonObject { ["project_name"] = loggingProject };
        }

        var payload = new JsonObject
        {
            ["iss"] = Issuer, ["aud"] = Issuer, ["jti"] = jti, ["iat"] = now, ["exp"] = now + ttlSeconds, ["bt"] = grants,
        };
        var signed = Header + "." + Base64Url(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        return signed + "." + Base64Url(HMACSHA256.HashData(_signingKey, Encoding.ASCII.GetBytes(signed)));
    }

    /// <summary>True when <paramref name="token"/> has a JWT's shape (API keys never do).</summary>
    public static bool LooksLikeOne(string token) => token.Count(c => c == '.') == 2;

    /// <summary>The grant of a credential this server issued, or a 401 saying why it grants nothing.</summary>
    public ProxyGrant Read(string token)
    {
        var parts = token.Split('.');
        var signed = parts[0] + "." + parts[1];
        if (!TryBase64Url(parts[2], out var signature) ||
            !CryptographicOperations.FixedTimeEquals(signature, HMACSHA256.HashData(_signingKey, Encoding.ASCII.GetBytes(signed))) ||
            !TryBase64Url(parts[1], out var payloadBytes) || JsonNode.Parse(payloadBytes) is not JsonObject payload ||
            (string?)payload["aud"] != Issuer)
        {
            throw ApiException.Unauthorized("invalid temporary credential");
        }

        if ((long?)payload["exp"] is not { } exp || exp <= clock.GetUtcNow().ToUnixTimeSeconds())
        {
            throw ApiException.Unauthorized("temporary credential expired; request a new one from /v1/proxy/credentials");
        }

        var grants = payload["bt"] as JsonObject;
        if ((string?)grants?["secret"] is not { } secret || !cipher.TryDecrypt(secret, (string?)payload["jti"] ?? "", out var apiKey))
        {
            throw ApiException.Unauthorized("invalid temporary credential");
        }

        return new ProxyGrant(apiKey, (string?)grants!["model"], (string?)grants["logging"]?["project_name"]);
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryBase64Url(string text, out byte[] bytes)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - padded.Length % 4) % 4);
        bytes = new byte[padded.Length];
        if (!Convert.TryFromBase64String(padded, bytes, out var length))
        {
            return false;
        }

        bytes = bytes[..length];
        return true;
    }
}
