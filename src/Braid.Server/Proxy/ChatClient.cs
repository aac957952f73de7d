using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Braid.Server.Http;

namespace Braid.Server.Proxy;

/// <summary>One chat completion gathered whole: the assistant message (content and tool calls), why it stopped, token usage and timing.</summary>
public sealed record ChatAnswer(JsonObject Message, string? FinishReason, JsonObject? Usage, double? TimeToFirstToken, string Model)
{
    public string Content => (string?)Message["content"] ?? "";

    public JsonArray? ToolCalls => Message["tool_calls"] as JsonArray is { Count: > 0 } calls ? calls : null;

    /// <summary>The answer as the <c>choices</c> array of an OpenAI completion, as llm spans record it.</summary>
    public JsonArray Choices() => new(new JsonObject
    {
        ["index"] = 0,
        ["message"] = Message.DeepClone(),
        ["logprobs"] = null,
        ["finish_reason"] = FinishReason,
    });
}

/// <summary>
/// Chat completions for the server's own work — prompt functions and LLM scorers run by invoke and evals — through the
/// providers, keys and format conversions the AI proxy uses, with the answer gathered into one message instead of
/// relayed as bytes. When <c>onText</c> is given the provider is asked to stream and each piece of text is handed over
/// as it arrives, so an invoke stream shows tokens as the model writes them.
/// </summary>
public sealed class ChatClient(Providers providers, ProviderClient client, TimeProvider clock)
{
    /// <summary>Calls the model <paramref name="request"/> names, with <paramref name="projectId"/>'s provider keys first when given.</summary>
    public async Task<ChatAnswer> CompleteAsync(
        string orgId, string? projectId, JsonObject request, Func<string, ValueTask>? onText, CancellationToken cancellationToken)
    {
        var model = (string?)request["model"] is { Length: > 0 } m
            ? m
            : throw ApiException.BadRequest("the prompt names no model: set prompt_data.options.model");
        var endpoint = await providers.ResolveAsync(orgId, model, projectId);
        var stream = onText is not null;
        var body = request.DeepClone().AsObject();
        body["stream"] = stream;
        if (stream && endpoint.Format == ProviderFormat.OpenAI)
        {
            body["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        var (path, content) = ProxyApi.UpstreamRequest(endpoint, ProxyRoute.ChatCompletions, null, model, ProxyBody.Of(body), stream);
        var started = Stopwatch.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(endpoint, path, content, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new ApiException(StatusCodes.Status502BadGateway, $"the provider for model '{model}' (ai_secret '{endpoint.SecretName}') could not be reached: {e.Message}");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var error = await response.Content.ReadAsStringAsync(cancellationToken);
                throw new ApiException(
                    StatusCodes.Status502BadGateway,
                    $"the provider for model '{model}' answered {(int)response.StatusCode}: {(error.Length > 500 ? error[..500] : error)}");
            }

            await using var source = await response.Content.ReadAsStreamAsync(cancellationToken);
            var state = new ChatStreamState("chatcmpl-" + Guid.NewGuid().ToString("N"), model, clock.GetUtcNow().ToUnixTimeSeconds());
            if (!stream)
            {
                var answer = await JsonNode.ParseAsync(source, cancellationToken: cancellationToken) as JsonObject
                    ?? throw new ApiException(StatusCodes.Status502BadGateway, $"the provider for model '{model}' answered with something other than a JSON object");
                var completion = OpenAIFormat.Completion(endpoint.Format, answer, state);
                var choice = completion["choices"]?[0];
                return new ChatAnswer(
                    choice?["message"]?.DeepClone() as JsonObject ?? new JsonObject { ["role"] = "assistant", ["content"] = "" },
                    (string?)choice?["finish_reason"],
                    completion["usage"]?.DeepClone() as JsonObject,
                    null,
                    model);
            }

            var gathered = new ChunkGatherer();
            double? firstToken = null;
            await foreach (var data in ServerSentEvents.ReadDataAsync(source, cancellationToken))
            {
                if (data == "[DONE]" || JsonNode.Parse(data) is not JsonObject streamEvent)
                {
                    continue;
                }

                if (OpenAIFormat.Chunk(endpoint.Format, streamEvent, state) is { } chunk && gathered.Add(chunk) is { Length: > 0 } text)
                {
                    firstToken ??= Stopwatch.GetElapsedTime(started).TotalSeconds;
                    await onText!(text);
                }
            }

            return new ChatAnswer(gathered.Message(), gathered.FinishReason, gathered.Usage, firstToken, model);
        }
    }

    /// <summary>Builds the assistant message from <c>chat.completion.chunk</c> deltas: text appended, tool calls assembled by index.</summary>
    private sealed class ChunkGatherer
    {
        private readonly StringBuilder _text = new();
        private readonly SortedDictionary<int, (string? Id, string? Name, StringBuilder Arguments)> _tools = [];

        public string? FinishReason { get; private set; }

        public JsonObject? Usage { get; private set; }

        /// <summary>Takes one chunk; returns the text it added.</summary>
        public string? Add(JsonObject chunk)
        {
            if (chunk["usage"] is JsonObject usage)
            {
                Usage = usage.DeepClone().AsObject();
            }

            if (chunk["choices"] is not JsonArray { Count: > 0 } choices || choices[0] is not JsonObject choice)
            {
                return null;
            }

            FinishReason = (string?)choice["finish_reason"] ?? FinishReason;
            var delta = choice["delta"] as JsonObject;
            if (delta?["tool_calls"] is JsonArray calls)
            {
                foreach (var call in calls.OfType<JsonObject>())
                {
                    var index = (int?)call["index"] ?? 0;
                    var entry = _tools.TryGetValue(index, out var found) ? found : (null, null, new StringBuilder());
                    entry.Id ??= (string?)call["id"];
                    entry.Name ??= (string?)call["function"]?["name"];
                    entry.Arguments.Append((string?)call["function"]?["arguments"]);
                    _tools[index] = entry;
                }
            }

            var text = (string?)delta?["content"];
            _text.Append(text);
            return text;
        }

        public JsonObject Message()
        {
            var message = new JsonObject { ["role"] = "assistant", ["content"] = _text.ToString() };
            if (_tools.Count > 0)
            {
                message["tool_calls"] = new JsonArray([.. _tools.Values.Select(t => (JsonNode)ChatMessages.ToolCall(t.Id, t.Name, t.Arguments.ToString()))]);
            }

            return message;
        }
    }
}
