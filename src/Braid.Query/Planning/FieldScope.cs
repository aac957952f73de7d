using Braid.Query.Syntax;

namespace Braid.Query.Planning;

/// <summary>How field names resolve in one part of a query: against span rows, summary rows, or a grouping's outputs.</summary>
internal abstract class FieldScope
{
    public abstract SqlValue Resolve(FieldPath path, ExpressionCompiler compiler);

    /// <summary>The path's segments as names and indexes; a name SQLite's path syntax can't quote is a 400.</summary>
    protected static List<object> Segments(IEnumerable<PathSegment> segments, ExpressionCompiler compiler, FieldPath path)
    {
        var list = new List<object>();
        foreach (var segment in segments)
        {
            switch (segment)
            {
                case NameSegment { Name: var name } when name.Contains('"', StringComparison.Ordinal):
                    throw compiler.Error($"field names containing '\"' are not supported: {name}", path);
                case NameSegment name:
                    list.Add(name.Name);
                    break;
                case IndexSegment index:
                    list.Add(index.Index);
                    break;
            }
        }

        return list;
    }
}

/// <summary>
/// Span rows of project logs, experiments and datasets: <c>c</c> is the row's current entry (or, for a
/// <c>version</c> read, its version as of then) and <c>h</c> its stored JSON. Fields the store keeps in columns
/// are read from them; everything else from the JSON.
/// </summary>
internal sealed class SpanScope(QuerySource source, string rowAlias = "c", string dataAlias = "h") : FieldScope
{
    public string RowAlias => rowAlias;

    /// <summary>Top-level fields span rows have; a filter on any other is probably a typo.</summary>
    public static readonly IReadOnlySet<string> KnownFields = new HashSet<string>(
        ["id", "_xact_id", "_pagination_key", "created", "org_id", "project_id", "experiment_id", "dataset_id", "log_id",
         "span_id", "root_span_id", "span_parents", "is_root", "input", "output", "expected", "error", "scores", "metrics",
         "metadata", "tags", "span_attributes", "context", "origin", "comments", "audit_data", "facets", "classifications"],
        StringComparer.Ordinal);

    /// <summary>Top-level fields of prompt and function rows.</summary>
    public static readonly IReadOnlySet<string> DocumentFields = new HashSet<string>(
        ["id", "_xact_id", "_pagination_key", "created", "org_id", "project_id", "log_id", "name", "slug", "description",
         "prompt_data", "tags", "metadata", "function_type", "function_data", "origin", "function_schema", "user_id", "audit_data",
         "action", "target_type", "target_id", "target_name", "impersonator_id", "api_key_id", "details"],
        StringComparer.Ordinal);

    public override SqlValue Resolve(FieldPath path, ExpressionCompiler compiler)
    {
        var first = path.Segments[0] is NameSegment name ? name.Name : throw compiler.Error("a field path must start with a name", path);
        var dialect = compiler.Dialect;

        // A document holds its own project_id, org_id and log_id; only its keys are read from columns.
        if (path.Segments.Count == 1 && (!source.IsDocuments || first is "id" or "created" or "_xact_id" or "_pagination_key"))
        {
            switch (first)
            {
                case "id":
                    return new SqlValue($"{rowAlias}.id", ValueKind.Text);
                case "root_span_id":
                    return new SqlValue($"{rowAlias}.root_span_id", ValueKind.Text);
                case "created":
                    return new SqlValue($"{rowAlias}.created", ValueKind.Timestamp);
                case "_xact_id":
                    return new SqlValue(dialect.XactText($"{rowAlias}.xact_id"), ValueKind.Text) { Stored = new($"{rowAlias}.xact_id", ParseWhole) };
                case "_pagination_key":
                    return new SqlValue(dialect.PaginationKey($"{rowAlias}.history_seq"), ValueKind.Text)
                    {
                        Stored = new($"{rowAlias}.history_seq", text => text.StartsWith('p') ? ParseWhole(text[1..]) : null),
                    };
                case "org_id":
                    return compiler.Constant(source.OrgId);
                case "log_id":
                    return source.ObjectType == "project_logs" ? compiler.Constant("g") : new SqlValue("NULL", ValueKind.Null);
                case "project_id":
                    return ByObject(compiler, rowAlias, o => o.ProjectId);
                case "experiment_id":
                    return source.ObjectType == "experiment" ? new SqlValue($"{rowAlias}.object_id", ValueKind.Text) : new SqlValue("NULL", ValueKind.Null);
                case "dataset_id":
                    return source.ObjectType == "dataset" ? new SqlValue($"{rowAlias}.object_id", ValueKind.Text) : new SqlValue("NULL", ValueKind.Null);
            }
        }

        if (!(source.IsDocuments ? DocumentFields : KnownFields).Contains(first))
        {
            compiler.Warn(Lint.LintCodes.UnknownField, $"'{first}' is not a field of {(source.IsDocuments ? source.ObjectType : "span")} rows, so it is null in every row", path);
        }

        var segments = Segments(path.Segments, compiler, path);
        return dialect.JsonAt($"{dataAlias}.data", compiler.Parameters.Add(dialect.PathParameter(segments)), first, segments.Count);
    }

