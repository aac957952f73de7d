using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Braid.Server.Secrets;

namespace Braid.Server.Automations.Alerts;

/// <summary>
/// Signs webhook alerts so a receiver can tell them from forgeries. Each automation has its own secret, derived from
/// the master key and the automation's id: it is never stored, every node computes the same one, and members who may
/// update the automation read it from <c>GET /v1/project_automation/{id}/signing_secret</c>. A delivery carries
/// <c>x-braid-signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, "&lt;t&gt;.&lt;body&gt;")&gt;</c>; the
/// timestamp is signed too, so a receiver can refuse old deliveries replayed at it.
/// </summary>
public sealed class WebhookSigning(MasterKey masterKey)
{
    public const string SignatureHeader = "x-braid-signature";

    public const string AutomationHeader = "x-braid-automation-id";

    // The prefix tells a reader what the value is for, as other webhook senders' secrets do.
    private const string SecretPrefix = "whsec_";

    private readonly byte[] _key = masterKey.Derive("automation-webhook-signing");

    /// <summary>The automation's signing secret; the same for as long as the master key is.</summary>
    public string Secret(string automationId) =>
        SecretPrefix + Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(automationId)));

    /// <summary>The signature header's value for <paramref name="body"/> sent at <paramref name="unixSeconds"/>.</summary>
    public string Sign(string automationId, long unixSeconds, string body)
    {
        var t = unixSeconds.ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret(automationId)), Encoding.UTF8.GetBytes($"{t}.{body}"));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }
}
