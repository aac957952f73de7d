using Braid.Query.Syntax;

namespace Braid.Query.Planning;

/// <summary>
/// What a compiled expression holds, which fixes how it is spelled in SQL: JSON (text on SQLite, jsonb on
/// PostgreSQL), text, a number (a float on PostgreSQL so both stores compute alike), a boolean, a timestamp (the
/// canonical ISO-8601 UTC text <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>, which sorts as it reads), an interval
/// (seconds, or calendar months for month/year intervals), or a bare NULL.
/// </summary>
public enum ValueKind
{
    Json,
    Text,
    Number,
    Bool,
    Timestamp,
    Null,
}

/// <summary>
/// A compiled expression. A value read from a row's JSON keeps its document and path parameter in
/// <see cref="Path"/>, so SQLite can test its type and extract it from the document it has already parsed.
/// </summary>
public sealed record SqlValue(string Sql, ValueKind Kind)
{
    public JsonPath? Path { get; init; }

    /// <summary>The literal this value was compiled from, for compile-time folding and lint.</summary>
    public object? Constant { get; init; }

    public bool IsConstant => Constant is not null || (Kind == ValueKind.Null);

    public bool IsAggregate { get; init; }

    /// <summary>
    /// For <c>_xact_id</c> and <c>_pagination_key</c>, which are text on the wire: the integer column behind them, so
    /// a comparison with a literal compares integers and can use the store's indexes.
    /// </summary>
    public StoredNumber? Stored { get; init; }
}

/// <summary>An integer column shown as text, and how to read a literal of that text back as the integer.</summary>
public sealed record StoredNumber(string Column, Func<string, long?> Parse);

/// <summary>A path into a JSON document column: the document's SQL and the parameter holding the path.</summary>
public sealed record JsonPath(string Document, string Parameter, string TopField, int Depth);

/// <summary>The parameters of one compiled statement, named <c>@p0</c>, <c>@p1</c>, ... in order of use.</summary>
public sealed class SqlParameters
{
    /// <summary>
    /// SQLite binds at most 32,766 parameters (PostgreSQL 65,535) and fails a statement with more, which a 100 KB IN list
    /// or a JSON query can reach; past this many a query is a 400.
    /// </summary>
    public const int MaxCount = 32_000;

    private readonly List<KeyValuePair<string, object?>> _values = [];

    public IReadOnlyList<KeyValuePair<string, object?>> Values => _values;

    /// <summary>Adds a value and returns its placeholder; user values only ever reach SQL this way.</summary>
    public string Add(object? value)
    {
        // PostgreSQL's text cannot hold a NUL character and fails the statement (a 500); user text reaches SQL only
        // here, so it is refused here, as a 400, on both stores.
        if ((value is string text && text.Contains('\0', StringComparison.Ordinal)) || (value is string[] texts && texts.Any(t => t.Contains('\0', StringComparison.Ordinal))))
        {
            throw new QueryError("a text in the query holds a NUL character (\\0), which queries cannot compare", SourcePosition.Start);
        }

        if (_values.Count == MaxCount)
        {
            throw new QueryError($"the query has more than {MaxCount} values (literals, paths and patterns); split it into smaller queries", SourcePosition.Start);
        }

        var name = "p" + _values.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _values.Add(new(name, value));
        return "@" + name;
    }
}
