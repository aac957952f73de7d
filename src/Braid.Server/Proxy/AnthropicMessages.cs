using System.Text.Json.Nodes;
using Braid.Server.Http;

namespace Braid.Server.Proxy;

/// <summary>
/// OpenAI chat completions to and from Anthropic's Messages API (<c>POST /v1/messages</c>): system messages become
/// <c>system</c>, <c>max_tokens</c> (required there) defaults to 4096, and the answer comes back as a
/// <c>chat.completion</c> or, streaming, as <c>chat.completion.chunk</c> events.
/// </summary>
public static class AnthropicMessages
{
    public const string Version = "2023-06-01";
    private const int DefaultMaxTokens = 4096;

    public static JsonObject ToRequest(JsonObject chat, string model, bool stream)
    {
        var system = new List<string>();
        var messages = new JsonArray();
        foreach (var message in ChatMessages.Messages(chat))
        {
            var role = (string?)message?["role"];
            var text = ChatMessages.Text(message?["content"]);
            switch (role)
            {
                case "system" or "developer":
                    system.Add(text);
                    break;
                case "user" or "assistant":
                    messages.Add(new JsonObject { ["role"] = role, ["content"] = text });
                    break;
                default:
                    throw ApiException.BadRequest($"messages: role '{role}' cannot be converted for Anthropic; use system, user or assistant");
            }
        }

        var request = new JsonObject
        {
            ["model"] = model,
            ["messages"] = messages,
            ["max_tokens"] = (chat["max_completion_tokens"] ?? chat["max_tokens"])?.DeepClone() ?? DefaultMaxTokens,
        };
        if (system.Count > 0)
        {
            request["system"] = string.Join("\n", system);
        }

        ChatMessages.Copy(chat, "temperature", request, "temperature");
        ChatMessages.Copy(chat, "top_p", request, "top_p");
        if (ChatMessages.Stops(chat) is { } stops)
        {
            request["stop_sequences"] = stops;
        }

        if (stream)
        {
            request["stream"] = true;
        }

        return request;
    }

    public static JsonObject ToCompletion(JsonObject message, string model, long created)
    {
        var text = string.Concat((message["content"] as JsonArray ?? []).Where(b => (string?)b?["type"] == "text").Select(b => (string?)b!["text"]));
        return ChatMessages.Completion(
            (string?)message["id"] ?? "", model, created, text, FinishReason((string?)message["stop_reason"]),
            (long?)message["usage"]?["input_tokens"], (long?)message["usage"]?["output_tokens"]);
    }

    /// <summary>The OpenAI chunk for one Anthropic stream event, or null for events that carry nothing OpenAI sends.</summary>
    public static JsonObject? ToChunk(JsonObject streamEvent, ChatStreamState state)
    {
        switch ((string?)streamEvent["type"])
        {
            case "message_start":
                state.Id = (string?)streamEvent["message"]?["id"] ?? state.Id;
                state.PromptTokens = (long?)streamEvent["message"]?["usage"]?["input_tokens"];
                return ChatMessages.Chunk(state.Id, state.Model, state.Created, new JsonObject { ["role"] = "assistant", ["content"] = "" }, null);
            case "content_block_delta" when IsTextDelta(streamEvent):
                return ChatMessages.Chunk(state.Id, state.Model, state.Created, new JsonObject { ["content"] = (string?)streamEvent["delta"]!["text"] }, null);
            case "message_delta":
                var output = (long?)streamEvent["usage"]?["output_tokens"];
                var usage = state.PromptTokens is null && output is null ? null : ChatMessages.Usage(state.PromptTokens ?? 0, output ?? 0);
                return ChatMessages.Chunk(state.Id, state.Model, state.Created, [], FinishReason((string?)streamEvent["delta"]?["stop_reason"]), usage);
            default:
                return null;
        }
    }

    private static bool IsTextDelta(JsonObject streamEvent) => (string?)streamEvent["delta"]?["type"] == "text_delta";

    private static string FinishReason(string? stopReason) => stopReason switch
    {
        "max_tokens" => "length",
        "tool_use" => "tool_calls",
        _ => "stop",
    };
}
