using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Server.Auth;
using Braid.Server.Http;
using Braid.Server.RateLimits;
using Braid.Server.Sdk;

namespace Braid.Server.Functions;

/// <summary>
/// Function invocation: the spec's <c>POST /v1/function/{id}/invoke</c> and the SDK's <c>POST {proxy}/function/invoke</c>
/// (the function named in the body: id, project + slug, global function or inline; <c>x-bt-project-id</c> supplies
/// the project for a bare slug). The answer is the function's output as JSON, or with <c>stream: true</c> Braintrust's
/// SSE stream (<see cref="InvokeStream"/>). Invocations count against the AI proxy's rate limit: most call a model.
/// </summary>
public static class InvokeApi
{
    public const string ProjectIdHeader = "x-bt-project-id";

    public static IEndpointRouteBuilder MapInvokeApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/function/{function_id}/invoke", static (HttpContext http, string function_id) => InvokeAsync(http, function_id))
            .RateLimited(EndpointClass.Proxy);
        routes.MapPost("/function/invoke", static (HttpContext http) => InvokeAsync(http, null)).RateLimited(EndpointClass.Proxy);
        return routes;
    }

    private static async Task InvokeAsync(HttpContext http, string? pathId)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var principal = await http.InOrganizationAsync(http.Request.Headers["x-bt-org-name"].ToString());
        var projectHeader = http.Request.Headers[ProjectIdHeader].ToString();
        var reference = FunctionRef.Read(body, "", pathId, projectHeader.Length > 0 ? projectHeader : null);
        var args = ReadArgs(body);
        var stream = SdkArgs.OptionalBoolean(body, "stream") == true;

        var services = http.RequestServices;
        var function = await services.GetRequiredService<FunctionResolver>().ResolveAsync(principal, reference);
        var parent = await InvokeSpans.ResolveAsync(body["parent"], principal, services, function.ProjectId);
        var events = stream ? new InvokeStream(http.Response) : InvokeStream.None;
        var runner = services.GetRequiredService<FunctionRunner>();
        JsonNode? output;
        try
        {
            output = await runner.RunAsync(principal, function, args, parent, events, http.RequestAborted);
        }
        catch (ApiException e) when (events.Started)
        {
            // The status line has gone: the stream itself says what failed.
            await events.ErrorAsync(e.Message);
            await events.DoneAsync();
            return;
        }

        if (stream)
        {
            await events.DoneAsync();
            return;
        }

        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(output?.ToJsonString() ?? "null", http.RequestAborted);
    }

    private static InvokeArgs ReadArgs(JsonObject body)
    {
        T? Optional<T>(string name, string expected)
            where T : JsonNode =>
            body[name] switch
            {
                null => null,
                T value => value,
                var other => throw ApiException.BadRequest($"{name}: must be {expected}, not {JsonBody.Describe(other)}"),
            };

        var mode = (string?)Optional<JsonValue>("mode", "a string");
        if (mode is not (null or "auto" or "parallel" or "json" or "text"))
        {
            throw ApiException.BadRequest($"mode: must be auto, parallel, json or text, not '{mode}'");
        }

        var tags = Optional<JsonArray>("tags", "an array of strings");
        if (tags?.Any(t => t is not JsonValue v || v.GetValueKind() != JsonValueKind.String) == true)
        {
            throw ApiException.BadRequest("tags: must be an array of strings");
        }

        var messages = Optional<JsonArray>("messages", "an array of chat messages");
        for (var i = 0; i < (messages?.Count ?? 0); i++)
        {
            if (messages![i] is not JsonObject message || (string?)message["role"] is not { Length: > 0 })
            {
                throw ApiException.BadRequest($"messages[{i}]: must be a chat message with a role");
            }
        }

        return new InvokeArgs
        {
            Input = body["input"],
            Expected = body["expected"],
            Metadata = Optional<JsonObject>("metadata", "an object"),
            Tags = tags,
            Messages = messages,
            Mode = mode,
            Strict = body["strict"] is JsonValue s && s.GetValueKind() == JsonValueKind.True,
            Overrides = Optional<JsonObject>("overrides", "an object (a partial function definition)"),
        };
    }
}
