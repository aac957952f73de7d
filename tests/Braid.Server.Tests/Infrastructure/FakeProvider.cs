using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Braid.Server.Tests.Infrastructure;

/// <summary>One request the fake provider received, as it arrived.</summary>
public sealed record FakeRequest(string Path, string Query, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public JsonObject Json => JsonNode.Parse(Body)!.AsObject();
}

/// <summary>
/// A stand-in for the LLM providers on loopback (real Kestrel, port 0): OpenAI's chat/completions (plain and SSE),
/// completions, embeddings and moderations under <c>/v1</c>, Anthropic's <c>/v1/messages</c> (plain and SSE) and
/// Gemini's <c>/v1beta/models/{model}:generateContent</c> and <c>:streamGenerateContent?alt=sse</c>. Answers are
/// derived from the request — the reply is <c>echo: </c> + the last user message, streamed a word per chunk — so tests
/// can predict them; a last message <c>fail:NNN</c> answers status NNN with the provider's error shape. A request that
/// forces a tool (OpenAI, Anthropic or Gemini) gets a call to it (see <see cref="ToolArguments"/>), and a JSON response format
/// gets <c>{"answer": echo}</c>. Every request
/// is recorded with its headers for tests to check what the proxy sent. Also used by the proxy benchmark.
/// </summary>
public sealed class FakeProvider : IAsyncDisposable
{
    private WebApplication _app = null!;

    private FakeProvider()
    {
    }

    public ConcurrentQueue<FakeRequest> Requests { get; } = new();

    /// <summary>The base URL, e.g. http://127.0.0.1:41234 (OpenAI and Anthropic under /v1, Gemini under /v1beta).</summary>
    public string Url { get; private set; } = "";

    /// <summary>When false, requests are answered without being recorded (the benchmark's steady state).</summary>
    public bool Record { get; set; } = true;

    /// <summary>When set, a stream stops after its first chunk until this completes: proof that the proxy does not wait for the end.</summary>
    public TaskCompletionSource? Hold { get; set; }

    public static async Task<FakeProvider> StartAsync()
    {
        var fake = new FakeProvider();
        (fake._app, fake.Url) = await LoopbackServer.StartAsync(app => app.MapPost("/{**path}", fake.AnswerAsync));
        return fake;
    }

    /// <summary>The last request to a path ending in <paramref name="pathSuffix"/>.</summary>
    public FakeRequest Last(string pathSuffix) => Requests.Last(r => r.Path.EndsWith(pathSuffix, StringComparison.Ordinal));

