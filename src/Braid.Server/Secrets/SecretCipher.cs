using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Braid.Server.Secrets;

/// <summary>
/// Encrypts secrets at rest (AI provider keys, env var values) with AES-256-GCM under a key derived from the
/// master key. The owning object's id is the associated data, so a ciphertext copied onto another object
/// does not decrypt there.
/// </summary>
/// <remarks>
/// Persisted format, append-only: <c>v1:</c> + base64(nonce[12] | ciphertext | tag[16]). A new format gets a new
/// prefix and this class keeps reading the old ones; SecretCipherTests pins a v1 value.
/// </remarks>
public sealed class SecretCipher(MasterKey masterKey)
{
    public const string V1 = "v1:";

    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly byte[] _key = masterKey.Derive("secrets");

    public string Encrypt(string plaintext, string objectId)
    {
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[NonceSize + plain.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length), Encoding.UTF8.GetBytes(objectId));
        return V1 + Convert.ToBase64String(sealedBytes);
    }

    /// <summary>
    /// False when the value is not a ciphertext this server can open: an unknown format, damage, another
    /// object's ciphertext, or one sealed under a different master key.
    /// </summary>
    public bool TryDecrypt(string ciphertext, string objectId, [NotNullWhen(true)] out string? plaintext)
    {
        plaintext = null;
        if (!ciphertext.StartsWith(V1, StringComparison.Ordinal))
        {
            return false;
        }

        var sealedBytes = new byte[(ciphertext.Length - V1.Length) * 3 / 4];
        if (!Convert.TryFromBase64String(ciphertext[V1.Length..], sealedBytes, out var length) || length < NonceSize + TagSize)
        {
            return false;
        }

        var plainLength = length - NonceSize - TagSize;
        var plain = new byte[plainLength];
        using var aes = new AesGcm(_key, TagSize);
        try
        {
            aes.Decrypt(
                sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, plainLength),
                sealedBytes.AsSpan(NonceSize + plainLength, TagSize), plain, Encoding.UTF8.GetBytes(objectId));
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }

        plaintext = Encoding.UTF8.GetString(plain);
        return true;
    }
}
