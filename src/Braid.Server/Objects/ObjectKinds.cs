using System.Text;
using static Braid.Server.Objects.FieldUse;

namespace Braid.Server.Objects;

/// <summary>The table of control-plane kinds (Braintrust API inventory §3). A new kind is a new row here.</summary>
public static partial class ObjectKinds
{
    public static readonly ObjectKind Project = new()
    {
        AclType = "project",
        Name = "project",
        Scope = ObjectScope.Organization,
        NameFilter = "project_name",
        Fields =
        [
            new("name", FieldType.String, Create | Required | Patch, NonEmpty: true),
            new("description", FieldType.String, Create | Patch),
            new("user_id", FieldType.String, Patch),
            new("settings", FieldType.Object, Patch),
        ],
    };

    public static readonly ObjectKind Experiment = new()
    {
        AclType = "experiment",
        Name = "experiment",
        Scope = ObjectScope.Project,
        NameFilter = "experiment_name",
        DefaultLimit = 1000,
        SupportsEnsureNew = true,
        SupportsMetadataFilter = true,
        GenerateKey = () => "experiment-" + DateTimeOffset.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture),
        Fields =
        [
            new("name", FieldType.String, Create | Patch, NonEmpty: true),
            new("description", FieldType.String, Create | Patch),
            new("repo_info", FieldType.Object, Create | Patch),
            new("commit", FieldType.String, Derived),
            new("base_exp_id", FieldType.Uuid, Create | Patch),
            new("dataset_id", FieldType.Uuid, Create | Patch),
            new("dataset_version", FieldType.String, Create | Patch),
            new("internal_metadata", FieldType.Object, Create | Patch),
            new("parameters_id", FieldType.Uuid, Create | Patch),
            new("parameters_version", FieldType.String, Create | Patch),
            new("public", FieldType.Boolean, Create | Patch, Default: false),
            new("metadata", FieldType.Object, Create | Patch),
            new("tags", FieldType.StringArray, Create | Patch),
            new("ensure_new", FieldType.Boolean, Create | Transient),
        ],
        // Braintrust copies the git commit out of repo_info so lists can show it.
        Derive = static doc => doc["commit"] = doc["repo_info"]?["commit"]?.DeepClone(),
    };

    public static readonly ObjectKind Dataset = new()
    {
        AclType = "dataset",
        Name = "dataset",
        Scope = ObjectScope.Project,
        NameFilter = "dataset_name",
        Fields =
        [
            new("name", FieldType.String, Create | Required | Patch, NonEmpty: true),
            new("description", FieldType.String, Create | Patch),
            new("tags", FieldType.StringArray, Create | Patch),
            new("metadata", FieldType.Object, Create | Patch),
            new("url_slug", FieldType.String, Derived),
        ],
        // The slug is fixed at creation so links keep working after a rename.
        Derive = static doc => doc["url_slug"] ??= Slug(doc["name"]?.GetValue<string>() ?? "", "dataset"),
    };

    // A property, not a field: the kinds are declared across the partial files, whose initializers run in no fixed order.
    public static IReadOnlyList<ObjectKind> All =>
    [
        Project, Experiment, Dataset, DatasetSnapshot, Environment,
        ProjectScore, ProjectTag, SpanIframe, Agent, ProjectAutomation, McpServer, View,
        AiSecret, EnvVar, Prompt, Function, Role, Group,
    ];

    internal static string Slug(string name, string fallback)
    {
        var slug = new StringBuilder(name.Length);
        foreach (var c in name.ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c))
            {
                slug.Append(c);
            }
            else if (slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }
        }

        return slug.ToString().TrimEnd('-') is { Length: > 0 } s ? s : fallback;
    }
}
