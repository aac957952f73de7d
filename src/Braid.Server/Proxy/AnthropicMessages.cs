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
                case "assistant" when (message?["tool_calls"] is JsonArray { Count: > 0 } calls):
                    messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = ToolUseBlocks(text, calls) });
                    break;
                case "tool":
                    // A tool's answer goes back to Anthropic as a tool_result block in a user turn.
                    messages.Add(new JsonObject
                    {
                        ["role"] = "user",
                        ["content"] = new JsonArray(new JsonObject { ["type"] = "tool_result", ["tool_use_id"] = (string?)message?["tool_call_id"], ["content"] = text }),
                    });
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

        if (chat["tools"] is JsonArray tools)
        {
            request["tools"] = new JsonArray([.. tools.OfType<JsonObject>().Select(t => (JsonNode)new JsonObject
            {
                ["name"] = (string?)t["function"]?["name"],
                ["description"] = t["function"]?["description"]?.DeepClone(),
                ["input_schema"] = t["function"]?["parameters"]?.DeepClone() ?? new JsonObject { ["type"] = "object" },
            })]);
        }

        if (ToolChoice(chat["tool_choice"]) is { } choice)
        {
            request["tool_choice"] = choice;
        }

        if (stream)
        {
            request["stream"] = true;
        }

        return request;
    }

    // OpenAI's tool_choice in Anthropic's words: auto, required → any, none, or one named function → tool.
    private static JsonObject? ToolChoice(JsonNode? choice) => choice switch
    {
        JsonValue v when v.ToString() == "required" => new JsonObject { ["type"] = "any" },
        JsonValue v when v.ToString() is "auto" or "none" => new JsonObject { ["type"] = v.ToString() },
        JsonObject o when (string?)o["function"]?["name"] is { } name => new JsonObject { ["type"] = "tool", ["name"] = name },
        _ => null,
    };

    private static JsonArray ToolUseBlocks(string text, JsonArray calls)
    {
        var blocks = new JsonArray();
        if (text.Length > 0)
        {
            blocks.Add(new JsonObject { ["type"] = "text", ["text"] = text });
        }

        foreach (var call in calls.OfType<JsonObject>())
        {
            blocks.Add(new JsonObject
            {
                ["type"] = "tool_use", ["id"] = (string?)call["id"], ["name"] = (string?)call["function"]?["name"], ["input"] = ChatMessages.Arguments(call),
            });
        }

        return blocks;
    }

    public static JsonObject ToCompletion(JsonObject message, string model, long created)
    {
        var blocks = message["content"] as JsonArray ?? [];
        var text = string.Concat(blocks.Where(b => (string?)b?["type"] == "text").Select(b => (string?)b!["text"]));
        var completion = ChatMessages.Completion(
            (string?)message["id"] ?? "", model, created, text, FinishReason((string?)message["stop_reason"]),
            (long?)message["usage"]?["input_tokens"], (long?)message["usage"]?["output_tokens"]);
        var toolCalls = new JsonArray([.. blocks.OfType<JsonObject>().Where(b => (string?)b["type"] == "tool_use").Select(b => (JsonNode)ChatMessages.ToolCall((string?)b["id"], (string?)b["name"], b["input"]?.ToJsonString() ?? "{}"))]);
        if (toolCalls.Count > 0)
        {
            completion["choices"]![0]!["message"]!["tool_calls"] = toolCalls;
        }

        return completion;
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
            case "content_block_start" when ((string?)streamEvent["content_block"]?["type"] == "tool_use"):
                // Tool calls are numbered among themselves in OpenAI's chunks, not among all content blocks.
                var toolIndex = state.ToolBlocks.Count;
                state.ToolBlocks[(int?)streamEvent["index"] ?? 0] = toolIndex;
                return ToolChunk(state, new JsonObject
                {
                    ["index"] = toolIndex, ["id"] = (string?)streamEvent["content_block"]!["id"], ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = (string?)streamEvent["content_block"]!["name"], ["arguments"] = "" },
                });
            case "content_block_delta" when ((string?)streamEvent["delta"]?["type"] == "input_json_delta"
                                             && state.ToolBlocks.TryGetValue((int?)streamEvent["index"] ?? 0, out var index)):
                return ToolChunk(state, new JsonObject
                {
                    ["index"] = index, ["function"] = new JsonObject { ["arguments"] = (string?)streamEvent["delta"]!["partial_json"] },
                });
            case "message_delta":
                var output = (long?)streamEvent["usage"]?["output_tokens"];
                var usage = state.PromptTokens is null && output is null ? null : ChatMessages.Usage(state.PromptTokens ?? 0, output ?? 0);
                return ChatMessages.Chunk(state.Id, state.Model, state.Created, [], FinishReason((string?)streamEvent["delta"]?["stop_reason"]), usage);
            default:
                return null;
        }
    }

    private static JsonObject ToolChunk(ChatStreamState state, JsonObject call) =>
        ChatMessages.Chunk(state.Id, state.Model, state.Created, new JsonObject { ["tool_calls"] = new JsonArray(call) }, null);

    private static bool IsTextDelta(JsonObject streamEvent) => (string?)streamEvent["delta"]?["type"] == "text_delta";

    private static string FinishReason(string? stopReason) => stopReason switch
    {
        "max_tokens" => "length",
        "tool_use" => "tool_calls",
        _ => "stop",
    };
}
