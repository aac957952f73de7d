using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Braid.Server.Functions.Scorers;

/// <summary>A JSON value as JavaScript sees it, with <c>undefined</c> for an argument that was left out.</summary>
internal readonly record struct JsArg(JsonNode? Node, bool Defined = true)
{
    public static readonly JsArg Undefined = new(null, false);
    public bool IsNullish => !Defined || Node is null;
}

/// <summary>
/// The few JavaScript operations autoevals' heuristic scorers rely on, over JSON values: <c>`${x}`</c>,
/// <c>Number(x)</c>, <c>JSON.stringify</c> and <c>JSON.parse</c>, with JavaScript's number formatting and
/// property order. Scores must match autoevals to the last digit, so these follow the ECMAScript rules rather than
/// .NET's conversions.
/// </summary>
internal static class JsSemantics
{
    public static JsonValueKind Kind(JsonNode? node) => node?.GetValueKind() ?? JsonValueKind.Null;

    public static double NumberOf(JsonNode node) =>
        double.Parse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary><c>`${value}`</c>: arrays join their elements with commas, objects are "[object Object]".</summary>
    public static string ToJsString(JsArg value)
    {
        if (!value.Defined) return "undefined";
        return ToJsString(value.Node);
    }

    private static string ToJsString(JsonNode? node) => Kind(node) switch
    {
        JsonValueKind.Null => "null",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Number => NumberToString(NumberOf(node!)),
        JsonValueKind.String => node!.GetValue<string>(),
        JsonValueKind.Array => string.Join(',', node!.AsArray().Select(e => e is null ? "" : ToJsString(e))),
        _ => "[object Object]",
    };

