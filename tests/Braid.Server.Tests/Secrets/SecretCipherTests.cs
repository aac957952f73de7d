using System.Security.Cryptography;
using Braid.Server.Secrets;

namespace Braid.Server.Tests.Secrets;

public sealed class SecretCipherTests
{
    private const string ObjectId = "0f8e2a3c-5b7d-4e91-a2c4-6d8f0b1e3a57";

    // Master key 00 01 .. 1f.
    private static readonly SecretCipher Cipher = For("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");

    /// <summary>
    /// A v1 ciphertext as stored: made outside Braid (Python's cryptography: HKDF-SHA256 of the master key with info
    /// "braid:secrets" and no salt, AES-256-GCM, nonce 64..6f, the object id as associated data). Stored secrets must
    /// stay readable: this value decrypts forever, whatever the code becomes.
    /// </summary>
    private const string PinnedV1 = "v1:ZGVmZ2hpamtsbW5vgcsfe8QfTz7FSRLBsCiGZFfS5rMRrsgtO8NTRInGXTyukWTabGvQgY/QDA==";

    [Fact]
    public void PinnedV1Ciphertext_StillDecrypts()
    {
        Assert.True(Cipher.TryDecrypt(PinnedV1, ObjectId, out var secret));
        Assert.Equal("sk-pinned-provider-key-0042", secret);
    }

    [Fact]
    public void Encrypt_WritesV1_NonceCiphertextTag_WithAFreshNonceEachTime()
    {
        const string secret = "sk-ünïcode-🔑";
        var first = Cipher.Encrypt(secret, ObjectId);
        var second = Cipher.Encrypt(secret, ObjectId);

        Assert.StartsWith("v1:", first, StringComparison.Ordinal);
        Assert.Equal(12 + System.Text.Encoding.UTF8.GetByteCount(secret) + 16, Convert.FromBase64String(first[3..]).Length);
        Assert.NotEqual(first, second);
        Assert.DoesNotContain("sk-", first, StringComparison.Ordinal);
        Assert.True(Cipher.TryDecrypt(first, ObjectId, out var a));
        Assert.True(Cipher.TryDecrypt(second, ObjectId, out var b));
        Assert.Equal(secret, a);
        Assert.Equal(secret, b);
    }

    [Fact]
    public void EmptySecret_RoundTrips()
    {
        Assert.True(Cipher.TryDecrypt(Cipher.Encrypt("", ObjectId), ObjectId, out var secret));
        Assert.Equal("", secret);
    }

    [Fact]
    public void CiphertextMovedToAnotherObject_DoesNotDecrypt()
    {
        var sealedValue = Cipher.Encrypt("sk-live", ObjectId);
        Assert.False(Cipher.TryDecrypt(sealedValue, Guid.NewGuid().ToString(), out var secret));
        Assert.Null(secret);
    }

    [Fact]
    public void AnotherMasterKey_CannotDecrypt()
    {
        var other = For(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        Assert.False(other.TryDecrypt(PinnedV1, ObjectId, out _));
        Assert.False(Cipher.TryDecrypt(other.Encrypt("sk-live", ObjectId), ObjectId, out _));
    }

    [Theory]
    [InlineData("sk-plain-text")]
    [InlineData("v2:ZGVmZ2hpamtsbW5vgcsfe8QfTz7FSRLBsCiGZFfS5rMRrsgtO8NTRInGXTyukWTabGvQgY/QDA==")]
    [InlineData("v1:not base64!")]
    [InlineData("v1:ZGVmZ2hp")]
    [InlineData("v1:")]
    [InlineData("")]
    public void WhatIsNotAV1Ciphertext_DoesNotDecrypt(string value) =>
        Assert.False(Cipher.TryDecrypt(value, ObjectId, out _));

    [Fact]
    public void TamperedCiphertext_DoesNotDecrypt()
    {
        var bytes = Convert.FromBase64String(PinnedV1[3..]);
        bytes[20] ^= 1;
        Assert.False(Cipher.TryDecrypt("v1:" + Convert.ToBase64String(bytes), ObjectId, out _));
    }

    private static SecretCipher For(string masterKey) => new(MasterKey.Load(new ServerOptions { MasterKey = masterKey }));
}
