using Braid.Query.Lint;

namespace Braid.Query.Planning;

/// <summary>How the statement's leading columns make a result row.</summary>
public enum RowLayout
{
    /// <summary><c>object_id, xact_id, seq, data</c>: a whole stored row, given its log's identity fields on the way out.</summary>
    Spans,

    /// <summary><c>object_id, row</c>: a summary row built as JSON by the statement.</summary>
    Summary,

    /// <summary>One column per <see cref="CompiledQuery.Columns"/> entry.</summary>
    Columns,
}

/// <summary>A named output column and the kind of value the statement returns in it.</summary>
public sealed record OutputColumn(string Name, ValueKind Kind);

/// <summary>
/// A query ready to run: one parameterized statement and how to read it. After the layout's columns the statement
/// returns, when <see cref="HasPresence"/>, a column that is NULL for a trace's placeholder row (the trace matched
/// but <c>filter_spans</c> left none of its spans), then <see cref="KeyColumns"/> columns of the page key. Rows
/// sharing a key are one unit (a trace, or else a row); the statement returns up to <see cref="Limit"/> + 1 units
/// so the reader knows whether a next page exists.
/// </summary>
public sealed record CompiledQuery(
    string Sql,
    IReadOnlyList<KeyValuePair<string, object?>> Parameters,
    RowLayout Layout,
    IReadOnlyList<OutputColumn> Columns,
    bool HasPresence,
    int KeyColumns,
    CursorKind CursorKind,
    string Shape,
    long Offset,
    long? Limit,
    IReadOnlyList<LintWarning> Warnings)
{
    public int LayoutColumns => Layout switch
    {
        RowLayout.Spans => 4,
        RowLayout.Summary => 2,
        _ => Columns.Count,
    };
}
