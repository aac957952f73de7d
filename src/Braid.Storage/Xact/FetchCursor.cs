using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Braid.Storage.Xact;

/// <summary>
/// Where a fetch left off: the last trace returned (its first transaction id and root span id) and, for a
/// snapshot read, the version every page reads at. Sent to clients as an opaque token; the format is
/// persisted in their hands, so it is versioned (<c>"v":1</c>) and pinned by a test.
/// </summary>
public sealed record FetchCursor(long TraceXact, string RootSpanId, long? Version)
{
    private const int FormatVersion = 1;

    public string Encode()
    {
        var json = new JsonObject
        {
            ["v"] = FormatVersion,
            ["x"] = XactId.Format(TraceXact),
            ["r"] = RootSpanId,
            ["s"] = Version is { } v ? XactId.Format(v) : null,
        };
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString()));
    }

    public static FetchCursor? TryDecode(string token)
    {
        try
        {
            var json = JsonNode.Parse(Base64Url.DecodeFromChars(token)) as JsonObject;
            if (json?["v"]?.GetValue<int>() != FormatVersion ||
                !XactId.TryParse((string?)json["x"], out var traceXact) ||
                json["r"] is not JsonValue root || root.GetValueKind() != JsonValueKind.String)
            {
                return null;
            }

            long? version = null;
            if (json["s"] is JsonValue s)
            {
                if (!XactId.TryParse((string?)s, out var parsed))
                {
                    return null;
                }

                version = parsed;
            }

            return new FetchCursor(traceXact, (string)root!, version);
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}
