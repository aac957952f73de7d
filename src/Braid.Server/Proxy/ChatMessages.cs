using System.Text;
using System.Text.Json.Nodes;
using Braid.Server.Http;

namespace Braid.Server.Proxy;

/// <summary>
/// The pieces of an OpenAI chat request and response that the Anthropic and Gemini conversions share: message text,
/// finish reasons, and the completion and chunk objects the proxy answers with.
/// </summary>
public static class ChatMessages
{
    /// <summary>A message's text: its string content, or its text parts joined (images and audio are not converted).</summary>
    public static string Text(JsonNode? content)
    {
        switch (content)
        {
            case null:
                return "";
            case JsonValue value:
                return value.ToString();
            case JsonArray parts:
                var text = new StringBuilder();
                foreach (var part in parts)
                {
                    if (part is JsonObject p && (string?)p["type"] == "text")
                    {
                        text.Append((string?)p["text"]);
                    }
                    else
                    {
                        throw ApiException.BadRequest(
                            $"messages: content part of type '{(string?)part?["type"]}' cannot be converted for this provider; only text parts are");
                    }
                }

                return text.ToString();
            default:
                throw ApiException.BadRequest("messages: content must be a string or an array of content parts");
        }
    }

    /// <summary>The request's messages, a 400 when it has none.</summary>
    public static JsonArray Messages(JsonObject request) =>
        request["messages"] as JsonArray is { Count: > 0 } messages
            ? messages
            : throw ApiException.BadRequest("messages: required, a non-empty array of chat messages");

    /// <summary><c>stop</c> as a list: OpenAI takes a string or an array.</summary>
    public static JsonArray? Stops(JsonObject request) => request["stop"] switch
    {
        JsonValue one => [one.ToString()],
        JsonArray many => new JsonArray(many.Select(s => (JsonNode?)s?.ToString()).ToArray()),
        _ => null,
    };

    public static JsonObject Completion(string id, string model, long created, string text, string finishReason, long? promptTokens, long? completionTokens)
    {
        var completion = new JsonObject
        {
            ["id"] = id,
            ["object"] = "chat.completion",
            ["created"] = created,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text },
                ["logprobs"] = null,
                ["finish_reason"] = finishReason,
            }),
        };
        if (promptTokens is not null || completionTokens is not null)
        {
            completion["usage"] = Usage(promptTokens ?? 0, completionTokens ?? 0);
        }

        return completion;
    }

    public static JsonObject Chunk(string id, string model, long created, JsonObject delta, string? finishReason, JsonObject? usage = null)
    {
        var chunk = new JsonObject
        {
            ["id"] = id,
            ["object"] = "chat.completion.chunk",
            ["created"] = created,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
        };
        if (usage is not null)
        {
            chunk["usage"] = usage;
        }

        return chunk;
    }

    public static JsonObject Usage(long promptTokens, long completionTokens) => new()
    {
        ["prompt_tokens"] = promptTokens,
        ["completion_tokens"] = completionTokens,
        ["total_tokens"] = promptTokens + completionTokens,
    };

    /// <summary>A tool call as OpenAI writes one in an assistant message.</summary>
    public static JsonObject ToolCall(string? id, string? name, string arguments) => new()
    {
        ["id"] = id,
        ["type"] = "function",
        ["function"] = new JsonObject { ["name"] = name, ["arguments"] = arguments },
    };

    /// <summary>A tool call's arguments as JSON (an empty object when it has none), for providers that take them parsed.</summary>
    public static JsonNode? Arguments(JsonObject call)
    {
        try
        {
            return JsonNode.Parse((string?)call["function"]?["arguments"] is { Length: > 0 } args ? args : "{}");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw ApiException.BadRequest($"messages: tool call '{call["id"]}' has arguments that are not JSON: {e.Message}");
        }
    }

    /// <summary>Copies a field that is present under the provider's name for it.</summary>
    public static void Copy(JsonObject from, string name, JsonObject to, string providerName)
    {
        if (from[name] is { } value)
        {
            to[providerName] = value.DeepClone();
        }
    }
}
