namespace Braid.Server.Query.Parquet;

/// <summary>What a Parquet column holds. Every column is optional: a missing key or a JSON null is a Parquet null.</summary>
public enum ParquetKind
{
    /// <summary>UTF-8 text (BYTE_ARRAY, STRING).</summary>
    String,

    /// <summary>A 64-bit signed integer (INT64).</summary>
    Int64,

    /// <summary>A floating-point number (DOUBLE).</summary>
    Double,

    /// <summary>BOOLEAN.</summary>
    Boolean,

    /// <summary>Any JSON value as its JSON text (BYTE_ARRAY, JSON), so objects and arrays keep their shape.</summary>
    Json,
}

/// <summary>One column of a Parquet file: the top-level key of a row it takes its values from, and their kind.</summary>
public sealed record ParquetColumn(string Name, ParquetKind Kind)
{
    /// <summary>
    /// A <see cref="ParquetKind.Json"/> column that holds, as one object, every top-level field of a row that has no
    /// column of its own (null when there are none), so a fixed schema loses nothing. A file has at most one.
    /// </summary>
    public bool HoldsOtherFields { get; init; }
}
