using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Conformance;

/// <summary>One operation of the spec: method (lower case), path template, operationId and its OpenAPI object.</summary>
public sealed record SpecOperation(string Method, string Path, string OperationId, JsonObject Operation)
{
    public override string ToString() => $"{OperationId} ({Method.ToUpperInvariant()} {Path})";
}

/// <summary>
/// The spec as the request builder reads it: operations, their parameters and request schemas, with <c>$ref</c>s
/// followed. A private parse: <see cref="OpenApiContract"/>'s tree is read by validations running in parallel.
/// </summary>
public sealed class SpecDocument
{
    private readonly JsonObject _components;

    public SpecDocument(string specPath)
    {
        var spec = JsonNode.Parse(File.ReadAllText(specPath))!.AsObject();
        _components = spec["components"]!.AsObject();

        // Every method of every path is an operation, except the CORS preflights (OPTIONS) the spec also lists.
        Operations = [.. from path in spec["paths"]!.AsObject()
                         from method in path.Value!.AsObject()
                         where method.Value is JsonObject && method.Key is not ("options" or "parameters")
                         let op = method.Value!.AsObject()
                         select new SpecOperation(method.Key, path.Key, (string?)op["operationId"] ?? $"{method.Key} {path.Key}", op)];
    }

    public static SpecDocument Shared { get; } = new(OpenApiContract.SpecPath);

    public IReadOnlyList<SpecOperation> Operations { get; }

    /// <summary>The schema a <c>$ref</c> points at, followed until it is not a reference.</summary>
    public JsonObject Resolve(JsonNode schema)
    {
        var current = schema.AsObject();
        while (current["$ref"] is { } reference)
        {
            // "#/components/schemas/X" or "#/components/parameters/X"
            var parts = ((string)reference!).Split('/');
            current = _components[parts[^2]]![parts[^1]]!.AsObject();
        }

        return current;
    }

    /// <summary>The operation's parameters with references resolved.</summary>
    public IEnumerable<JsonObject> Parameters(SpecOperation operation) =>
        (operation.Operation["parameters"]?.AsArray() ?? []).Select(p => Resolve(p!));

    public JsonObject? RequestSchema(SpecOperation operation) =>
        operation.Operation["requestBody"]?["content"]?["application/json"]?["schema"] is { } schema ? Resolve(schema) : null;
}
