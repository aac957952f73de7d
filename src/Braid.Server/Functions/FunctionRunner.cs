using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Server.Functions.Sandbox;
using Braid.Server.Functions.Scorers;
using Braid.Server.Http;
using Braid.Server.Proxy;
using Braid.Storage.Merge;
using Braid.Storage.Tenancy;
using Microsoft.Extensions.Options;

namespace Braid.Server.Functions;

/// <summary>What an invocation passes to the function, besides which function it is.</summary>
public sealed record InvokeArgs
{
    public JsonNode? Input { get; init; }

    public JsonNode? Expected { get; init; }

    public JsonObject? Metadata { get; init; }

    public JsonArray? Tags { get; init; }

    /// <summary>Extra chat messages appended to a prompt's own.</summary>
    public JsonArray? Messages { get; init; }

    /// <summary><c>auto</c> (default), <c>parallel</c>, <c>json</c> or <c>text</c>: how a prompt's answer is returned.</summary>
    public string? Mode { get; init; }

    /// <summary>A template variable missing from the input is an error instead of empty text.</summary>
    public bool Strict { get; init; }

    /// <summary>Fields merged over the stored function for this run only.</summary>
    public JsonObject? Overrides { get; init; }

    /// <summary>Run as another prompt's tool: its own tool functions are not offered (no tools calling tools).</summary>
    public bool AsTool { get; init; }
}

/// <summary>
/// Runs one function — a prompt through its model, JavaScript code in the sandbox, or a built-in scorer — and records
/// it as spans under the parent: a span for the function (type <c>function</c>, or <c>score</c>/<c>tool</c>/<c>task</c>
/// by its function_type) with input, output and timing, and for a prompt a child <c>llm</c> span with the messages,
/// the answer, tokens, time to first token and estimated cost. The spans are committed before the answer is returned.
/// </summary>
public sealed class FunctionRunner(ChatClient chat, CodeSandbox sandbox, TimeProvider clock, IServiceProvider services, IOptions<ServerOptions> options)
{
    // Model calls a prompt may make while its tools run; past this the last answer (tool calls included) is the output.
    private const int MaxToolRounds = 5;

    private readonly SandboxLimits _limits = SandboxLimits.Default with
    {
        Timeout = TimeSpan.FromSeconds(options.Value.CodeTimeoutSeconds),
        MemoryBytes = options.Value.CodeMemoryBytes,
    };

    /// <summary>
    /// Runs the function and returns its output, once its spans are committed. <paramref name="spanType"/> overrides the
    /// span type its function_type gives (an eval's task is a <c>task</c> span whatever function runs it);
    /// <paramref name="recordScores"/> puts the scores a scorer returned in its span's <c>scores</c> (online scoring,
    /// where that span is the only record of them).
    /// </summary>
    public async Task<JsonNode?> RunAsync(
        Principal principal, ResolvedFunction function, InvokeArgs args, SpanParent? parent, InvokeStream events, CancellationToken cancellationToken,
        string? spanType = null, bool recordScores = false)
    {
        var doc = function.Document.DeepClone().AsObject();
        if (args.Overrides is { } overrides)
        {
            JsonMerge.Into(doc, overrides);
        }

        var start = clock.GetUtcNow();
        var root = parent is null ? null : new InvokeSpan(parent, null, function.Name, spanType ?? SpanType(function.Type), start);
        var spans = new List<InvokeSpan>();
        if (root is not null)
        {
            spans.Add(root);
            root.Row["input"] = args.Input?.DeepClone();
            root.Row["expected"] = args.Expected?.DeepClone();
            root.Row["metadata"] = FunctionMetadata(function, args.Metadata);
            if (args.Tags is { Count: > 0 } tags)
            {
                root.Row["tags"] = tags.DeepClone();
            }
        }

        try
        {
            var kind = (string?)doc["function_data"]?["type"] ?? "prompt";
            var (output, streamed) = kind switch
            {
                "prompt" => await RunPromptAsync(principal, doc, function.Name, args, parent, root, spans, events, cancellationToken),
                "code" => (await RunCodeAsync(doc, function.Name, args, events, cancellationToken), false),
                "global" => (RunBuiltIn(doc, args), false),
                _ => throw ApiException.BadRequest(
                    $"function '{function.Name}' has function_data of type '{kind}', which this server cannot run (prompt, code and global functions run)"),
            };
            if (root is not null)
            {
                root.Row["output"] = output?.DeepClone();
                if (recordScores)
                {
                    var scores = new JsonObject();
                    ScoreResults.Add(scores, function.Name, output);
                    root.Row["scores"] = scores;
                }
            }

            // Answers that were not streamed as they came (code results, scores, tool calls) go out whole at the end.
            if (events.Streaming && !streamed)
            {
                await events.JsonDeltaAsync(output?.ToJsonString() ?? "null");
            }

            return output;
        }
        catch (Exception e) when (root is not null && e is ApiException or JsonException)
        {
            root.Row["error"] = e.Message;
            throw;
        }
        finally
        {
            if (parent is not null && spans.Count > 0)
            {
                var end = clock.GetUtcNow();
                root!.End(end);
                await InvokeSpans.WriteAsync(services, principal, parent, spans, end);
            }
        }
    }

