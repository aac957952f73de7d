using Braid.Server.Http;
using Braid.Server.Secrets;
using Braid.Storage;
using static Braid.Server.Objects.FieldUse;

namespace Braid.Server.Objects;

/// <summary>The kinds that hold a secret, sealed at rest by <see cref="SecretFields"/> (inventory §3.17).</summary>
public static partial class ObjectKinds
{
    /// <summary>An organization's AI provider keys, which the AI proxy reads back by name.</summary>
    public static readonly ObjectKind AiSecret = new()
    {
        Name = "ai_secret",
        Scope = ObjectScope.Organization,
        NameFilter = "ai_secret_name",
        SupportsReplace = true,
        DeleteByKey = true,
        ListFilters = [new("ai_secret_type", "type")],
        OmittedFields = ["user_id", "deleted_at"],
        Fields =
        [
            new("name", FieldType.String, Create | Required | Patch, NonEmpty: true),
            new("type", FieldType.String, Create | Patch),
            new("metadata", FieldType.Object, Create | Patch),
            new("secret", FieldType.String, Create | Patch | Transient),
            new("preview_secret", FieldType.String, Derived),
            new("updated_at", FieldType.String, Derived),
            new("secret_updated_at", FieldType.String, Derived),
            new("secret_updated_by_user_id", FieldType.Uuid, Derived),
        ],
        OnWrite = static write =>
        {
            SecretFields.Seal(write, "secret");
            write.Document["updated_at"] = write.Creating ? write.Document["created"]?.DeepClone() : Clock.Format(DateTimeOffset.UtcNow);
        },
    };

    /// <summary>Environment variables of an organization, a project or a function, handed to code functions when they run.</summary>
    public static readonly ObjectKind EnvVar = new()
    {
        Name = "env_var",
        Scope = ObjectScope.Object,
        ScopeTypes = EnvVarObjectTypes,
        NameFilter = "env_var_name",
        SupportsReplace = true,
        OmittedFields = ["user_id", "deleted_at"],
        Fields =
        [
            new("object_type", FieldType.Enum, Create | Required, NonEmpty: true, Values: EnvVarObjectTypes),
            new("object_id", FieldType.Uuid, Create | Required, NonEmpty: true),
            new("name", FieldType.String, Create | Required | Patch, NonEmpty: true),
            new("value", FieldType.String, Create | Patch | Transient),
            new("metadata", FieldType.Object, Create | Patch),
            new("secret_type", FieldType.String, Create | Patch),
            new("secret_category", FieldType.Enum, Derived, Default: "env_var", Values: ["env_var", "ai_provider", "sandbox_provider"]),
            new("preview_secret", FieldType.String, Derived),
            new("secret_updated_at", FieldType.String, Derived),
            new("secret_updated_by_user_id", FieldType.Uuid, Derived),
            new("used", FieldType.String, Derived),
        ],
        OnWrite = static write =>
        {
            // The spec's PATCH body requires name (the Stainless clients always send it).
            if (!write.Creating && !write.Body.ContainsKey("name"))
            {
                ApiException.ThrowBadRequest("name: is required");
            }

            SecretFields.Seal(write, "value");

            // A secret_type that names an AI provider makes the variable a provider key (for its project, if scoped to one).
            var type = JsonBody.Text(write.Document["secret_type"])?.ToLowerInvariant();
            write.Document["secret_category"] = type is not null && IsAiProviderType(type) ? "ai_provider" : "env_var";
        },
    };

    /// <summary>The provider types of Braintrust's AI secrets: an env_var of one of these types is a provider key.</summary>
    private static bool IsAiProviderType(string type) => type is
        "openai" or "anthropic" or "google" or "azure" or "bedrock" or "vertex" or "mistral" or "together" or "groq"
        or "fireworks" or "perplexity" or "xai" or "databricks" or "cerebras" or "baseten" or "ollama" or "lepton" or "replicate" or "js";

    private static IReadOnlyList<string> EnvVarObjectTypes => ["organization", "project", "function"];
}
