using System.Text.Json.Nodes;
using Braid.Server.Http;

namespace Braid.Server.Proxy;

/// <summary>
/// OpenAI chat completions to and from Gemini's <c>generateContent</c> / <c>streamGenerateContent?alt=sse</c>:
/// system messages become <c>systemInstruction</c>, assistant turns the <c>model</c> role, sampling settings
/// <c>generationConfig</c>, tools <c>functionDeclarations</c> (with <c>tool_choice</c> as <c>toolConfig</c>), tool
/// calls <c>functionCall</c> parts and tool results <c>functionResponse</c> parts.
/// </summary>
public static class GeminiContent
{
    public static JsonObject ToRequest(JsonObject chat)
    {
        var system = new JsonArray();
        var contents = new JsonArray();
        var toolNames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var message in ChatMessages.Messages(chat))
        {
            var role = (string?)message?["role"];
            var part = new JsonObject { ["text"] = ChatMessages.Text(message?["content"]) };
            switch (role)
            {
                case "system" or "developer":
                    system.Add(part);
                    break;
                case "assistant" when (message?["tool_calls"] is JsonArray { Count: > 0 } calls):
                    var parts = new JsonArray();
                    if (((string?)part["text"])!.Length > 0)
                    {
                        parts.Add(part);
                    }

                    foreach (var call in calls.OfType<JsonObject>())
                    {
                        var name = (string?)call["function"]?["name"] ?? "";
                        toolNames[(string?)call["id"] ?? ""] = name;
                        parts.Add(new JsonObject { ["functionCall"] = new JsonObject { ["name"] = name, ["args"] = ChatMessages.Arguments(call) } });
                    }

                    contents.Add(new JsonObject { ["role"] = "model", ["parts"] = parts });
                    break;
                case "tool":
                    // Gemini names the function a result answers; OpenAI names the call, whose function an earlier turn gave.
                    var answered = toolNames.GetValueOrDefault((string?)message?["tool_call_id"] ?? "", (string?)message?["name"] ?? "");
                    contents.Add(new JsonObject
                    {
                        ["role"] = "user",
                        ["parts"] = new JsonArray(new JsonObject
                        {
                            ["functionResponse"] = new JsonObject { ["name"] = answered, ["response"] = new JsonObject { ["content"] = part["text"]?.DeepClone() } },
                        }),
                    });
                    break;
                case "user" or "assistant":
                    contents.Add(new JsonObject { ["role"] = role == "assistant" ? "model" : "user", ["parts"] = new JsonArray(part) });
                    break;
                default:
                    throw ApiException.BadRequest($"messages: role '{role}' cannot be converted for Gemini; use system, user or assistant");
            }
        }

        var config = new JsonObject();
        ChatMessages.Copy(chat, "temperature", config, "temperature");
        ChatMessages.Copy(chat, "top_p", config, "topP");
        ChatMessages.Copy(chat, chat["max_completion_tokens"] is null ? "max_tokens" : "max_completion_tokens", config, "maxOutputTokens");
        ChatMessages.Copy(chat, "seed", config, "seed");
        if (ChatMessages.Stops(chat) is { } stops)
        {
            config["stopSequences"] = stops;
        }

        var request = new JsonObject { ["contents"] = contents };
        if (system.Count > 0)
        {
            request["systemInstruction"] = new JsonObject { ["parts"] = system };
        }

        if (config.Count > 0)
        {
            request["generationConfig"] = config;
        }

        if (chat["tools"] is JsonArray tools)
        {
            request["tools"] = new JsonArray(new JsonObject
            {
                ["functionDeclarations"] = new JsonArray([.. tools.OfType<JsonObject>().Select(t => (JsonNode)new JsonObject
                {
                    ["name"] = (string?)t["function"]?["name"],
                    ["description"] = t["function"]?["description"]?.DeepClone(),
                    ["parameters"] = t["function"]?["parameters"]?.DeepClone(),
                })]),
            });
        }

        if (ToolConfig(chat["tool_choice"]) is { } toolConfig)
        {
            request["toolConfig"] = toolConfig;
        }