    private async Task<(JsonNode? Output, bool Streamed)> RunPromptAsync(
        Principal principal, JsonObject doc, string name, InvokeArgs args, SpanParent? parent, InvokeSpan? root, List<InvokeSpan> spans,
        InvokeStream events, CancellationToken cancellationToken)
    {
        var call = PromptCall.Build(doc, args.Input, args.Messages, args.Strict);
        var json = call.JsonContent(args.Mode);
        var streamsText = events.Streaming && call.ChoiceScores is null;
        Func<string, ValueTask>? onText = streamsText ? json ? events.JsonDeltaAsync : events.TextDeltaAsync : null;

        // A function runs with its project's own provider keys when the project has them.
        var projectId = (string?)(doc["project_id"] as JsonValue);
        var tools = args.AsTool ? [] : await ToolFunctionsAsync(principal, doc, call.Request);
        var answer = await CallModelAsync(principal, projectId, call.Request, parent, root, spans, onText, cancellationToken);

        // The prompt's tool functions: run what the model calls, hand the results back, and ask again.
        for (var round = 0; round < MaxToolRounds && answer.ToolCalls is { } calls
             && calls.All(c => tools.ContainsKey((string?)c?["function"]?["name"] ?? "")); round++)
        {
            var messages = (JsonArray)call.Request["messages"]!;
            messages.Add(answer.Message.DeepClone());
            foreach (var toolCall in calls.OfType<JsonObject>())
            {
                var result = await RunToolAsync(principal, tools[(string)toolCall["function"]!["name"]!], toolCall, parent, root, cancellationToken);
                messages.Add(new JsonObject
                {
                    ["role"] = "tool",
                    ["tool_call_id"] = toolCall["id"]?.DeepClone(),
                    ["content"] = result is JsonValue v && v.TryGetValue<string>(out var text) ? text : result?.ToJsonString() ?? "null",
                });
            }

            answer = await CallModelAsync(principal, projectId, call.Request, parent, root, spans, onText, cancellationToken);
        }

        if (call.ChoiceScores is not null)
        {
            return (call.Classify(answer, name), false);
        }

        if (answer.ToolCalls is { } toolCalls)
        {
            return (toolCalls.DeepClone(), false);
        }

        if (!json)
        {
            return (answer.Content, streamsText);
        }

        try
        {
            return (JsonNode.Parse(answer.Content), streamsText);
        }
        catch (JsonException) when (args.Mode != "json")
        {
            return (answer.Content, streamsText);
        }
    }