    private static long? ParseWhole(string text) =>
        long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : null;

    private static SqlValue ByObject(ExpressionCompiler compiler, string rowAlias, Func<SourceObject, string> field)
    {
        var objects = compiler.Source.Objects;
        if (objects.Select(field).Distinct().Count() == 1)
        {
            return compiler.Constant(field(objects[0]));
        }

        var cases = string.Join(" ", objects.Select(o => $"WHEN {compiler.Parameters.Add(o.Id)} THEN {compiler.Dialect.TextParameter(compiler.Parameters.Add(field(o)))}"));
        return new SqlValue($"(CASE {rowAlias}.object_id {cases} END)", ValueKind.Text);
    }
}

/// <summary>
/// Summary rows: one JSON document each, whose <c>scores</c> and <c>metrics</c> are also kept as small documents of their
/// own. A sort or filter on a score then reads a few bytes per trace instead of parsing the whole row, and the row itself
/// is built only for the rows that are returned.
/// </summary>
internal sealed class SummaryRowScope(string row, IReadOnlyDictionary<string, string> parts) : FieldScope
{
    public override SqlValue Resolve(FieldPath path, ExpressionCompiler compiler)
    {
        var segments = Segments(path.Segments, compiler, path);
        var first = segments[0] as string ?? throw compiler.Error("a field path must start with a name", path);
        var dialect = compiler.Dialect;
        return segments.Count > 1 && parts.TryGetValue(first, out var part)
            ? dialect.JsonAt(part, compiler.Parameters.Add(dialect.PathParameter(segments[1..])), first, segments.Count)
            : dialect.JsonAt(row, compiler.Parameters.Add(dialect.PathParameter(segments)), first, segments.Count);
    }
}

/// <summary>After grouping: names are the dimensions' and measures' aliases; anything else is an error.</summary>
internal sealed class GroupScope(IReadOnlyDictionary<string, SqlValue> outputs) : FieldScope
{
    public override SqlValue Resolve(FieldPath path, ExpressionCompiler compiler)
    {
        if (path.Segments is [NameSegment name] && outputs.TryGetValue(name.Name, out var value))
        {
            return value;
        }

        throw compiler.Error($"'{Describe(path)}' is not a dimension or measure of this query; refer to them by their names: {string.Join(", ", outputs.Keys)}", path);
    }

    private static string Describe(FieldPath path) =>
        string.Concat(path.Segments.Select((s, i) => s switch
        {
            NameSegment n => (i == 0 ? "" : ".") + n.Name,
            IndexSegment x => $"[{x.Index}]",
            _ => "",
        }));
}

/// <summary>
/// Span rows with an <c>unpivot</c>: its two names are the current member's name and value; every other field is
/// the row's, read through <paramref name="rows"/>.
/// </summary>
internal sealed class UnpivotScope(FieldScope rows, UnpivotClause unpivot, SqlValue name, SqlValue value) : FieldScope
{
    public override SqlValue Resolve(FieldPath path, ExpressionCompiler compiler) => path.Segments switch
    {
        [NameSegment n] when n.Name == unpivot.NameAlias => name,
        [NameSegment n] when n.Name == unpivot.ValueAlias => value,
        _ => rows.Resolve(path, compiler),
    };
}
