using Braid.Server.Http;
using Braid.Server.Objects;
using Braid.Storage.Objects;

namespace Braid.Server.Secrets;

/// <summary>The one way back from an ai_secret to its raw value, for the server's own use (the AI proxy's provider keys).</summary>
public sealed class AiSecretReader(ObjectStore store, SecretCipher cipher)
{
    /// <summary>
    /// The raw secret of the organization's ai_secret named <paramref name="name"/>, or null when there is no such
    /// ai_secret or it holds no secret. One this server cannot decrypt (sealed under another master key) is a 400
    /// that says so: setting the secret again is the fix, and retrying is not.
    /// </summary>
    public async Task<string?> RevealAsync(string orgId, string name)
    {
        var kind = ObjectKinds.AiSecret;
        if (await store.GetByNaturalKeyAsync(orgId, kind.Name, orgId, name) is not { } row ||
            ObjectDocuments.Load(row)[SecretFields.Ciphertext] is not { } sealedValue)
        {
            return null;
        }

        return cipher.TryDecrypt(sealedValue.GetValue<string>(), row.Id, out var secret)
            ? secret
            : throw ApiException.BadRequest(
                $"{kind.Name} '{name}': the stored secret cannot be decrypted with this server's master key (Braid:MasterKey changed?); set it again");
    }
}
