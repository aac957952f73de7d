using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Braid.Server.Http;

/// <summary>Control-plane objects are JSON documents end to end, so they are written as they are stored.</summary>
public static class JsonResults
{
    /// <summary>
    /// Escapes only what JSON requires: responses are application/json, never HTML, so user text such as
    /// <c>&lt;b&gt;</c> or an apostrophe comes back as written.
    /// </summary>
    public static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IResult Ok(JsonNode node) =>
        Results.Text(node.ToJsonString(Options), "application/json; charset=utf-8");
}
