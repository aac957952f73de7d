using static Braid.Server.Objects.FieldUse;

namespace Braid.Server.Objects;

/// <summary>
/// Prompts and functions (inventory §3.5, §3.6): project objects keyed by <c>slug</c>, versioned on every write,
/// readable at a version or through an environment's pin. A function is a prompt plus <c>function_data</c>.
/// </summary>
public static partial class ObjectKinds
{
    // PatchPrompt may rename the slug; PatchFunction may not.
    public static readonly ObjectKind Prompt = PromptKind("prompt", PromptFields(Create | Required | Patch));

    public static readonly ObjectKind Function = PromptKind(
        "function",
        [
            .. PromptFields(Create | Required),
            new("function_data", FieldType.Object, Create | Required | Patch, NonEmpty: true, UnionKey: "type"),
            new("origin", FieldType.Object, Create),
            new("function_schema", FieldType.Object, Create),
        ],
        supportsIfExists: true);

    // Functions share the prompt ACL object type: in Braintrust both are rows of one table.
    private static ObjectKind PromptKind(string name, IReadOnlyList<Field> fields, bool supportsIfExists = false) => new()
    {
        AclType = "prompt",
        Name = name,
        Scope = ObjectScope.Project,
        KeyField = "slug",
        NameFilter = name + "_name",
        SupportsReplace = true,
        SupportsIfExists = supportsIfExists,
        Versioned = true,
        ListFilters = [new("slug", "slug"), new("function_type", "function_type")],
        Fields = fields,

        // The spec's Prompt and Function have neither: a deleted one is gone, not shown as deleted.
        OmittedFields = ["user_id", "deleted_at"],
        Validate = PromptShapes.Check,
        OnWrite = StampOrganization,
    };

    private static Field[] PromptFields(FieldUse slug) =>
    [
        new("name", FieldType.String, Create | Required | Patch, NonEmpty: true),
        new("slug", FieldType.String, slug, NonEmpty: true),
        new("description", FieldType.String, Create | Patch),
        new("prompt_data", FieldType.Object, Create | Patch),
        new("tags", FieldType.StringArray, Create | Patch),
        new("metadata", FieldType.Object, Create | Patch),
        new("function_type", FieldType.Enum, Create, Values: PromptShapes.FunctionTypes),

        // A literal 'p' marks a project prompt (the SDK's zod schema requires it).
        new("log_id", FieldType.String, Derived, Default: "p"),
        new("org_id", FieldType.Uuid, Derived),
    ];

    private static void StampOrganization(ObjectWrite write) => write.Document["org_id"] = write.Principal.OrgId;
}