    /// <summary>One call to the model, recorded as an <c>llm</c> span (messages, answer, parameters, tokens, cost).</summary>
    private async Task<ChatAnswer> CallModelAsync(
        Principal principal, string? projectId, JsonObject request, SpanParent? parent, InvokeSpan? root, List<InvokeSpan> spans,
        Func<string, ValueTask>? onText, CancellationToken cancellationToken)
    {
        var llm = parent is null ? null : new InvokeSpan(parent, root, "Chat Completion", "llm", clock.GetUtcNow());
        if (llm is not null)
        {
            spans.Add(llm);
            llm.Row["input"] = request["messages"]?.DeepClone();
            var metadata = new JsonObject();
            foreach (var (field, value) in request)
            {
                if (field is not "messages")
                {
                    metadata[field] = value?.DeepClone();
                }
            }

            llm.Row["metadata"] = metadata;
        }

        ChatAnswer answer;
        try
        {
            answer = await chat.CompleteAsync(principal.OrgId, projectId, request, onText, cancellationToken);
        }
        catch (ApiException e) when (llm is not null)
        {
            llm.Row["error"] = e.Message;
            llm.End(clock.GetUtcNow());
            throw;
        }

        if (llm is not null)
        {
            llm.Row["output"] = answer.Choices();
            llm.End(clock.GetUtcNow());
            AddUsage(llm.Metrics, answer);
        }

        return answer;
    }

    /// <summary>
    /// The functions a prompt offers the model as tools (<c>prompt_data.tool_functions</c>), added to the request under
    /// their slugs with their <c>function_schema.parameters</c>.
    /// </summary>
    private async Task<Dictionary<string, ResolvedFunction>> ToolFunctionsAsync(Principal principal, JsonObject doc, JsonObject request)
    {
        var tools = new Dictionary<string, ResolvedFunction>(StringComparer.Ordinal);
        if (doc["prompt_data"]?["tool_functions"] is not JsonArray { Count: > 0 } references)
        {
            return tools;
        }

        var resolver = services.GetRequiredService<FunctionResolver>();
        var definitions = request["tools"] as JsonArray ?? [];
        for (var i = 0; i < references.Count; i++)
        {
            var at = $"prompt_data.tool_functions[{i}].";
            var reference = references[i] as JsonObject ?? throw ApiException.BadRequest($"prompt_data.tool_functions[{i}]: must be a function reference");
            var functionRef = JsonBody.Text(reference["type"]) switch
            {
                "function" when JsonBody.Text(reference["id"]) is { } id => new FunctionRef { FunctionId = id },
                "global" when JsonBody.Text(reference["name"]) is { } global => new FunctionRef { GlobalFunction = global, FunctionType = "tool" },
                _ => throw ApiException.BadRequest($"{at}type: must be function (with id) or global (with name)"),
            };
            var tool = await resolver.ResolveAsync(principal, functionRef, at);
            var name = JsonBody.Text(tool.Document["slug"]) ?? tool.Name;
            tools[name] = tool;
            definitions.Add(new JsonObject
            {
                ["type"] = "function",
                ["function"] = new JsonObject
                {
                    ["name"] = name,
                    ["description"] = tool.Document["description"]?.DeepClone(),
                    ["parameters"] = tool.Document["function_schema"]?["parameters"]?.DeepClone() ?? new JsonObject { ["type"] = "object" },
                },
            });
        }

        request["tools"] = definitions;
        return tools;
    }

    /// <summary>Runs one tool call as a <c>tool</c> span; a failure is handed to the model as the result, as a tool's error would be.</summary>
    private async Task<JsonNode?> RunToolAsync(
        Principal principal, ResolvedFunction tool, JsonObject toolCall, SpanParent? parent, InvokeSpan? root, CancellationToken cancellationToken)
    {
        JsonNode? input;
        try
        {
            input = JsonNode.Parse((string?)toolCall["function"]?["arguments"] is { Length: > 0 } arguments ? arguments : "{}");
        }
        catch (JsonException)
        {
            input = (string?)toolCall["function"]?["arguments"];
        }

        var under = parent is null ? null : new SpanParent(parent.Log, root?.SpanId ?? parent.SpanId, root?.RootSpanId ?? parent.RootSpanId, parent.Propagated);
        try
        {
            return await RunAsync(principal, tool, new InvokeArgs { Input = input, AsTool = true }, under, InvokeStream.None, cancellationToken, spanType: "tool");
        }
        catch (ApiException e)
        {
            return $"error: {e.Message}";
        }
    }

