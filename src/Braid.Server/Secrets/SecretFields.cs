using System.Text;
using Braid.Server.Objects;
using Braid.Storage;
using Braid.Storage.Objects;

namespace Braid.Server.Secrets;

/// <summary>
/// The write hook of kinds that hold a secret (ai_secret's <c>secret</c>, env_var's <c>value</c>): the raw value
/// is read from the body, sealed into a hidden field and never stored or returned; clients see a masked preview.
/// </summary>
public static class SecretFields
{
    /// <summary>The hidden document field holding the <see cref="SecretCipher"/> ciphertext.</summary>
    public const string Ciphertext = ObjectStore.SealedField;

    // A tail of a short secret gives too much of it away, so those previews show none.
    private const string Mask = "********";
    private const int ShortestWithTail = 12;
    private const int TailLength = 4;

    /// <summary>
    /// Seals <paramref name="bodyField"/> when the body has it: a string replaces the stored secret, null removes
    /// it, and a body without the field keeps what is stored (a PUT or PATCH of other fields).
    /// </summary>
    public static void Seal(ObjectWrite write, string bodyField)
    {
        if (!write.Body.TryGetPropertyValue(bodyField, out var given))
        {
            return;
        }

        var value = FieldValidation.Check(new Field(bodyField, FieldType.String, FieldUse.Transient), given)?.GetValue<string>();
        var doc = write.Document;
        if (value is null)
        {
            doc.Remove(Ciphertext);
        }
        else
        {
            var cipher = write.Services.GetRequiredService<SecretCipher>();
            doc[Ciphertext] = cipher.Encrypt(value, doc["id"]!.GetValue<string>());
        }

        doc["preview_secret"] = value is null ? null : Preview(value);
        doc["secret_updated_at"] = Clock.Format(DateTimeOffset.UtcNow);
        doc["secret_updated_by_user_id"] = write.Principal.UserId;
    }

    /// <summary>A mask, followed by the last few characters of a long secret (enough to tell keys apart, not to guess one).</summary>
    public static string Preview(string secret)
    {
        var runes = secret.EnumerateRunes().ToArray();
        if (runes.Length < ShortestWithTail)
        {
            return Mask;
        }

        var preview = new StringBuilder(Mask);
        foreach (var rune in runes[^TailLength..])
        {
            preview.Append(rune.ToString());
        }

        return preview.ToString();
    }
}
