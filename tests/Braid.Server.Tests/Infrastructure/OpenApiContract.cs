using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Braid.Server.Tests.Infrastructure;

/// <summary>
/// Checks JSON response bodies against the response schemas of the Braintrust OpenAPI 3.0 spec
/// (shared/spec/braintrust-openapi.json), translated to JSON Schema 2020-12 for JsonSchema.Net.
/// </summary>
public sealed class OpenApiContract
{
    private const string DefsPrefix = "#/$defs/";
    private static readonly string[] Methods = ["get", "post", "put", "patch", "delete"];

    // OpenAPI-only keywords (nullable is translated below); x-* extensions are dropped too.
    private static readonly HashSet<string> Dropped =
        ["nullable", "discriminator", "example", "xml", "externalDocs", "readOnly", "writeOnly"];

    // A schema made only of these constrains nothing.
    private static readonly HashSet<string> Annotations = ["description", "title", "default", "deprecated"];

    private static readonly Lazy<OpenApiContract> SharedInstance = new(() => new OpenApiContract(SpecPath));

    // Format checks are opt-in in 2020-12, but uuid and date-time are part of the contract.
    private static readonly EvaluationOptions Evaluation =
        new() { RequireFormatValidation = true, OutputFormat = OutputFormat.Hierarchical };

    private readonly List<Route> _routes;
    private readonly Dictionary<string, JsonNode> _defs;
    private readonly ConcurrentDictionary<(string OperationId, int Status), Lazy<JsonSchema?>> _schemas = new();

    // JsonNode trees materialize lazily even on reads, so builds touching the parsed spec run one at a time.
    private readonly Lock _buildLock = new();

    public OpenApiContract(string specPath)
    {
        var spec = JsonNode.Parse(File.ReadAllText(specPath))!.AsObject();
        _defs = (spec["components"]?["schemas"]?.AsObject() ?? [])
            .ToDictionary(p => p.Key, p => Convert(p.Value!), StringComparer.Ordinal);
        _routes = [.. from path in spec["paths"]!.AsObject()
                      from method in Methods
                      where path.Value?[method] is JsonObject
                      let op = path.Value[method]!.AsObject()
                      let id = (string?)op["operationId"] ?? $"{method} {path.Key}"
                      select new Route(path.Key.Trim('/').Split('/'), method, id, op)];
    }

    /// <summary>The spec named by BRAID_OPENAPI_SPEC, else ../shared/spec beside the folder holding Braid.slnx.</summary>
    public static OpenApiContract Shared => SharedInstance.Value;

    public int OperationCount => _routes.Count;

    /// <summary>The spec file this contract reads (for tests that read more of it than the response schemas).</summary>
    public static string SpecPath => LocateSpec();

    public string? FindOperationId(string method, string requestPath) => FindRoute(method, requestPath)?.OperationId;

    /// <summary>
    /// Validates <paramref name="body"/> against the JSON schema the spec gives for this operation and status
    /// (or "default"). Returns readable errors; empty when valid or when there is no JSON schema to check.
    /// </summary>
    public IReadOnlyList<string> Validate(string method, string requestPath, int status, string body)
    {
        if (FindRoute(method, requestPath) is not { } route)
        {
            return [$"No operation in the OpenAPI spec matches {method.ToUpperInvariant()} {requestPath}"];
        }

        // Lazy so that tests running in parallel build each schema once.
        var schema = _schemas.GetOrAdd((route.OperationId, status), _ => new(() =>
        {
            lock (_buildLock)
            {
                return BuildSchema(route, status);
            }
        })).Value;
        if (schema is null)
        {
            return [];
        }

        var where = $"{route.OperationId} {status}";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            return [$"{where}: body is not JSON: {e.Message}"];
        }

