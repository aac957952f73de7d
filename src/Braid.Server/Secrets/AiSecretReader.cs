using System.Text.Json.Nodes;
using Braid.Server.Http;
using Braid.Server.Objects;
using Braid.Storage.Objects;

namespace Braid.Server.Secrets;

/// <summary>An organization's ai_secret as the server reads it: its provider <c>type</c> and <c>metadata</c>, value still sealed.</summary>
public sealed record StoredAiSecret(string Id, string Name, string? Type, JsonObject? Metadata, string? Sealed);

/// <summary>The one way back from an ai_secret to its raw value, for the server's own use (the AI proxy's provider keys).</summary>
public sealed class AiSecretReader(ObjectStore store, SecretCipher cipher)
{
    /// <summary>
    /// The raw secret of the organization's ai_secret named <paramref name="name"/>, or null when there is no such
    /// ai_secret or it holds no secret. One this server cannot decrypt (sealed under another master key) is a 400
    /// that says so: setting the secret again is the fix, and retrying is not.
    /// </summary>
    public async Task<string?> RevealAsync(string orgId, string name) =>
        await store.GetByNaturalKeyAsync(orgId, ObjectKinds.AiSecret.Name, orgId, name) is { } row ? Reveal(Read(row)) : null;

    /// <summary>The organization's ai_secrets, newest first, without decrypting any.</summary>
    public async Task<IReadOnlyList<StoredAiSecret>> ListAsync(string orgId)
    {
        var secrets = new List<StoredAiSecret>();
        await foreach (var row in store.ListAsync(new ObjectQuery(orgId, ObjectKinds.AiSecret.Name), limit: null))
        {
            secrets.Add(Read(row));
        }

        return secrets;
    }

    /// <summary>
    /// A project's own AI provider keys: its env_vars whose <c>secret_type</c> names a provider (their
    /// <c>secret_category</c> is then <c>ai_provider</c>), as ai_secrets of that type with the env var's metadata.
    /// They come before the organization's, as Braintrust's project-level provider keys do.
    /// </summary>
    public async Task<IReadOnlyList<StoredAiSecret>> ListForProjectAsync(string orgId, string projectId)
    {
        var secrets = new List<StoredAiSecret>();
        await foreach (var row in store.ListAsync(new ObjectQuery(orgId, ObjectKinds.EnvVar.Name) { ScopeId = projectId }, limit: null))
        {
            var doc = ObjectDocuments.Load(row);
            if (JsonBody.Text(doc["object_type"]) == "project" && JsonBody.Text(doc["secret_category"]) == "ai_provider")
            {
                secrets.Add(new StoredAiSecret(
                    row.Id, row.Name ?? JsonBody.Text(doc["name"]) ?? "", JsonBody.Text(doc["secret_type"]), doc["metadata"] as JsonObject, JsonBody.Text(doc[SecretFields.Ciphertext])));
            }
        }

        return secrets;
    }

    /// <summary>The raw value of <paramref name="secret"/>, or null when it holds none; see <see cref="RevealAsync"/> for the 400.</summary>
    public string? Reveal(StoredAiSecret secret) => Open(ObjectKinds.AiSecret.Name, secret.Name, secret.Id, secret.Sealed);

    /// <summary>
    /// The raw value of the env_var named <paramref name="name"/> set on the object <paramref name="objectId"/> (a
    /// project, the organization), or null when there is none or it holds no value; see <see cref="RevealAsync"/> for the 400.
    /// </summary>
    public async Task<string?> RevealEnvVarAsync(string orgId, string objectId, string name) =>
        await store.GetByNaturalKeyAsync(orgId, ObjectKinds.EnvVar.Name, objectId, name) is { } row
            ? Open(ObjectKinds.EnvVar.Name, name, row.Id, JsonBody.Text(ObjectDocuments.Load(row)[SecretFields.Ciphertext]))
            : null;

    private string? Open(string kind, string name, string id, string? sealedValue) =>
        sealedValue is null ? null
        : cipher.TryDecrypt(sealedValue, id, out var value) ? value
        : throw ApiException.BadRequest(
            $"{kind} '{name}': the stored secret cannot be decrypted with this server's master key (Braid:MasterKey changed?); set it again");

    private static StoredAiSecret Read(ObjectRow row)
    {
        var doc = ObjectDocuments.Load(row);
        return new StoredAiSecret(
            row.Id, row.Name ?? (string)doc["name"]!, doc["type"] is JsonValue t ? t.ToString() : null,
            doc["metadata"] as JsonObject, doc[SecretFields.Ciphertext] is JsonValue s ? s.GetValue<string>() : null);
    }
}
