namespace Braid.Query.Syntax;

/// <summary>
/// A parsed query, the same whichever syntax it was written in. An aggregate query has
/// <see cref="Dimensions"/> and <see cref="Measures"/> and an empty <see cref="Select"/>.
/// </summary>
public sealed record ParsedQuery(
    FromClause From,
    EquatableList<SelectItem> Select,
    EquatableList<SelectItem> Dimensions,
    EquatableList<SelectItem> Measures,
    Expr? Filter,
    Expr? Having,
    EquatableList<SortItem> Sort,
    long? Limit,
    string? Cursor)
{
    /// <summary>Where expressions start in the query text; empty for the JSON form, which has no text.</summary>
    public SourceMap Positions { get; init; } = SourceMap.None;

    /// <summary><c>sample: 25%</c>: keep about this percentage of rows (of traces, for the traces and summary shapes).</summary>
    public decimal? SamplePercent { get; init; }

    /// <summary><c>sample: 100</c>: keep this many of the matching rows (traces, for the traces and summary shapes).</summary>
    public long? SampleCount { get; init; }

    /// <summary><c>preview_length: n</c>: characters of input/output/expected/error in summary rows.</summary>
    public int? PreviewLength { get; init; }

    /// <summary><c>unpivot: scores as (score, value)</c>: one row per numeric member of an object (grouped queries only).</summary>
    public UnpivotClause? Unpivot { get; init; }
}

/// <summary>
/// Turns each numeric member of the object at <see cref="Field"/> into a row of its own, where <see cref="NameAlias"/>
/// is the member's name and <see cref="ValueAlias"/> its value: <c>dimensions: experiment_id, score | measures: avg(value)</c>
/// then averages every score of many experiments at once without knowing the scores' names.
/// </summary>
public sealed record UnpivotClause(FieldPath Field, string NameAlias, string ValueAlias);

public sealed record SelectItem(Expr Expression, string? Alias);

public enum SortDirection
{
    Ascending,
    Descending,
}

public sealed record SortItem(Expr Expression, SortDirection Direction);

public enum QueryShape
{
    Spans,
    Traces,
    Summary,
}

/// <summary>The data source, e.g. <c>project_logs('id')</c>; <see cref="Shape"/> is null when not given.</summary>
public sealed record FromClause(string Source, EquatableList<string> Ids, QueryShape? Shape)
{
    public static readonly IReadOnlySet<string> Sources = new HashSet<string>(
        ["project_logs", "experiment", "dataset", "prompt", "function", "view",
         "project_prompts", "project_functions", "org_prompts", "org_functions", "org_audit_logs"],
        StringComparer.Ordinal);
}
