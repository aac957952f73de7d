using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Server.Http;

namespace Braid.Server.Sdk;

/// <summary>Which kind of log an exported parent points into (byte 1 of the encoding).</summary>
public enum ExportedParentType
{
    Experiment = 1,
    ProjectLogs = 2,
    PlaygroundLogs = 3,
}

/// <summary>
/// The string <c>span.export()</c>, <c>logger.export()</c> and <c>experiment.export()</c> produce (sdk-protocol §6):
/// base64 of a version byte (3 or 4), the object type, a count of packed ids, the packed ids, then UTF-8 JSON with the
/// other fields. Before the SDK knows the project id it sends <c>compute_object_metadata_args</c> instead of
/// <c>object_id</c>.
/// </summary>
public sealed record ExportedParent(ExportedParentType Type)
{
    // Packed field bytes: V3 packs each as a 16-byte UUID; V4 packs span_id as 8 bytes and root_span_id as 16, in hex.
    private const byte ObjectIdField = 1;
    private const byte RowIdField = 2;
    private const byte SpanIdField = 3;
    private const byte RootSpanIdField = 4;

    public string? ObjectId { get; init; }

    public string? RowId { get; init; }

    public string? SpanId { get; init; }

    public string? RootSpanId { get; init; }

    /// <summary><c>compute_object_metadata_args.project_name</c>: the project to register when the id was not known yet.</summary>
    public string? ProjectName { get; init; }

    /// <summary><c>compute_object_metadata_args.project_id</c>.</summary>
    public string? ProjectId { get; init; }

    /// <summary>The decoded parent, or null when <paramref name="text"/> is not one (wrong base64, version, or layout).</summary>
    public static ExportedParent? TryDecode(string text)
    {
        var bytes = new byte[text.Length];
        if (!Convert.TryFromBase64String(text, bytes, out var length) || length < 3)
        {
            return null;
        }

        var data = bytes.AsSpan(0, length);
        var version = data[0];
        if (version is not (3 or 4) || data[1] is < 1 or > 3)
        {
            return null;
        }

        var ids = new Dictionary<byte, string>();
        var at = 3;
        for (var i = 0; i < data[2]; i++)
        {
            if (at >= data.Length)
            {
                return null;
            }

            var field = data[at++];
            var size = version == 4 && field == SpanIdField ? 8 : 16;
            if (field is < ObjectIdField or > RootSpanIdField || at + size > data.Length)
            {
                return null;
            }

            var raw = data.Slice(at, size);
            at += size;
            ids[field] = version == 4 && field is SpanIdField or RootSpanIdField ? Convert.ToHexStringLower(raw) : Uuid(raw);
        }

        JsonObject? json = null;
        if (at < data.Length)
        {
            try
            {
                json = JsonNode.Parse(Encoding.UTF8.GetString(data[at..])) as JsonObject;
            }
            catch (JsonException)
            {
                return null;
            }

            if (json is null)
            {
                return null;
            }
        }

        var args = json?["compute_object_metadata_args"] as JsonObject;
        return new ExportedParent((ExportedParentType)data[1])
        {
            ObjectId = ids.GetValueOrDefault(ObjectIdField) ?? Text(json, "object_id"),
            RowId = ids.GetValueOrDefault(RowIdField) ?? Text(json, "row_id"),
            SpanId = ids.GetValueOrDefault(SpanIdField) ?? Text(json, "span_id"),
            RootSpanId = ids.GetValueOrDefault(RootSpanIdField) ?? Text(json, "root_span_id"),
            ProjectName = Text(args, "project_name"),
            ProjectId = Text(args, "project_id"),
        };
    }

    // The uuid package's byte order: the 16 bytes in order, hyphenated 8-4-4-4-12 (not .NET's mixed-endian Guid layout).
    private static string Uuid(ReadOnlySpan<byte> raw)
    {
        var hex = Convert.ToHexStringLower(raw);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    private static string? Text(JsonObject? json, string name) => JsonBody.Text(json?[name]);
}