    /// <summary>The answer text the fake gives to a last user message.</summary>
    public static string Reply(string lastUserText) => "echo: " + lastUserText;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task AnswerAsync(HttpContext http, string path)
    {
        var body = await new StreamReader(http.Request.Body, Encoding.UTF8).ReadToEndAsync();
        if (Record)
        {
            var headers = http.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
            Requests.Enqueue(new FakeRequest("/" + path, http.Request.QueryString.Value ?? "", headers, body));
        }

        var request = JsonNode.Parse(body) as JsonObject ?? [];
        var stream = (bool?)request["stream"] == true;
        if (path.StartsWith("v1beta/models/", StringComparison.Ordinal))
        {
            var text = LastText(request["contents"], "parts");
            if (await FailedAsync(http, text, google: true))
            {
                return;
            }

            var forced = (string?)request["toolConfig"]?["functionCallingConfig"]?["allowedFunctionNames"]?[0];
            var declared = (request["tools"]?[0]?["functionDeclarations"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(f => (string?)f["name"] == forced);
            if (declared is not null)
            {
                // Gemini answers a forced function with a functionCall part, whole, streamed or not.
                var call = new JsonObject
                {
                    ["candidates"] = new JsonArray(new JsonObject
                    {
                        ["content"] = new JsonObject { ["role"] = "model", ["parts"] = new JsonArray(new JsonObject { ["functionCall"] = new JsonObject { ["name"] = forced, ["args"] = ToolArguments(declared["parameters"], text) } }) },
                        ["finishReason"] = "STOP", ["index"] = 0,
                    }),
                    ["usageMetadata"] = new JsonObject { ["promptTokenCount"] = 4, ["candidatesTokenCount"] = 3, ["totalTokenCount"] = 7 },
                };
                if (path.EndsWith(":streamGenerateContent", StringComparison.Ordinal))
                {
                    http.Response.ContentType = "text/event-stream";
                    await SendAsync(http, null, call);
                }
                else
                {
                    await Results.Json(call).ExecuteAsync(http);
                }

                return;
            }

            await GeminiAsync(http, path.EndsWith(":streamGenerateContent", StringComparison.Ordinal), text, Words(request["contents"]));
            return;
        }

        switch (path)
        {
            case "v1/chat/completions":
            {
                var text = LastText(request["messages"], "content");
                if (await FailedAsync(http, text, google: false))
                {
                    return;
                }

                // A tool's result is answered with what the tool said; "call:NAME" asks for a tool on offer.
                if ((request["messages"] as JsonArray)?.LastOrDefault() is JsonObject { } last && (string?)last["role"] == "tool")
                {
                    await OpenAIAsync(http, request, stream, "tool said: " + (string?)last["content"], Words(request["messages"]), chat: true);
                    return;
                }

                if ((ForcedTool(request) ?? CalledTool(request, text)) is { } tool)
                {
                    await ToolCallAsync(http, request, stream, tool, text, Words(request["messages"]));
                    return;
                }

                // A JSON response format gets JSON back: the echo wrapped in an object.
                var reply = (string?)request["response_format"]?["type"] is "json_object" or "json_schema"
                    ? new JsonObject { ["answer"] = Reply(text) }.ToJsonString()
                    : Reply(text);
                await OpenAIAsync(http, request, stream, reply, Words(request["messages"]), chat: true);
                return;
            }

            case "v1/completions":
            {
                var text = (string?)request["prompt"] ?? "";
                if (!await FailedAsync(http, text, google: false))
                {
                    await OpenAIAsync(http, request, stream, Reply(text), Count(text), chat: false);
                }

                return;
            }

            case "v1/messages":
            {
                var text = LastText(request["messages"], "content");
                if (await FailedAsync(http, text, google: false))
                {
                    return;
                }

                var named = (string?)request["tool_choice"]?["type"] == "tool" ? (string?)request["tool_choice"]?["name"] : null;
                if ((request["tools"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(t => (string?)t["name"] == named) is { } anthropicTool)
                {
                    await AnthropicToolAsync(http, stream, anthropicTool, text);
                    return;
                }

                await AnthropicAsync(http, request, stream, Reply(text), Words(request["messages"]) + Count((string?)request["system"] ?? ""));
                return;
            }

            case "v1/embeddings":
            {
                var inputs = request["input"] is JsonArray many ? many.Select(i => (string?)i ?? "").ToList() : [(string?)request["input"] ?? ""];
                var data = new JsonArray(inputs.Select((input, i) => (JsonNode)new JsonObject
                {
                    ["object"] = "embedding",
                    ["index"] = i,
                    ["embedding"] = new JsonArray(input.Length, input.Sum(c => c) % 997, Count(input)),
                }).ToArray());
                await Results.Json(new JsonObject
                {
                    ["object"] = "list", ["data"] = data, ["model"] = (string?)request["model"],
                    ["usage"] = new JsonObject { ["prompt_tokens"] = inputs.Sum(Count), ["total_tokens"] = inputs.Sum(Count) },
                }).ExecuteAsync(http);
                return;
            }

            case "v1/moderations":
            {
                var input = (string?)request["input"] ?? "";
                await Results.Json(new JsonObject
                {
                    ["id"] = "modr-fake", ["model"] = (string?)request["model"],
                    ["results"] = new JsonArray(new JsonObject { ["flagged"] = input.Contains("bad", StringComparison.Ordinal) }),
                }).ExecuteAsync(http);
                return;
            }

            default:
                await Results.Json(new JsonObject { ["path"] = "/" + path, ["received"] = request.DeepClone() }).ExecuteAsync(http);
                return;
        }
    }

    // tool_choice naming one function: the fake calls it.
    private static JsonObject? ForcedTool(JsonObject request)
    {
        var name = (string?)request["tool_choice"]?["function"]?["name"];
        return name is null ? null : (request["tools"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(t => (string?)t["function"]?["name"] == name);
    }

    private static JsonObject? CalledTool(JsonObject request, string text) =>
        (request["tools"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(t => text.Contains("call:" + (string?)t["function"]?["name"], StringComparison.Ordinal));

    /// <summary>
    /// Answers a forced tool call. Each argument with an <c>enum</c> takes the value the last user message names as
    /// <c>choose:VALUE</c> (the first value otherwise); other arguments get the echo text.
    /// </summary>
    private static async Task ToolCallAsync(HttpContext http, JsonObject request, bool stream, JsonObject tool, string text, int promptTokens)
    {
        var arguments = ToolArguments(tool["function"]?["parameters"], text);
        var call = new JsonObject
        {
            ["id"] = "call_fake", ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = (string?)tool["function"]!["name"], ["arguments"] = arguments.ToJsonString() },
        };
        var usage = new JsonObject { ["prompt_tokens"] = promptTokens, ["completion_tokens"] = 5, ["total_tokens"] = promptTokens + 5 };
        var model = (string?)request["model"];
        if (!stream)
        {
            await Results.Json(new JsonObject
            {
                ["id"] = "fake-tool", ["object"] = "chat.completion", ["created"] = 1700000000, ["model"] = model, ["usage"] = usage,
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0, ["finish_reason"] = "tool_calls",
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = null, ["tool_calls"] = new JsonArray(call) },
                }),
            }).ExecuteAsync(http);
            return;
        }

        // Streamed as OpenAI does: the call's id and name first, then its arguments in two pieces.
        http.Response.ContentType = "text/event-stream";
        var json = (string)call["function"]!["arguments"]!;
        JsonObject Chunk(JsonObject toolDelta, string? finish) => new()
        {
            ["id"] = "fake-tool", ["object"] = "chat.completion.chunk", ["created"] = 1700000000, ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0, ["finish_reason"] = finish,
                ["delta"] = new JsonObject { ["tool_calls"] = new JsonArray(toolDelta) },
            }),
        };
        await SendAsync(http, null, Chunk(new JsonObject { ["index"] = 0, ["id"] = "call_fake", ["type"] = "function", ["function"] = new JsonObject { ["name"] = (string?)call["function"]!["name"], ["arguments"] = "" } }, null));
        await SendAsync(http, null, Chunk(new JsonObject { ["index"] = 0, ["function"] = new JsonObject { ["arguments"] = json[..(json.Length / 2)] } }, null));
        await SendAsync(http, null, Chunk(new JsonObject { ["index"] = 0, ["function"] = new JsonObject { ["arguments"] = json[(json.Length / 2)..] } }, "tool_calls"));
        if ((bool?)request["stream_options"]?["include_usage"] == true)
        {
            await SendAsync(http, null, new JsonObject { ["id"] = "fake-tool", ["object"] = "chat.completion.chunk", ["choices"] = new JsonArray(), ["usage"] = usage });
        }

        await http.Response.WriteAsync("data: [DONE]\n\n");
    }

    private static JsonObject ToolArguments(JsonNode? parameters, string text)
    {
        var arguments = new JsonObject();
        foreach (var (name, schema) in parameters?["properties"] as JsonObject ?? [])
        {
            if (schema?["enum"] is JsonArray choices)
            {
                var named = choices.Select(c => (string?)c).FirstOrDefault(c => text.Contains("choose:" + c, StringComparison.Ordinal));
                arguments[name] = named ?? (string?)choices[0];
            }
            else
            {
                arguments[name] = Reply(text);
            }
        }

        return arguments;
    }

    /// <summary>Anthropic's answer to a forced tool: a tool_use block, streamed as content_block_start and two input_json_delta pieces.</summary>
    private static async Task AnthropicToolAsync(HttpContext http, bool stream, JsonObject tool, string text)
    {
        var input = ToolArguments(tool["input_schema"], text);
        var usage = new JsonObject { ["input_tokens"] = 7, ["output_tokens"] = 5 };
        if (!stream)
        {
            await Results.Json(new JsonObject
            {
                ["id"] = "msg_tool", ["type"] = "message", ["role"] = "assistant", ["stop_reason"] = "tool_use", ["usage"] = usage,
                ["content"] = new JsonArray(new JsonObject { ["type"] = "tool_use", ["id"] = "toolu_fake", ["name"] = (string?)tool["name"], ["input"] = input }),
            }).ExecuteAsync(http);
            return;
        }

        http.Response.ContentType = "text/event-stream";
        var json = input.ToJsonString();
        await SendAsync(http, "message_start", new JsonObject { ["type"] = "message_start", ["message"] = new JsonObject { ["id"] = "msg_tool", ["usage"] = new JsonObject { ["input_tokens"] = 7 } } });
        await SendAsync(http, "content_block_start", new JsonObject
        {
            ["type"] = "content_block_start", ["index"] = 0,
            ["content_block"] = new JsonObject { ["type"] = "tool_use", ["id"] = "toolu_fake", ["name"] = (string?)tool["name"], ["input"] = new JsonObject() },
        });
        foreach (var piece in new[] { json[..(json.Length / 2)], json[(json.Length / 2)..] })
        {
            await SendAsync(http, "content_block_delta", new JsonObject { ["type"] = "content_block_delta", ["index"] = 0, ["delta"] = new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = piece } });
        }

        await SendAsync(http, "content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = 0 });
        await SendAsync(http, "message_delta", new JsonObject { ["type"] = "message_delta", ["delta"] = new JsonObject { ["stop_reason"] = "tool_use" }, ["usage"] = new JsonObject { ["output_tokens"] = 5 } });
        await SendAsync(http, "message_stop", new JsonObject { ["type"] = "message_stop" });
    }

    private async Task OpenAIAsync(HttpContext http, JsonObject request, bool stream, string reply, int promptTokens, bool chat)
    {
        var model = (string?)request["model"];
        var usage = new JsonObject { ["prompt_tokens"] = promptTokens, ["completion_tokens"] = Count(reply), ["total_tokens"] = promptTokens + Count(reply) };
        var kind = chat ? "chat.completion" : "text_completion";
        if (!stream)
        {
            JsonObject choice = chat
                ? new() { ["index"] = 0, ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = reply }, ["finish_reason"] = "stop" }
                : new() { ["index"] = 0, ["text"] = reply, ["finish_reason"] = "stop" };
            await Results.Json(new JsonObject
            {
                ["id"] = "fake-1", ["object"] = kind, ["created"] = 1700000000, ["model"] = model, ["choices"] = new JsonArray(choice), ["usage"] = usage,
            }).ExecuteAsync(http);
            return;
        }

        http.Response.ContentType = "text/event-stream";
        var chunkKind = chat ? "chat.completion.chunk" : "text_completion";
        var pieces = Pieces(reply);
        for (var i = 0; i <= pieces.Count; i++)
        {
            var last = i == pieces.Count;
            JsonObject choice = chat
                ? new() { ["index"] = 0, ["delta"] = last ? new JsonObject() : i == 0 ? new JsonObject { ["role"] = "assistant", ["content"] = pieces[i] } : new JsonObject { ["content"] = pieces[i] }, ["finish_reason"] = last ? "stop" : null }
                : new() { ["index"] = 0, ["text"] = last ? "" : pieces[i], ["finish_reason"] = last ? "stop" : null };
            await SendAsync(http, null, new JsonObject
            {
                ["id"] = "fake-1", ["object"] = chunkKind, ["created"] = 1700000000, ["model"] = model, ["choices"] = new JsonArray(choice),
            });
            if (i == 0 && Hold is { } hold)
            {
                await hold.Task;
            }
        }

        if ((bool?)request["stream_options"]?["include_usage"] == true)
        {
            await SendAsync(http, null, new JsonObject { ["id"] = "fake-1", ["object"] = chunkKind, ["choices"] = new JsonArray(), ["usage"] = usage });
        }

        await http.Response.WriteAsync("data: [DONE]\n\n");
    }

    private async Task AnthropicAsync(HttpContext http, JsonObject request, bool stream, string reply, int promptTokens)
    {
        if (!stream)
        {
            await Results.Json(new JsonObject
            {
                ["id"] = "msg_fake", ["type"] = "message", ["role"] = "assistant", ["model"] = (string?)request["model"],
                ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = reply }),
                ["stop_reason"] = "end_turn",
                ["usage"] = new JsonObject { ["input_tokens"] = promptTokens, ["output_tokens"] = Count(reply) },
            }).ExecuteAsync(http);
            return;
        }

