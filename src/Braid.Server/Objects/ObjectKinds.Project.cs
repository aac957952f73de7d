using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Server.Http;
using static Braid.Server.Objects.FieldUse;

namespace Braid.Server.Objects;

/// <summary>The kinds that configure a project (inventory §3.10–3.14, §3.18, §3.19).</summary>
public static partial class ObjectKinds
{
    public static readonly ObjectKind DatasetSnapshot = new()
    {
        Name = "dataset_snapshot",
        Scope = ObjectScope.Dataset,
        NameFilter = "dataset_snapshot_name",
        SupportsReplace = true,
        Fields =
        [
            new("name", FieldType.String, Create | Required | Patch, NonEmpty: true),
            new("description", FieldType.String, Create | Patch),
            new("xact_id", FieldType.String, Create | Required, NonEmpty: true),
        ],
    };

    /// <summary>Named deployment targets (production, staging) that pin versions of prompts, functions and datasets.</summary>
    public static readonly ObjectKind Environment = new()
    {
        Name = "environment",
        PathOverride = "/environment",
        Scope = ObjectScope.Organization,
        KeyField = "slug",
        NameFilter = "name",
        Fields =
        [
            new("name", FieldType.String, Create | Required | Patch, NonEmpty: true),
            new("slug", FieldType.String, Create | Required | Patch, NonEmpty: true),
            new("description", FieldType.String, Create | Patch),
        ],
    };

    public static readonly ObjectKind ProjectScore = new()
    {
        Name = "project_score",
        Scope = ObjectScope.Project,
        NameFilter = "project_score_name",
        SupportsReplace = true,
        ListFilters = [new("score_type", "score_type")],
        Fields =
        [
            new("name", FieldType.String, Create | Required | Patch, NonEmpty: true),
            new("description", FieldType.String, Create | Patch),
            new("score_type", FieldType.Enum, Create | Required | Patch, NonEmpty: true,
                Values: ["slider", "categorical", "weighted", "minimum", "maximum", "online", "free-form"]),
            new("categories", FieldType.Json, Create | Patch),
            new("config", FieldType.Object, Create | Patch),
            new("position", FieldType.String, Derived),
        ],
        Validate = ValidateScoreCategories,
    };

    public static readonly ObjectKind ProjectTag = new()
    {
        Name = "project_tag",
        Scope = ObjectScope.Project,
        NameFilter = "project_tag_name",
        SupportsReplace = true,
        Fields =
        [
            new("name", FieldType.String, Create | Required | Patch, NonEmpty: true),
            new("description", FieldType.String, Create | Patch),
            new("color", FieldType.String, Create | Patch),
            new("position", FieldType.String, Derived),
        ],
    };

    public static readonly ObjectKind SpanIframe = new()
    {
        Name = "span_iframe",
        Scope = ObjectScope.Project,
        NameFilter = "span_iframe_name",
        SupportsReplace = true,
        Fields =
        [
            new("name", FieldType.String, Create | Required | Patch, NonEmpty: true),
            new("description", FieldType.String, Create | Patch),
            new("url", FieldType.String, Create | Required | Patch, NonEmpty: true),
            new("post_message", FieldType.Boolean, Create | Patch),
        ],
    };

    public static readonly ObjectKind Agent = new()
    {
        Name = "agent",
        Scope = ObjectScope.Project,
        NameFilter = "agent_name",
        SupportsReplace = true,
        Fields =
        [
            new("name", FieldType.String, Create | Required | Patch, NonEmpty: true),
            new("description", FieldType.String, Create | Patch),
            new("metadata", FieldType.Object, Create | Patch),
            new("slug", FieldType.String, Derived),
            new("kind", FieldType.String, Derived, Default: "custom"),
        ],
        Derive = static doc => doc["slug"] ??= Slug(doc["name"]?.GetValue<string>() ?? "", "agent"),
    };

    public static readonly ObjectKind ProjectAutomation = new()
    {
        Name = "project_automation",
        Scope = ObjectScope.Project,
        NameFilter = "project_automation_name",
        SupportsReplace = true,
        Fields =
        [
            new("name", FieldType.String, Create | Required | Patch, NonEmpty: true),
            new("description", FieldType.String, Create | Patch),
            new("config", FieldType.Object, Create | Required | Patch, NonEmpty: true, UnionKey: "event_type"),
        ],
        Validate = static doc => AutomationConfig.Check(doc["config"]!.AsObject()),
    };

    public static readonly ObjectKind McpServer = new()
    {
        Name = "mcp_server",
        Scope = ObjectScope.Project,
        NameFilter = "mcp_server_name",
        SupportsReplace = true,
        Fields =
        [
            new("name", FieldType.String, Create | Required | Patch, NonEmpty: true),
            new("description", FieldType.String, Create | Patch),
            new("url", FieldType.String, Create | Required | Patch, NonEmpty: true),
        ],
    };

    /// <summary>Saved table layouts of the UI, hung on an object (a project's logs, an experiment list).</summary>
    public static readonly ObjectKind View = new()
    {
        Name = "view",
        Scope = ObjectScope.Object,
        ScopeRequiredOnReads = true,
        NameFilter = "view_name",
        SupportsReplace = true,
        ListFilters = [new("view_type", "view_type")],
        Fields =
        [
            new("object_type", FieldType.Enum, Create | Required, NonEmpty: true, Values: ObjectScopes.AclObjectTypes),
            new("object_id", FieldType.Uuid, Create | Required, NonEmpty: true),
            new("view_type", FieldType.Enum, Create | Patch, Values:
            [
                "projects", "experiments", "experiment", "playgrounds", "playground", "datasets", "dataset", "prompts",
                "parameters", "tools", "scorers", "classifiers", "logs", "monitor", "for_review_project_log",
                "for_review_experiments", "for_review_datasets",
            ]),
            new("name", FieldType.String, Create | Required | Patch, NonEmpty: true),
            new("view_data", FieldType.Object, Create | Patch),
            new("options", FieldType.Object, Create | Patch),
            new("user_id", FieldType.Uuid, Create | Patch),
        ],
    };

    // categories take one shape per score type (spec ProjectScoreCategories).
    private static void ValidateScoreCategories(JsonObject doc)
    {
        var categories = doc["categories"];
        if (categories is null)
        {
            return;
        }

        var type = doc["score_type"]!.GetValue<string>();
        var ok = type switch
        {
            "categorical" => categories is JsonArray items && items.All(i =>
                i is JsonObject c && c["name"]?.GetValueKind() == JsonValueKind.String && c["value"]?.GetValueKind() == JsonValueKind.Number),
            "weighted" => categories is JsonObject weights && weights.All(w => w.Value?.GetValueKind() == JsonValueKind.Number),
            "minimum" or "maximum" => categories is JsonArray names && names.All(n => n?.GetValueKind() == JsonValueKind.String),
            _ => true,
        };
        if (!ok)
        {
            ApiException.ThrowBadRequest(type switch
            {
                "categorical" => "categories: a categorical score takes an array of {name: string, value: number}",
                "weighted" => "categories: a weighted score takes an object of name: weight (numbers)",
                _ => $"categories: a {type} score takes an array of score names",
            });
        }
    }
}
