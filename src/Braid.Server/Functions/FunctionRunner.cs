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
}

/// <summary>
/// Runs one function — a prompt through its model, JavaScript code in the sandbox, or a built-in scorer — and records
/// it as spans under the parent: a span for the function (type <c>function</c>, or <c>score</c>/<c>tool</c>/<c>task</c>
/// by its function_type) with input, output and timing, and for a prompt a child <c>llm</c> span with the messages,
/// the answer, tokens, time to first token and estimated cost. The spans are committed before the answer is returned.
/// </summary>
public sealed class FunctionRunner(ChatClient chat, CodeSandbox sandbox, TimeProvider clock, IServiceProvider services, IOptions<ServerOptions> options)
{
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
        var start = clock.GetUtcNow();
        var llm = parent is null ? null : new InvokeSpan(parent, root, "Chat Completion", "llm", start);
        if (llm is not null)
        {
            spans.Add(llm);
            llm.Row["input"] = call.Request["messages"]?.DeepClone();
            var metadata = new JsonObject();
            foreach (var (field, value) in call.Request)
            {
                if (field is not "messages")
                {
                    metadata[field] = value?.DeepClone();
                }
            }

            llm.Row["metadata"] = metadata;
        }

        Func<string, ValueTask>? onText = streamsText ? json ? events.JsonDeltaAsync : events.TextDeltaAsync : null;
        ChatAnswer answer;
        try
        {
            // A function runs with its project's own provider keys when the project has them.
            answer = await chat.CompleteAsync(principal.OrgId, (string?)(doc["project_id"] as JsonValue), call.Request, onText, cancellationToken);
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