        http.Response.ContentType = "text/event-stream";
        await SendAsync(http, "message_start", new JsonObject
        {
            ["type"] = "message_start",
            ["message"] = new JsonObject { ["id"] = "msg_fake", ["type"] = "message", ["role"] = "assistant", ["content"] = new JsonArray(), ["usage"] = new JsonObject { ["input_tokens"] = promptTokens, ["output_tokens"] = 0 } },
        });
        await SendAsync(http, "content_block_start", new JsonObject { ["type"] = "content_block_start", ["index"] = 0, ["content_block"] = new JsonObject { ["type"] = "text", ["text"] = "" } });
        foreach (var piece in Pieces(reply))
        {
            await SendAsync(http, "content_block_delta", new JsonObject { ["type"] = "content_block_delta", ["index"] = 0, ["delta"] = new JsonObject { ["type"] = "text_delta", ["text"] = piece } });
            if (Hold is { } hold)
            {
                await hold.Task;
            }
        }

        await SendAsync(http, "content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = 0 });
        await SendAsync(http, "message_delta", new JsonObject { ["type"] = "message_delta", ["delta"] = new JsonObject { ["stop_reason"] = "end_turn" }, ["usage"] = new JsonObject { ["output_tokens"] = Count(reply) } });
        await SendAsync(http, "message_stop", new JsonObject { ["type"] = "message_stop" });
    }

