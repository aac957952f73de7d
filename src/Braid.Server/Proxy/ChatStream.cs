using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Braid.Server.Proxy;

/// <summary>What a stream conversion carries from one event to the next.</summary>
public sealed class ChatStreamState(string id, string model, long created)
{
    public string Id { get; set; } = id;

    public string Model { get; } = model;

    public long Created { get; } = created;

    public long? PromptTokens { get; set; }

    public int Chunks { get; set; }

    /// <summary>The tool calls streamed so far: Anthropic's content-block index → the call's index among tool calls (Gemini's are numbered in order).</summary>
    public Dictionary<int, int> ToolBlocks { get; } = [];
}

/// <summary>A provider's answers in OpenAI's format: Anthropic's and Gemini's converted, OpenAI's own as they are.</summary>
public static class OpenAIFormat
{
    public static JsonObject Completion(ProviderFormat format, JsonObject answer, ChatStreamState state) => format switch
    {
        ProviderFormat.Anthropic => AnthropicMessages.ToCompletion(answer, state.Model, state.Created),
        ProviderFormat.Google => GeminiContent.ToCompletion(answer, state.Model, state.Id, state.Created),
        _ => answer,
    };

    /// <summary>The chunk for one stream event, or null for an event that carries nothing OpenAI sends.</summary>
    public static JsonObject? Chunk(ProviderFormat format, JsonObject streamEvent, ChatStreamState state) => format switch
    {
        ProviderFormat.Anthropic => AnthropicMessages.ToChunk(streamEvent, state),
        ProviderFormat.Google => GeminiContent.ToChunk(streamEvent, state),
        _ => streamEvent,
    };
}

/// <summary>Server-sent events, read and written as the providers use them: only <c>data:</c> lines matter.</summary>
public static class ServerSentEvents
{
    public static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    /// <summary>The <c>data:</c> payloads of a stream, one per event (multi-line data joined with newlines).</summary>
    public static async IAsyncEnumerable<string> ReadDataAsync(Stream stream, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0)
                {
                    yield return data.ToString();
                    data.Clear();
                }
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                if (data.Length > 0)
                {
                    data.Append('\n');
                }

                data.Append(line.AsSpan(line.Length > 5 && line[5] == ' ' ? 6 : 5));
            }
        }

        if (data.Length > 0)
        {
            yield return data.ToString();
        }
    }

    public static byte[] Event(JsonObject data) => Encoding.UTF8.GetBytes("data: " + data.ToJsonString() + "\n\n");
}

/// <summary>
/// The answer a chat completion gave, for its log span: the whole response when it was one JSON object, else the
/// text, finish reason and usage gathered from its <c>chat.completion.chunk</c> events.
/// </summary>
public sealed class ChatOutput
{
    private readonly StringBuilder _text = new();
    private string? _finishReason;

    public JsonNode? Output { get; private set; }

    public JsonObject? Usage { get; private set; }

    public static ChatOutput FromBytes(ReadOnlySpan<byte> body, bool stream)
    {
        var output = new ChatOutput();
        if (!stream)
        {
            try
            {
                var response = JsonNode.Parse(body) as JsonObject;
                output.Output = response?["choices"]?.DeepClone() ?? response?["data"]?.DeepClone() ?? response?["results"]?.DeepClone();
                output.Usage = response?["usage"] as JsonObject;
            }
            catch (JsonException)
            {
                // Not JSON: the span keeps no output rather than failing the call it describes.
            }

            return output;
        }

        foreach (var line in Encoding.UTF8.GetString(body).Split('\n'))
        {
            if (line.StartsWith("data: {", StringComparison.Ordinal))
            {
                try
                {
                    output.Add(JsonNode.Parse(line.AsSpan(6).ToString()) as JsonObject);
                }
                catch (JsonException)
                {
                    // A chunk that is not JSON adds nothing to the record of the answer.
                }
            }
        }

        output.Output = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = output._text.ToString() },
            ["finish_reason"] = output._finishReason,
        });
        return output;
    }

    private void Add(JsonObject? chunk)
    {
        if (chunk?["choices"] is JsonArray { Count: > 0 } choices && choices[0] is JsonObject choice)
        {
            _text.Append((string?)choice["delta"]?["content"] ?? (string?)choice["text"]);
            _finishReason = (string?)choice["finish_reason"] ?? _finishReason;
        }

        if (chunk?["usage"] is JsonObject usage)
        {
            Usage = usage;
        }
    }
}
