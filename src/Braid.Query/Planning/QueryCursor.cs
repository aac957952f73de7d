using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Query.Syntax;

namespace Braid.Query.Planning;

/// <summary>How a query's pages continue.</summary>
public enum CursorKind
{
    /// <summary>After the last row's sort key (rows, or traces for the traces and summary shapes): stable while rows arrive.</summary>
    Keyset,

    /// <summary>After a count of rows: for sorts on computed values, where a key can't be compared in SQL alike.</summary>
    Offset,
}

/// <summary>
/// The opaque <c>cursor</c> a page ends with. A persisted format (clients hold it between requests), so it is
/// versioned: base64url of <c>{"v":1,"k":"keyset"|"offset","q":shape,"key":[...]|"offset":n}</c>. A test pins it.
/// </summary>
public sealed record QueryCursor(CursorKind Kind, string Shape, IReadOnlyList<object?> Key, long Offset)
{
    public const int Version = 1;

    public string Encode()
    {
        var json = new JsonObject
        {
            ["v"] = Version,
            ["k"] = Kind == CursorKind.Keyset ? "keyset" : "offset",
            ["q"] = Shape,
        };
        if (Kind == CursorKind.Keyset)
        {
            json["key"] = new JsonArray(Key.Select(k => k switch
            {
                null => null,
                long l => JsonValue.Create(l),
                string s => (JsonNode?)JsonValue.Create(s),
                _ => throw new InvalidOperationException("cursor keys are texts and whole numbers"),
            }).ToArray());
        }
        else
        {
            json["offset"] = Offset;
        }

        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString()));
    }

    /// <summary>Reads a cursor; anything that isn't one this server wrote is a <see cref="QueryError"/> (a 400).</summary>
    public static QueryCursor Decode(string text)
    {
        try
        {
            var json = JsonNode.Parse(Base64Url.DecodeFromChars(text))!.AsObject();
            if ((int?)json["v"] != Version)
            {
                throw new QueryError("the cursor is from another version of the server; start again without it", SourcePosition.Start);
            }

            var shape = (string?)json["q"] ?? throw new FormatException();
            return (string?)json["k"] switch
            {
                "keyset" => new QueryCursor(CursorKind.Keyset, shape, json["key"]!.AsArray().Select(KeyOf).ToList(), 0),
                "offset" => new QueryCursor(CursorKind.Offset, shape, [], (long?)json["offset"] is { } o and >= 0 ? o : throw new FormatException()),
                _ => throw new FormatException(),
            };
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or NullReferenceException or ArgumentException)
        {
            throw new QueryError("the cursor is not one this server returned", SourcePosition.Start);
        }
    }

    private static object? KeyOf(JsonNode? node) => node?.GetValueKind() switch
    {
        null or JsonValueKind.Null => null,
        JsonValueKind.Number => (long)node,
        JsonValueKind.String => (string)node!,
        _ => throw new FormatException(),
    };
}
