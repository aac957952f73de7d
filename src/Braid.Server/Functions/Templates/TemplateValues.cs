using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Braid.Server.Functions.Templates;

/// <summary>A template that cannot be parsed, or (strict mode) names a variable the arguments lack. Invoke answers it with a 400.</summary>
public sealed class TemplateException(string message) : Exception(message);

/// <summary>
/// JSON values seen the way the JavaScript template engines Braintrust uses see them: truthiness, <c>toString</c>,
/// <c>JSON.stringify</c>, and property paths (with <c>length</c> on strings and arrays).
/// </summary>
public static class TemplateValues
{
    private static readonly JsonSerializerOptions Stringify = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Follows <paramref name="path"/> from <paramref name="root"/>; false when a step is missing (a JSON null that exists is found).</summary>
    public static bool TryPath(JsonNode? root, IReadOnlyList<string> path, out JsonNode? value)
    {
        value = root;
        foreach (var step in path)
        {
            switch (value)
            {
                case JsonObject obj when obj.TryGetPropertyValue(step, out var next):
                    value = next;
                    break;
                case JsonArray array when int.TryParse(step, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < array.Count:
                    value = array[index];
                    break;
                case JsonArray array when step == "length":
                    value = array.Count;
                    break;
                case JsonValue text when step == "length" && IsString(text, out var s):
                    value = s.Length;
                    break;
                default:
                    value = null;
                    return false;
            }
        }

        return true;
    }

    public static bool IsString(JsonNode? node, out string text)
    {
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            text = v.GetValue<string>();
            return true;
        }

        text = "";
        return false;
    }

    public static bool IsNumber(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number;

    /// <summary>JavaScript truthiness: null, false, 0, NaN and "" are false; arrays and objects (even empty) are true.</summary>
    public static bool Truthy(JsonNode? node) => node switch
    {
        null => false,
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.False or JsonValueKind.Null or JsonValueKind.Undefined => false,
            JsonValueKind.String => v.GetValue<string>().Length > 0,
            JsonValueKind.Number => Number(v) is var d && d != 0 && !double.IsNaN(d),
            _ => true,
        },
        _ => true,
    };

    /// <summary>The value as a number (JSON numbers only, however they were created); NaN otherwise.</summary>
    public static double Number(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            ? v.TryGetValue<double>(out var d) ? d : double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture)
            : double.NaN;

    /// <summary>JavaScript's <c>String(value)</c>: arrays join their items with commas, objects are <c>[object Object]</c>.</summary>
    public static string ToText(JsonNode? node) => node switch
    {
        null => "",
        JsonArray array => string.Join(",", array.Select(item => item is null ? "" : ToText(item))),
        JsonObject => "[object Object]",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.Number => NumberText(Number(v)),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => "null",
        },
        _ => node.ToJsonString(),
    };

    /// <summary>JavaScript's number formatting for the common cases: integers without a point, others shortest round-trip.</summary>
    public static string NumberText(double d) =>
        double.IsNaN(d) ? "NaN"
        : double.IsInfinity(d) ? d > 0 ? "Infinity" : "-Infinity"
        : d == Math.Floor(d) && Math.Abs(d) < 1e21 ? d.ToString("0", CultureInfo.InvariantCulture)
        : d.ToString("R", CultureInfo.InvariantCulture);

    /// <summary><c>JSON.stringify(value)</c>: compact, with non-ASCII text left as it is.</summary>
    public static string Json(JsonNode? node) => node is null ? "null" : node.ToJsonString(Stringify);
}