        using (document)
        {
            return [.. Failures(schema.Evaluate(document.RootElement, Evaluation))
                .SelectMany(r => (r.Errors ?? []).Select(e =>
                    $"{where}: at '{Pointer(r.InstanceLocation)}' (schema {Pointer(r.EvaluationPath)}): {e.Value}"))
                .Distinct(StringComparer.Ordinal)];
        }
    }

    private static string Pointer(object pointer) => pointer.ToString() is { Length: > 0 } text ? text : "/";

    // Walk only failing nodes: a failed anyOf branch under a passing anyOf is not a problem.
    private static IEnumerable<EvaluationResults> Failures(EvaluationResults r) =>
        r.IsValid ? [] : (r.Details ?? []).SelectMany(Failures).Prepend(r);

    private Route? FindRoute(string method, string requestPath)
    {
        var path = requestPath.Split('?', 2)[0].Trim('/').Split('/');

        // Filter by method first, as ASP.NET routing does; then the earliest literal segment ('0') beats
        // {param} ('1'), which beats the greedy {param+} ('2') used by /v1/proxy/{path+}.
        return _routes
            .Where(r => string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase) && Matches(r.Segments, path))
            .MinBy(r => string.Concat(r.Segments.Select(Rank)), StringComparer.Ordinal);
    }

    private static char Rank(string segment) =>
        !segment.StartsWith('{') ? '0' : segment.EndsWith("+}", StringComparison.Ordinal) ? '2' : '1';

    // {param+} swallows one or more trailing segments; {param} any one non-empty segment; literals match exactly.
    private static bool Matches(string[] template, string[] path) =>
        template.Length > 0 && Rank(template[^1]) == '2'
            ? path.Length >= template.Length && template.SkipLast(1).Zip(path).All(SegmentMatches)
            : path.Length == template.Length && template.Zip(path).All(SegmentMatches);

    private static bool SegmentMatches((string Template, string Actual) s) =>
        s.Actual.Length > 0 && (Rank(s.Template) != '0' || string.Equals(s.Template, s.Actual, StringComparison.Ordinal));

    private JsonSchema? BuildSchema(Route route, int status)
    {
        var responses = route.Operation["responses"];
        var response = responses?[status.ToString(CultureInfo.InvariantCulture)] ?? responses?["default"];
        var root = response?["content"]?["application/json"]?["schema"] is { } schema ? Convert(schema) : null;

        // No JSON content, or a schema that allows anything (the spec's error bodies are {"nullable": true}
        // next to text/plain): nothing to check, and a plain-text error body must not be reported as bad JSON.
        if (root is not JsonObject rootObject || rootObject.All(p => Annotations.Contains(p.Key)))
        {
            return null;
        }

        // Embed only the definitions reachable from this response, not all of components.schemas.
        var defs = new JsonObject();
        var pending = new Stack<string>(Refs(rootObject));
        while (pending.TryPop(out var name))
        {
            if (!defs.ContainsKey(name) && _defs.TryGetValue(name, out var def))
            {
                defs[name] = def.DeepClone();
                foreach (var next in Refs(def))
                {
                    pending.Push(next);
                }
            }
        }

        rootObject["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        rootObject["$defs"] = defs;

        // A private registry: Build registers the schema by URI, and the global registry is shared process-wide.
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry(), Dialect = Dialect.Draft202012 };
        var baseUri = new Uri($"https://braid.test/openapi/{Uri.EscapeDataString(route.OperationId)}/{status}");
        return JsonSchema.Build(JsonSerializer.SerializeToElement(rootObject), options, baseUri);
    }

    private static IEnumerable<string> Refs(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p =>
            p.Key == "$ref" && p.Value?.ToString() is { } r && r.StartsWith(DefsPrefix, StringComparison.Ordinal)
                ? [r[DefsPrefix.Length..]]
                : Refs(p.Value)),
        JsonArray a => a.SelectMany(Refs),
        _ => [],
    };

    // Translates one OpenAPI 3.0 schema object to JSON Schema 2020-12, keyword by keyword, so that
    // property names such as "type" or "nullable" are never mistaken for keywords.
    private static JsonNode Convert(JsonNode schema)
    {
        if (schema is not JsonObject source)
        {
            return schema.DeepClone();
        }

        var target = new JsonObject();
        foreach (var (key, value) in source)
        {
            if (value is not null && !Dropped.Contains(key) && !key.StartsWith("x-", StringComparison.Ordinal))
            {
                target[key] = key switch
                {
                    "$ref" => ((string)value!).Replace("#/components/schemas/", DefsPrefix, StringComparison.Ordinal),
                    "properties" => new JsonObject(
                        value.AsObject().Select(p => KeyValuePair.Create(p.Key, (JsonNode?)Convert(p.Value!)))),
                    "items" or "additionalProperties" or "not" => Convert(value),
                    "allOf" or "anyOf" or "oneOf" => new JsonArray([.. value.AsArray().Select(s => Convert(s!))]),
                    _ => value.DeepClone(),
                };
            }
        }

        // 3.0 writes exclusiveMinimum/Maximum as booleans qualifying minimum/maximum; 2020-12 wants the number.
        foreach (var (exclusive, bound) in new[] { ("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum") })
        {
            if (target[exclusive] is JsonValue flag && flag.TryGetValue(out bool isExclusive))
            {
                target.Remove(exclusive);
                if (isExclusive && target[bound] is { } limit)
                {
                    target.Remove(bound);
                    target[exclusive] = limit.DeepClone();
                }
            }
        }

        // nullable adds null to the allowed values; with nothing else to constrain, any value passes anyway.
        if (source["nullable"]?.GetValueKind() != JsonValueKind.True || target.All(p => Annotations.Contains(p.Key)))
        {
            return target;
        }

        // A plain typed schema becomes type [T, "null"] (null joins any enum, which 2020-12 checks separately);
        // $ref and combinators would reject null themselves, so those get wrapped in anyOf instead.
        var combined = target.Any(p => p.Key is "$ref" or "allOf" or "anyOf" or "oneOf" or "not");
        if (!combined && target["type"]?.GetValueKind() == JsonValueKind.String)
        {
            target["type"] = new JsonArray(target["type"]!.DeepClone(), "null");
            if (target["enum"] is JsonArray values && values.All(v => v is not null))
            {
                values.Add(null);
            }

            return target;
        }

        return new JsonObject { ["anyOf"] = new JsonArray(target, new JsonObject { ["type"] = "null" }) };
    }

    private static string LocateSpec()
    {
        // The repo is X/main (holding Braid.slnx) and the spec lives beside it in X/shared/spec.
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Braid.slnx")))
        {
            root = root.Parent;
        }

        var path = Environment.GetEnvironmentVariable("BRAID_OPENAPI_SPEC") is { Length: > 0 } fromEnv ? fromEnv
            : root is null
                ? throw new FileNotFoundException($"No Braid.slnx above {AppContext.BaseDirectory}; set BRAID_OPENAPI_SPEC.")
                : Path.GetFullPath(Path.Combine(root.FullName, "..", "shared", "spec", "braintrust-openapi.json"));
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"OpenAPI spec not found at {path}; set BRAID_OPENAPI_SPEC to its path.", path);
    }

    private sealed record Route(string[] Segments, string Method, string OperationId, JsonObject Operation);
}
