using System.Text.Json.Nodes;
using Braid.Server.Http;
using static Braid.Server.Objects.FieldUse;

namespace Braid.Server.Objects;

/// <summary>
/// Checks the nested objects of prompts and functions (spec PromptData, FunctionData, a function's origin and
/// schema): each member's type, and for a union keyed by <c>type</c> the members that type requires. The rules
/// are one table keyed by the path of the object they describe; objects the table does not name (model params,
/// graph nodes, chat content parts) are stored as given, since only the code that runs them reads them.
/// </summary>
public static class PromptShapes
{
    /// <summary>The spec's FunctionTypeEnum.</summary>
    public static readonly IReadOnlyList<string> FunctionTypes =
        ["llm", "scorer", "task", "tool", "custom_view", "preprocessor", "facet", "classifier", "tag", "parameters", "sandbox"];

    private static readonly Field FunctionType = new("function_type", FieldType.Enum, Create, Values: FunctionTypes);

    private static readonly Shape RuntimeContext =
        Plain(Required("runtime", FieldType.Enum, "node", "python", "browser", "quickjs"), Required("version", FieldType.String));

    // Keys are paths: "a.b" is member b of object a, "a[]" an item of array a, "a.*" a value of map a, and
    // "a:t.b" member b of the union a when its type is t (so code's data and parameters' data differ).
    private static readonly Dictionary<string, Shape> Shapes = new(StringComparer.Ordinal)
    {
        ["prompt_data"] = Plain(
            Optional("prompt", FieldType.Object), Optional("options", FieldType.Object), Optional("parser", FieldType.Object),
            Optional("tool_functions", FieldType.ObjectArray), Optional("mcp", FieldType.Object), Optional("origin", FieldType.Object),
            new("template_format", FieldType.Enum, Create, Values: ["mustache", "nunjucks", "none"])),
        ["prompt_data.prompt"] = Union(
            ("chat", [Required("messages", FieldType.ObjectArray), Optional("tools", FieldType.String)]),
            ("completion", [Required("content", FieldType.String)])),
        ["prompt_data.prompt:chat.messages[]"] =
            Plain(Required("role", FieldType.Enum, "system", "user", "assistant", "tool", "function", "developer", "model")),
        ["prompt_data.options"] =
            Plain(Optional("model", FieldType.String), Optional("params", FieldType.Object), Optional("position", FieldType.String)),
        ["prompt_data.parser"] = Plain(
            Required("type", FieldType.Enum, "llm_classifier"), Required("use_cot", FieldType.Boolean),
            Optional("choice_scores", FieldType.Object), Optional("choice", FieldType.StringArray), Optional("allow_no_match", FieldType.Boolean)),
        ["prompt_data.tool_functions[]"] = Union(
            ("function", [Required("id", FieldType.String), Optional("version", FieldType.String)]),
            ("global", [Required("name", FieldType.String), FunctionType])),
        ["prompt_data.mcp.*"] = Union(("id", [Required("id", FieldType.Uuid)]), ("url", [Required("url", FieldType.String)])),
        ["prompt_data.origin"] = Plain(
            Optional("prompt_id", FieldType.String), Optional("project_id", FieldType.String), Optional("prompt_version", FieldType.String)),

        ["function_data"] = Union(
            ("prompt", []),
            ("code", [Required("data", FieldType.Object)]),
            ("graph", [Required("nodes", FieldType.Object), Required("edges", FieldType.Object)]),
            ("remote_eval",
            [
                Required("endpoint", FieldType.String), Required("eval_name", FieldType.String), Required("parameters", FieldType.Object),
                Optional("parameters_version", FieldType.String),
            ]),
            ("global", [Required("name", FieldType.String), FunctionType, Optional("config", FieldType.Object)]),
            ("facet",
            [
                Required("prompt", FieldType.String), Optional("model", FieldType.String), Optional("embedding_model", FieldType.String),
                Optional("no_match_pattern", FieldType.String),
            ]),
            ("batched_facet", [Required("facets", FieldType.ObjectArray), Optional("topic_maps", FieldType.Object)]),
            ("parameters", [Required("data", FieldType.Object), Required("__schema", FieldType.Object)]),
            ("topic_map", [Required("source_facet", FieldType.String), Required("embedding_model", FieldType.String)])),
        ["function_data:code.data"] = Union(
            ("bundle",
            [
                Required("runtime_context", FieldType.Object), Required("location", FieldType.Object),
                Optional("bundle_id", FieldType.String), Optional("preview", FieldType.String),
            ]),
            ("inline", [Required("runtime_context", FieldType.Object), Required("code", FieldType.String), Optional("code_hash", FieldType.String)])),
        ["function_data:code.data:bundle.runtime_context"] = RuntimeContext,
        ["function_data:code.data:inline.runtime_context"] = RuntimeContext,
        ["function_data:code.data:bundle.location"] = Union(
            ("experiment", [Required("eval_name", FieldType.String), Required("position", FieldType.Object)]),
            ("function", [Required("index", FieldType.Integer)]),
            ("sandbox", [Required("sandbox_spec", FieldType.Object), Required("eval_name", FieldType.String)])),
        ["function_data:batched_facet.facets[]"] = Plain(Required("name", FieldType.String), Required("prompt", FieldType.String)),
        ["function_data:parameters.__schema"] = Plain(Required("type", FieldType.Enum, "object"), Required("properties", FieldType.Object)),

        ["origin"] = Plain(
            new("object_type", FieldType.Enum, Create | FieldUse.Required, Values: ObjectScopes.AclObjectTypes),
            Required("object_id", FieldType.Uuid), Optional("internal", FieldType.Boolean)),
    };