        return request;
    }

    // OpenAI's tool_choice as Gemini's functionCallingConfig: auto, none, required → ANY, or one function → ANY limited to it.
    private static JsonObject? ToolConfig(JsonNode? choice)
    {
        var (mode, only) = choice switch
        {
            JsonValue v when v.ToString() == "required" => ("ANY", null),
            JsonValue v when v.ToString() is "auto" or "none" => (v.ToString().ToUpperInvariant(), null),
            JsonObject o when (string?)o["function"]?["name"] is { } name => ("ANY", name),
            _ => ((string?)null, (string?)null),
        };
        if (mode is null)
        {
            return null;
        }

        var config = new JsonObject { ["mode"] = mode };
        if (only is not null)
        {
            config["allowedFunctionNames"] = new JsonArray(only);
        }

        return new JsonObject { ["functionCallingConfig"] = config };
    }

    public static JsonObject ToCompletion(JsonObject response, string model, string id, long created)
    {
        var (text, finish) = Candidate(response);
        var usage = response["usageMetadata"];
        var calls = ToolCalls(response, 0, withIndex: false);
        var completion = ChatMessages.Completion(
            id, model, created, text, calls is null ? finish ?? "stop" : "tool_calls", (long?)usage?["promptTokenCount"], (long?)usage?["candidatesTokenCount"]);
        if (calls is not null)
        {
            completion["choices"]![0]!["message"]!["tool_calls"] = calls;
        }

        return completion;
    }

    // Gemini's functionCall parts as OpenAI tool calls (Gemini gives calls no id, so one is made), or null for none.
    private static JsonArray? ToolCalls(JsonObject response, int firstIndex, bool withIndex)
    {
        var candidate = (response["candidates"] as JsonArray)?.FirstOrDefault() as JsonObject;
        var calls = (candidate?["content"]?["parts"] as JsonArray ?? []).OfType<JsonObject>().Select(p => p["functionCall"]).OfType<JsonObject>().ToList();
        if (calls.Count == 0)
        {
            return null;
        }

        return new JsonArray([.. calls.Select((c, i) =>
        {
            var call = ChatMessages.ToolCall("call_" + Guid.NewGuid().ToString("N")[..24], (string?)c["name"], c["args"]?.ToJsonString() ?? "{}");
            if (withIndex)
            {
                call["index"] = firstIndex + i;
            }

            return (JsonNode)call;
        })]);
    }

    /// <summary>Gemini streams whole response objects, each with the next piece of text.</summary>
    public static JsonObject ToChunk(JsonObject response, ChatStreamState state)
    {
        var (text, finish) = Candidate(response);
        var delta = new JsonObject { ["content"] = text };
        if (state.Chunks++ == 0)
        {
            delta["role"] = "assistant";
        }

        // Gemini streams each function call whole, in one response.
        if (ToolCalls(response, state.ToolBlocks.Count, withIndex: true) is { } calls)
        {
            delta["tool_calls"] = calls;
            foreach (var call in calls)
            {
                state.ToolBlocks[state.ToolBlocks.Count] = (int)call!["index"]!;
            }

            finish = finish is null ? null : "tool_calls";
        }

        var usage = finish is not null && response["usageMetadata"] is JsonObject u
            ? ChatMessages.Usage((long?)u["promptTokenCount"] ?? 0, (long?)u["candidatesTokenCount"] ?? 0)
            : null;
        return ChatMessages.Chunk(state.Id, state.Model, state.Created, delta, finish, usage);
    }

    private static (string Text, string? FinishReason) Candidate(JsonObject response)
    {
        var candidate = (response["candidates"] as JsonArray)?.FirstOrDefault() as JsonObject;
        var text = string.Concat((candidate?["content"]?["parts"] as JsonArray ?? []).Select(p => (string?)p?["text"]));
        var finish = (string?)candidate?["finishReason"] switch
        {
            null => null,
            "MAX_TOKENS" => "length",
            "SAFETY" or "RECITATION" => "content_filter",
            _ => "stop",
        };
        return (text, finish);
    }
}
