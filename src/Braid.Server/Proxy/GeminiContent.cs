using System.Text.Json.Nodes;
using Braid.Server.Http;

namespace Braid.Server.Proxy;

/// <summary>
/// OpenAI chat completions to and from Gemini's <c>generateContent</c> / <c>streamGenerateContent?alt=sse</c>:
/// system messages become <c>systemInstruction</c>, assistant turns the <c>model</c> role, sampling settings
/// <c>generationConfig</c>.
/// </summary>
public static class GeminiContent
{
    public static JsonObject ToRequest(JsonObject chat)
    {
        var system = new JsonArray();
        var contents = new JsonArray();
        foreach (var message in ChatMessages.Messages(chat))
        {
            var role = (string?)message?["role"];
            var part = new JsonObject { ["text"] = ChatMessages.Text(message?["content"]) };
            switch (role)
            {
                case "system" or "developer":
                    system.Add(part);
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

        return request;
    }

    public static JsonObject ToCompletion(JsonObject response, string model, string id, long created)
    {
        var (text, finish) = Candidate(response);
        var usage = response["usageMetadata"];
        return ChatMessages.Completion(
            id, model, created, text, finish ?? "stop", (long?)usage?["promptTokenCount"], (long?)usage?["candidatesTokenCount"]);
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