    /// <summary>ECMAScript Number::toString: the shortest digits that round-trip, in plain or exponent form.</summary>
    public static string NumberToString(double d)
    {
        if (double.IsNaN(d)) return "NaN";
        if (d == 0) return "0";
        if (double.IsInfinity(d)) return d > 0 ? "Infinity" : "-Infinity";
        // "R" gives the shortest round-trip digits; take them apart into digits and a decimal exponent.
        var r = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);
        var exponent = 0;
        var e = r.IndexOf('E');
        if (e >= 0)
        {
            exponent = int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..e];
        }
        var point = r.IndexOf('.');
        var digits = point < 0 ? r : r.Remove(point, 1);
        var n = (point < 0 ? r.Length : point) + exponent; // the value is 0.digits × 10^n
        var leading = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        n -= leading;
        var k = digits.Length;

        var text = new StringBuilder(d < 0 ? "-" : "");
        if (k <= n && n <= 21) text.Append(digits).Append('0', n - k);
        else if (0 < n && n <= 21) text.Append(digits, 0, n).Append('.').Append(digits, n, k - n);
        else if (-6 < n && n <= 0) text.Append("0.").Append('0', -n).Append(digits);
        else
        {
            text.Append(digits[0]);
            if (k > 1) text.Append('.').Append(digits, 1, k - 1);
            text.Append('e').Append(n - 1 >= 0 ? '+' : '-').Append(Math.Abs(n - 1).ToString(CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }

    /// <summary><c>Number(value)</c> (what <c>a - b</c> and <c>Math.abs</c> do to their operands).</summary>
    public static double ToNumber(JsArg value)
    {
        if (!value.Defined) return double.NaN;
        var node = value.Node;
        return Kind(node) switch
        {
            JsonValueKind.Null => 0,
            JsonValueKind.True => 1,
            JsonValueKind.False => 0,
            JsonValueKind.Number => NumberOf(node!),
            JsonValueKind.String => StringToNumber(node!.GetValue<string>()),
            JsonValueKind.Array => StringToNumber(ToJsString(node)),
            _ => double.NaN,
        };
    }

    private static double StringToNumber(string s)
    {
        var t = s.AsSpan().Trim(); // .NET's white space is JavaScript's, near enough
        if (t.IsEmpty) return 0;
        if (t is "Infinity" or "+Infinity") return double.PositiveInfinity;
        if (t is "-Infinity") return double.NegativeInfinity;
        if (t.Length > 2 && t[0] == '0' && char.ToLowerInvariant(t[1]) is 'x' or 'o' or 'b')
        {
            var radix = char.ToLowerInvariant(t[1]) switch { 'x' => 16, 'o' => 8, _ => 2 };
            var value = BigInteger.Zero;
            foreach (var c in t[2..])
            {
                var digit = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiLetter(c) ? char.ToLowerInvariant(c) - 'a' + 10 : 99;
                if (digit >= radix) return double.NaN;
                value = value * radix + digit;
            }
            return (double)value;
        }
        // A decimal literal: digits, an optional fraction and exponent; no hex floats, separators or trailing text.
        foreach (var c in t)
        {
            if (!char.IsAsciiDigit(c) && c is not ('.' or 'e' or 'E' or '+' or '-')) return double.NaN;
        }
        return double.TryParse(t, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
            CultureInfo.InvariantCulture, out var number) ? number : double.NaN;
    }

    /// <summary><c>JSON.parse(text)</c>, or null when it would throw. (Returns the JSON null literal as a null node
    /// with <paramref name="parsed"/> true.)</summary>
    public static JsonNode? TryParseJson(string text, out bool parsed)
    {
        try
        {
            var node = JsonNode.Parse(text);
            // JsonObject rejects duplicate keys only when first read: read them all now, so text JSON.parse would
            // take ("last one wins") counts as not parseable here instead of failing later.
            Materialize(node);
            parsed = true;
            return node;
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
        {
            parsed = false;
            return null;
        }
    }

    private static void Materialize(JsonNode? node)
    {
        if (node is JsonObject o)
        {
            foreach (var (_, value) in o) Materialize(value);
        }
        else if (node is JsonArray a)
        {
            foreach (var value in a) Materialize(value);
        }
    }

    /// <summary><c>JSON.stringify(value)</c>; with <paramref name="sortKeys"/>, as autoevals' replacer that rebuilds
    /// each object from its sorted keys (after which JavaScript still lists integer-like keys first).</summary>
    public static string Stringify(JsonNode? node, bool sortKeys = false)
    {
        var text = new StringBuilder();
        Write(text, node, sortKeys);
        return text.ToString();
    }

    private static void Write(StringBuilder text, JsonNode? node, bool sortKeys)
    {
        switch (Kind(node))
        {
            case JsonValueKind.Null:
                text.Append("null");
                break;
            case JsonValueKind.True:
                text.Append("true");
                break;
            case JsonValueKind.False:
                text.Append("false");
                break;
            case JsonValueKind.Number:
                var number = NumberOf(node!);
                text.Append(double.IsFinite(number) ? NumberToString(number) : "null");
                break;
            case JsonValueKind.String:
                Quote(text, node!.GetValue<string>());
                break;
            case JsonValueKind.Array:
                text.Append('[');
                var first = true;
                foreach (var element in node!.AsArray())
                {
                    if (!first) text.Append(',');
                    first = false;
                    Write(text, element, sortKeys);
                }
                text.Append(']');
                break;
            default:
                var o = node!.AsObject();
                text.Append('{');
                var firstKey = true;
                foreach (var key in Keys(o, sortKeys))
                {
                    if (!firstKey) text.Append(',');
                    firstKey = false;
                    Quote(text, key);
                    text.Append(':');
                    Write(text, o[key], sortKeys);
                }
                text.Append('}');
                break;
        }
    }

    /// <summary><c>Object.keys</c> order: integer-like keys ascending, then the others in insertion order (or sorted
    /// by UTF-16 code units, as <c>Array.prototype.sort</c> does).</summary>
    public static List<string> Keys(JsonObject o, bool sortOthers = false)
    {
        var indices = new List<(uint Index, string Key)>();
        var others = new List<string>();
        foreach (var (key, _) in o)
        {
            if (IsArrayIndex(key, out var index)) indices.Add((index, key));
            else others.Add(key);
        }
        indices.Sort((a, b) => a.Index.CompareTo(b.Index));
        if (sortOthers) others.Sort(StringComparer.Ordinal);
        var keys = new List<string>(indices.Count + others.Count);
        foreach (var (_, key) in indices) keys.Add(key);
        keys.AddRange(others);
        return keys;
    }

    private static bool IsArrayIndex(string key, out uint index)
    {
        index = 0;
        if (key.Length == 0 || key.Length > 10 || (key.Length > 1 && key[0] == '0')) return false;
        foreach (var c in key)
        {
            if (!char.IsAsciiDigit(c)) return false;
        }
        return uint.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out index) && index != uint.MaxValue;
    }

    private static void Quote(StringBuilder text, string s)
    {
        text.Append('"');
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    var loneSurrogate = char.IsHighSurrogate(c) ? i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1])
                        : char.IsLowSurrogate(c) && (i == 0 || !char.IsHighSurrogate(s[i - 1]));
                    if (c < 0x20 || loneSurrogate) text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else text.Append(c);
                    break;
            }
        }
        text.Append('"');
    }
}
