using System.Text;
using System.Text.Json.Nodes;

namespace Braid.Server.Functions;

/// <summary>
/// Braintrust's invoke stream (the SDK's <c>BraintrustStream</c>): server-sent events with an <c>event:</c> and a
/// <c>data:</c> line each — <c>start</c>, <c>text_delta</c> (a JSON string), <c>json_delta</c> (a piece of JSON text),
/// <c>console</c> (<c>{stream, message}</c>), <c>error</c> (a JSON string) and <c>done</c>. Each event is flushed as
/// written. <c>start</c> goes out with the first event, so a request that fails before producing anything (an unknown
/// function, a template error) still gets a plain JSON 4xx. Without a response (a non-streaming invoke) every event is
/// dropped.
/// </summary>
public sealed class InvokeStream(HttpResponse? response)
{
    public static readonly InvokeStream None = new(null);

    public bool Streaming => response is not null;

    /// <summary>Whether anything has been sent, after which errors can only be told as <c>error</c> events.</summary>
    public bool Started { get; private set; }

    /// <summary>Sends <c>start</c> now, for a long run whose first result comes later.</summary>
    public ValueTask StartAsync() => WriteAsync(null, "");

    public ValueTask TextDeltaAsync(string text) => WriteAsync("text_delta", JsonValue.Create(text).ToJsonString());

    public ValueTask JsonDeltaAsync(string json) => WriteAsync("json_delta", json);

    public ValueTask ConsoleAsync(string stream, string message) =>
        WriteAsync("console", new JsonObject { ["stream"] = stream, ["message"] = message }.ToJsonString());

    public ValueTask ErrorAsync(string message) => WriteAsync("error", JsonValue.Create(message).ToJsonString());

    public ValueTask DoneAsync() => WriteAsync("done", "");

    private async ValueTask WriteAsync(string? name, string data)
    {
        if (response is null)
        {
            return;
        }

        var text = new StringBuilder();
        if (!Started)
        {
            Started = true;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            text.Append("event: start\ndata: \n\n");
        }

        if (name is not null)
        {
            text.Append("event: ").Append(name).Append('\n');
            foreach (var line in data.Split('\n'))
            {
                text.Append("data: ").Append(line).Append('\n');
            }

            text.Append('\n');
        }

        await response.WriteAsync(text.ToString(), response.HttpContext.RequestAborted);
        await response.Body.FlushAsync(response.HttpContext.RequestAborted);
    }
}