    /// <summary>Inline JavaScript or TypeScript in the sandbox: <c>handler(input)</c>, its console streamed as <c>console</c> events.</summary>
    private async Task<JsonNode?> RunCodeAsync(JsonObject doc, string name, InvokeArgs args, InvokeStream events, CancellationToken cancellationToken)
    {
        var data = doc["function_data"]?["data"] as JsonObject ?? [];
        var runtime = (string?)data["runtime_context"]?["runtime"] ?? "node";
        if ((string?)data["type"] != "inline" || (string?)data["code"] is not { } code)
        {
            throw ApiException.BadRequest(
                $"function '{name}' is bundled code (uploaded by `braintrust push`), which runs in Braintrust's cloud runtimes; this server runs inline code only");
        }

        if (runtime is not ("node" or "javascript" or "typescript"))
        {
            throw ApiException.BadRequest($"function '{name}' is {runtime} code; this server runs inline JavaScript and TypeScript only");
        }

        var result = await sandbox.RunAsync(
            code, args.Input?.DeepClone(), _limits,
            events.Streaming ? entry => events.ConsoleAsync(entry.Stream, entry.Message) : null,
            cancellationToken);
        return result.Error is { } error
            ? throw ApiException.BadRequest($"function '{name}' failed: {error}")
            : result.Value;
    }

    /// <summary>A built-in scorer (autoevals' heuristics) on <c>{input, output, expected, metadata}</c>.</summary>
    private static JsonNode RunBuiltIn(JsonObject doc, InvokeArgs args)
    {
        var name = (string?)doc["function_data"]?["name"] ?? "";
        if (!BuiltInScorers.TryGet(name, out var scorer))
        {
            throw ApiException.BadRequest(
                $"global_function: '{name}' is not a built-in function of this server; it has {string.Join(", ", BuiltInScorers.All.Select(s => s.Name))}");
        }

        try
        {
            return scorer.Score(ScorerArgs.FromJson(args.Input)).ToJson();
        }
        catch (ScorerException e)
        {
            throw ApiException.BadRequest($"{name}: {e.Message}");
        }
    }

    private static void AddUsage(JsonObject metrics, ChatAnswer answer)
    {
        if (answer.TimeToFirstToken is { } ttft)
        {
            metrics["time_to_first_token"] = ttft;
        }

        if (answer.Usage is not { } usage)
        {
            return;
        }

        var prompt = (long?)usage["prompt_tokens"] ?? 0;
        var completion = (long?)usage["completion_tokens"] ?? 0;
        metrics["prompt_tokens"] = prompt;
        metrics["completion_tokens"] = completion;
        metrics["tokens"] = (long?)usage["total_tokens"] ?? prompt + completion;
        if (ModelPrices.Cost(answer.Model, prompt, completion) is { } cost)
        {
            metrics["estimated_cost"] = cost;
        }
    }

    private static JsonObject FunctionMetadata(ResolvedFunction function, JsonObject? given)
    {
        var metadata = given?.DeepClone().AsObject() ?? [];
        if (function.Id is { } id)
        {
            metadata["function"] = new JsonObject { ["id"] = id, ["project_id"] = function.ProjectId, ["version"] = function.Version };
        }

        return metadata;
    }

    private static string SpanType(string? functionType) => functionType switch
    {
        "scorer" => "score",
        "tool" => "tool",
        "task" => "task",
        _ => "function",
    };
}