    /// <summary>Checks every described top-level member of a prompt or function document; a 400 names the first bad path.</summary>
    public static void Check(JsonObject doc)
    {
        foreach (var (path, _) in Shapes)
        {
            if (!path.Contains('.', StringComparison.Ordinal) && !path.Contains(':', StringComparison.Ordinal) && doc[path] is { } value)
            {
                Check(path, path, value);
            }
        }
    }

    private static void Check(string pattern, string path, JsonNode? value)
    {
        if (!Shapes.TryGetValue(pattern, out var shape))
        {
            return;
        }

        if (value is not JsonObject obj)
        {
            throw ApiException.BadRequest($"{path}: must be an object, not {JsonBody.Describe(value)}");
        }

        var members = shape.Members;
        var type = "";
        if (shape.Variants is { } variants)
        {
            type = obj["type"] is JsonValue t && t.TryGetValue<string>(out var s) ? s : "";
            if (!variants.TryGetValue(type, out members))
            {
                ApiException.ThrowBadRequest($"{path}.type: must be one of {string.Join(", ", variants.Keys)}");
            }

            pattern = $"{pattern}:{type}";
        }

        foreach (var member in members!)
        {
            var name = $"{path}.{member.Name}";
            if (obj[member.Name] is not { } given)
            {
                if (member.Has(FieldUse.Required))
                {
                    ApiException.ThrowBadRequest(type.Length > 0 ? $"{name}: is required for type '{type}'" : $"{name}: is required");
                }

                continue;
            }

            FieldValidation.Check(member with { Name = name }, given);
            var child = $"{pattern}.{member.Name}";
            if (given is JsonArray items)
            {
                for (var i = 0; i < items.Count; i++)
                {
                    Check(child + "[]", $"{name}[{i}]", items[i]);
                }
            }
            else if (Shapes.ContainsKey(child + ".*"))
            {
                foreach (var (key, item) in given.AsObject())
                {
                    Check(child + ".*", $"{name}.{key}", item);
                }
            }
            else
            {
                Check(child, name, given);
            }
        }
    }

    // A plain object has Members; a union has a set of members per value of its "type".
    private sealed record Shape(IReadOnlyList<Field> Members, Dictionary<string, IReadOnlyList<Field>>? Variants = null);

    private static Shape Plain(params Field[] members) => new(members);

    private static Shape Union(params (string Type, Field[] Members)[] variants) =>
        new([], variants.ToDictionary(v => v.Type, v => (IReadOnlyList<Field>)v.Members, StringComparer.Ordinal));

    private static Field Required(string name, FieldType type, params string[] values) =>
        new(name, type, Create | FieldUse.Required, Values: values.Length > 0 ? values : null);

    private static Field Optional(string name, FieldType type) => new(name, type, Create);
}
