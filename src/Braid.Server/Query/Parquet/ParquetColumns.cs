using System.Runtime.InteropServices;
using System.Text.Json;

namespace Braid.Server.Query.Parquet;

/// <summary>The columns of a Parquet file of rows: inferred from a page of query results, or fixed for event rows.</summary>
public static class ParquetColumns
{
    // Doubles hold every integer up to 2^53 exactly; past it, a Double column would change the digits.
    private const long MaxExactDouble = 1L << 53;

    /// <summary>
    /// One column per top-level key of <paramref name="rows"/> (JSON objects), in first-seen order. A key whose
    /// non-null values are all strings is <see cref="ParquetKind.String"/>; all integers that fit a long,
    /// <see cref="ParquetKind.Int64"/>; all numbers, <see cref="ParquetKind.Double"/> (unless an integer among them
    /// is too large for a double to keep exactly); all booleans, <see cref="ParquetKind.Boolean"/>. Anything else
    /// (objects, arrays, mixed kinds, numbers outside a double's range) is <see cref="ParquetKind.Json"/>, so every
    /// value of the page fits its column unchanged. A key that is only ever null is a String column.
    /// </summary>
    /// <remarks>No rows means no columns, and Parquet.Net cannot write a file without one: a caller with an empty
    /// result names its columns itself.</remarks>
    public static IReadOnlyList<ParquetColumn> Infer(IReadOnlyList<JsonElement> rows)
    {
        var order = new List<string>();
        var seen = new Dictionary<string, Seen>(StringComparer.Ordinal);
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i].ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException($"row {i} is a JSON {rows[i].ValueKind}, not an object", nameof(rows));
            }

            foreach (var property in rows[i].EnumerateObject())
            {
                if (!seen.TryGetValue(property.Name, out var kinds))
                {
                    order.Add(property.Name);
                }

                seen[property.Name] = kinds | Classify(property.Value);
            }
        }

        var columns = new ParquetColumn[order.Count];
        for (var i = 0; i < columns.Length; i++)
        {
            columns[i] = new ParquetColumn(order[i], KindOf(seen[order[i]]));
        }

        return columns;
    }

    /// <summary>
    /// The columns of a span or event row of project logs, experiments and datasets, for whole-log exports: the
    /// identity and placement fields as text, <c>is_root</c> as a boolean, the content fields as JSON, and
    /// <c>extra</c> holding any other top-level field a row has.
    /// </summary>
    public static IReadOnlyList<ParquetColumn> EventRow { get; } =
    [
        .. new[]
        {
            "id", "_xact_id", "_pagination_key", "created", "org_id", "project_id", "experiment_id", "dataset_id",
            "log_id", "span_id", "root_span_id",
        }.Select(name => new ParquetColumn(name, ParquetKind.String)),
        new ParquetColumn("is_root", ParquetKind.Boolean),
        .. new[]
        {
            "span_parents", "input", "output", "expected", "error", "scores", "metrics", "metadata", "tags",
            "span_attributes", "context", "origin", "comments", "audit_data",
        }.Select(name => new ParquetColumn(name, ParquetKind.Json)),
        new ParquetColumn("extra", ParquetKind.Json) { HoldsOtherFields = true },
    ];

    /// <summary>The kinds of value a key was seen with.</summary>
    [Flags]
    private enum Seen
    {
        None = 0,
        String = 1,
        Boolean = 2,

        /// <summary>An integer that fits a long and that a double holds exactly.</summary>
        Integer = 4,

        /// <summary>An integer that fits a long but that a double would round.</summary>
        WideInteger = 8,

        /// <summary>A number with a fraction or exponent, within a double's range.</summary>
        Fraction = 16,

        /// <summary>An object, an array, or a number that only JSON text keeps exactly.</summary>
        Other = 32,
    }

    private static Seen Classify(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => Seen.None,
        JsonValueKind.String => Seen.String,
        JsonValueKind.True or JsonValueKind.False => Seen.Boolean,
        JsonValueKind.Number when value.TryGetInt64(out var integer) =>
            integer is >= -MaxExactDouble and <= MaxExactDouble ? Seen.Integer : Seen.WideInteger,
        JsonValueKind.Number when IsFraction(value) && value.TryGetDouble(out var number) && double.IsFinite(number) => Seen.Fraction,
        _ => Seen.Other,
    };

    // An integer literal that TryGetInt64 refused is beyond a long: only its text keeps every digit.
    private static bool IsFraction(JsonElement number) => JsonMarshal.GetRawUtf8Value(number).IndexOfAny((byte)'.', (byte)'e', (byte)'E') >= 0;

    private static ParquetKind KindOf(Seen kinds) => kinds switch
    {
        Seen.None or Seen.String => ParquetKind.String,
        Seen.Boolean => ParquetKind.Boolean,
        Seen.Integer or Seen.WideInteger or (Seen.Integer | Seen.WideInteger) => ParquetKind.Int64,
        Seen.Fraction or (Seen.Integer | Seen.Fraction) => ParquetKind.Double,
        _ => ParquetKind.Json,
    };
}