    private static async Task GeminiAsync(HttpContext http, bool stream, string text, int promptTokens)
    {
        var reply = Reply(text);
        JsonObject Response(string piece, bool last)
        {
            var candidate = new JsonObject { ["content"] = new JsonObject { ["role"] = "model", ["parts"] = new JsonArray(new JsonObject { ["text"] = piece }) }, ["index"] = 0 };
            var response = new JsonObject { ["candidates"] = new JsonArray(candidate) };
            if (last)
            {
                candidate["finishReason"] = "STOP";
                response["usageMetadata"] = new JsonObject { ["promptTokenCount"] = promptTokens, ["candidatesTokenCount"] = Count(reply), ["totalTokenCount"] = promptTokens + Count(reply) };
            }

            return response;
        }

        if (!stream)
        {
            await Results.Json(Response(reply, last: true)).ExecuteAsync(http);
            return;
        }

        http.Response.ContentType = "text/event-stream";
        var pieces = Pieces(reply);
        for (var i = 0; i < pieces.Count; i++)
        {
            await SendAsync(http, null, Response(pieces[i], i == pieces.Count - 1));
        }
    }

    private static async Task<bool> FailedAsync(HttpContext http, string text, bool google)
    {
        if (!text.StartsWith("fail:", StringComparison.Ordinal) || !int.TryParse(text[5..], out var status))
        {
            return false;
        }

        http.Response.StatusCode = status;
        var error = google
            ? new JsonObject { ["code"] = status, ["message"] = "fake failure", ["status"] = "FAILED_PRECONDITION" }
            : new JsonObject { ["message"] = "fake failure", ["type"] = "fake_error", ["code"] = status };
        await Results.Json(new JsonObject { ["error"] = error }, statusCode: status).ExecuteAsync(http);
        return true;
    }

    private static async Task SendAsync(HttpContext http, string? eventName, JsonObject data)
    {
        var text = (eventName is null ? "" : $"event: {eventName}\n") + "data: " + data.ToJsonString() + "\n\n";
        await http.Response.WriteAsync(text);
        await http.Response.Body.FlushAsync();
    }

    // The reply in pieces a word long (each but the first keeps its leading space), so joining them gives it back.
    private static List<string> Pieces(string reply)
    {
        var words = reply.Split(' ');
        return words.Select((w, i) => i == 0 ? w : " " + w).ToList();
    }

    private static string LastText(JsonNode? messages, string contentField)
    {
        var last = (messages as JsonArray)?.LastOrDefault(m => (string?)m?["role"] is null or "user");
        return last?[contentField] switch
        {
            JsonValue v => v.ToString(),
            JsonArray parts => string.Concat(parts.Select(p => (string?)p?["text"])),
            _ => "",
        };
    }

    private static int Words(JsonNode? messages) =>
        (messages as JsonArray)?.Sum(m => m?["content"] is JsonValue v ? Count(v.ToString()) : m?["parts"] is JsonArray parts ? parts.Sum(p => Count((string?)p?["text"] ?? "")) : 0) ?? 0;

    private static int Count(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
}
