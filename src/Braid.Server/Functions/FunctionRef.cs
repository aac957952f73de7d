using System.Text.Json.Nodes;
using Braid.Server.Http;
using Braid.Server.Objects;

namespace Braid.Server.Functions;

/// <summary>
/// How a request names the function to run (the spec's <c>FunctionId</c>): by id, by project (name or id) and slug,
/// by global function name, or inline (code or prompt given in the request). <c>version</c> or <c>environment</c> pins
/// a saved function's version.
/// </summary>
public sealed record FunctionRef
{
    public string? FunctionId { get; init; }

    /// <summary>The id came from the route: a missing function is a 404 there, and a 400 (a bad reference) in a body.</summary>
    public bool FromPath { get; init; }

    public string? ProjectName { get; init; }

    public string? ProjectId { get; init; }

    public string? Slug { get; init; }

    public string? GlobalFunction { get; init; }

    public string? FunctionType { get; init; }

    public long? Version { get; init; }

    public string? Environment { get; init; }

    /// <summary>An inline function: <c>{inline_context, code}</c> or <c>{inline_prompt}</c>, as a function document.</summary>
    public JsonObject? Inline { get; init; }

    /// <summary>
    /// Reads the function reference from <paramref name="body"/> (<paramref name="at"/> prefixes error paths, e.g.
    /// <c>scores[1]</c>); <paramref name="pathId"/> is the id a route names, <paramref name="projectId"/> the
    /// <c>x-bt-project-id</c> header that slugs fall back to.
    /// </summary>
    public static FunctionRef Read(JsonObject body, string at, string? pathId = null, string? projectId = null)
    {
        string? Text(string name) => body[name] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s.Length > 0 ? s : null,
            var other => throw ApiException.BadRequest($"{at}{name}: must be a string, not {JsonBody.Describe(other)}"),
        };

        if (Text("prompt_session_id") is not null)
        {
            throw ApiException.BadRequest($"{at}prompt_session_id: playground (prompt session) functions are not stored by this server; invoke a saved function by id or slug");
        }

        var version = Text("version") is { } v ? ObjectVersions.Parse(v, at + "version") : (long?)null;
        var environment = Text("environment");
        if (version is not null && environment is not null)
        {
            throw ApiException.BadRequest($"{at}version, {at}environment: pass only one of them");
        }

        var reference = new FunctionRef
        {
            FunctionId = pathId ?? Text("function_id"),
            FromPath = pathId is not null,
            ProjectName = Text("project_name"),
            ProjectId = Text("project_id") ?? projectId,
            Slug = Text("slug"),
            GlobalFunction = Text("global_function"),
            FunctionType = Text("function_type"),
            Version = version,
            Environment = environment,
            Inline = InlineDocument(body, at),
        };
        var forms = new[] { reference.FunctionId is not null, reference.Slug is not null, reference.GlobalFunction is not null, reference.Inline is not null }.Count(f => f);
        return forms switch
        {
            0 => throw ApiException.BadRequest(
                $"{at}function_id: name the function to run: function_id, project_name (or project_id) + slug, global_function, or inline code/prompt"),
            > 1 => throw ApiException.BadRequest($"{at}function_id: name the function one way only (function_id, slug, global_function or inline)"),
            _ when reference.Slug is not null && reference.ProjectName is null && reference.ProjectId is null =>
                throw ApiException.BadRequest($"{at}slug: also pass project_name or project_id (or the x-bt-project-id header) to say whose function it is"),
            _ => reference,
        };
    }

    // Inline functions become the document a saved one would have, so one runner serves both.
    private static JsonObject? InlineDocument(JsonObject body, string at)
    {
        var name = (string?)(body["name"] as JsonValue) ?? "inline";
        if (body["code"] is { } code)
        {
            if (code is not JsonValue c || !c.TryGetValue<string>(out var text))
            {
                throw ApiException.BadRequest($"{at}code: must be a string of JavaScript or TypeScript");
            }

            var runtime = (string?)body["inline_context"]?["runtime"] ?? "node";
            return new JsonObject
            {
                ["name"] = name,
                ["function_type"] = body["function_type"]?.DeepClone(),
                ["function_data"] = new JsonObject
                {
                    ["type"] = "code",
                    ["data"] = new JsonObject
                    {
                        ["type"] = "inline",
                        ["runtime_context"] = new JsonObject { ["runtime"] = runtime, ["version"] = (string?)body["inline_context"]?["version"] ?? "" },
                        ["code"] = text,
                    },
                },
            };
        }

        if (body["inline_prompt"] is { } prompt)
        {
            return prompt is JsonObject p
                ? new JsonObject { ["name"] = name, ["function_type"] = body["function_type"]?.DeepClone(), ["prompt_data"] = p.DeepClone() }
                : throw ApiException.BadRequest($"{at}inline_prompt: must be a prompt_data object");
        }

        return null;
    }
}
