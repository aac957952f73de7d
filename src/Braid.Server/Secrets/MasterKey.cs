using System.Security.Cryptography;
using System.Text;
using Braid.Server.Hosting;

namespace Braid.Server.Secrets;

/// <summary>
/// The server's root secret, from which purpose-specific keys are derived (URL signing, and
/// <see cref="SecretCipher"/>'s encryption of secrets at rest: lose it and stored secrets must be set again).
/// Taken from <c>Braid:MasterKey</c> (base64, 32 bytes) when set — every node of a PostgreSQL deployment must
/// share it — else generated once into <c>{data}/master-key</c>, readable by the owner only.
/// </summary>
public sealed class MasterKey
{
    public const string FileName = "master-key";

    private readonly byte[] _key;

    private MasterKey(byte[] key) => _key = key;

    public static MasterKey Load(ServerOptions options)
    {
        if (!string.IsNullOrEmpty(options.MasterKey))
        {
            var configured = Convert.FromBase64String(options.MasterKey);
            return configured.Length >= 32
                ? new MasterKey(configured)
                : throw new InvalidOperationException("Braid:MasterKey must be at least 32 bytes, base64-encoded.");
        }

        Directory.CreateDirectory(options.DataDirectory);
        var path = Path.Combine(options.DataDirectory, FileName);
        if (!File.Exists(path))
        {
            try
            {
                Startup.WriteOwnerOnly(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), createNew: true);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it first; use theirs.
            }
        }

        return new MasterKey(Convert.FromBase64String(File.ReadAllText(path).Trim()));
    }

    /// <summary>A 32-byte key for one purpose; keys for different purposes are unrelated.</summary>
    public byte[] Derive(string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _key, 32, info: Encoding.UTF8.GetBytes("braid:" + purpose));
}
