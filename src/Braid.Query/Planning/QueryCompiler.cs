using System.Text;
using System.Text.RegularExpressions;
using Braid.Query.Lint;
using Braid.Query.Syntax;

namespace Braid.Query.Planning;

/// <summary>
/// Turns a parsed query over resolved logs into one parameterized SQL statement for a store. Three shapes:
/// <list type="bullet">
/// <item><c>spans</c>: matching rows, newest first (by <c>created</c>, then id), paged by that key.</item>
/// <item><c>traces</c>: every span of each trace with at least one matching span; the limit counts traces, which come
/// newest first by their first write, as in fetch.</item>
/// <item><c>summary</c>: one row per such trace, aggregated in SQL, which HAVING can filter.</item>
/// </list>
/// Grouped queries (dimensions/measures) run over span rows.
/// </summary>
public static partial class QueryCompiler
{
    /// <summary>Rows (or traces) per page when neither the query nor the request sets a limit.</summary>
    public const long DefaultLimit = 1000;

    public static CompiledQuery Compile(ParsedQuery query, QuerySource source, QueryDialect dialect, QueryOptions options)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(source);
        if (source.Objects.Count == 0)
        {
            throw new QueryError("the query's source names no log", SourcePosition.Start);
        }

        var context = new CompilerContext(dialect, source, options, query.Positions);
        var shape = query.From.Shape ?? QueryShape.Spans;
        var grouped = query.Dimensions.Count > 0 || query.Measures.Count > 0;
        if (source.IsDocuments && shape != QueryShape.Spans)
        {
            throw new QueryError($"{source.ObjectType}s are read as rows; the {shape.ToString().ToLowerInvariant()} shape needs logs", SourcePosition.Start);
        }

        if (options.AuditLog && shape != QueryShape.Spans)
        {
            throw new QueryError("audit_log lists the versions of rows; it has no traces or summary shape", SourcePosition.Start);
        }

        if (grouped && shape != QueryShape.Spans)
        {
            throw new QueryError("dimensions and measures group span rows; use the spans shape", SourcePosition.Start);
        }

        if (query.Unpivot is not null && !grouped)
        {
            throw new QueryError("unpivot makes rows to group; use it with dimensions and measures", SourcePosition.Start);
        }

        var cursor = query.Cursor is { } text ? QueryCursor.Decode(text) : null;
        var shapeName = grouped ? "grouped" : shape.ToString().ToLowerInvariant();
        if (cursor is not null && cursor.Shape != shapeName)
        {
            throw new QueryError($"the cursor belongs to a {cursor.Shape} query, not this {shapeName} query", SourcePosition.Start);
        }

        var limit = query.Limit ?? (options.DisableLimit ? null : DefaultLimit);
        query = query with { Sort = Ordinals(query, grouped) };
        var builder = new Builder(context, query, cursor, limit, shapeName);
        LintScan(context, query);
        return grouped ? builder.Grouped()
            : shape == QueryShape.Spans ? builder.Spans()
            : builder.Traces(summary: shape == QueryShape.Summary);
    }

    /// <summary><c>ORDER BY 2</c> sorts by the second output: replaced by that output (its name, once grouped).</summary>
    private static EquatableList<SortItem> Ordinals(ParsedQuery query, bool grouped)
    {
        var outputs = grouped ? [.. query.Dimensions, .. query.Measures] : query.Select.ToList();
        return query.Sort.Select(item =>
        {
            if (item.Expression is not NumberLiteral { IsInteger: true } ordinal)
            {
                return item;
            }

            if (ordinal.Value < 1 || ordinal.Value > outputs.Count || outputs[(int)ordinal.Value - 1].Expression is StarExpr)
            {
                throw new QueryError($"ORDER BY {ordinal.Value} is not the position of an output", query.Positions.Find(ordinal) ?? SourcePosition.Start);
            }

            var output = outputs[(int)ordinal.Value - 1];
            return item with
            {
                Expression = grouped ? new FieldPath([new NameSegment(Builder.OutputName(output, (int)ordinal.Value - 1))]) : output.Expression,
            };
        }).ToEquatableList();
    }

    /// <summary>Warns when nothing bounds the scan: no time, transaction or id condition in the filter.</summary>
    private static void LintScan(CompilerContext context, ParsedQuery query)
    {
        // Prompts and functions number in the hundreds, not millions: reading them all is the normal case.
        if (!context.Source.IsDocuments && (query.Filter is null || !Bounds(query.Filter)))
        {
            context.Warn(LintCodes.FullScan,
                "the filter has no range on created, _xact_id or _pagination_key and no id or root_span_id condition, so the query reads the whole history; add one to make it fast on large logs",
                query.Filter is null ? null : context.Positions.Find(query.Filter));
        }
    }

    private static bool Bounds(Expr filter) => filter switch
    {
        LogicalExpr { Operator: LogicalOperator.And } and => and.Operands.Any(Bounds),
        LogicalExpr { Operator: LogicalOperator.Or } or => or.Operands.All(Bounds),
        BinaryExpr { Operator: BinaryOperator.Equal } eq => IsField(eq.Left, "id", "root_span_id", "span_id", "created", "_xact_id") || IsField(eq.Right, "id", "root_span_id", "span_id"),
        BinaryExpr { Operator: BinaryOperator.Less or BinaryOperator.LessOrEqual or BinaryOperator.Greater or BinaryOperator.GreaterOrEqual } range =>
            IsField(range.Left, "created", "_xact_id", "_pagination_key") || IsField(range.Right, "created", "_xact_id", "_pagination_key"),
        InExpr { Negated: false } inList => IsField(inList.Operand, "id", "root_span_id", "span_id"),
        _ => false,
    };

    private static bool IsField(Expr expr, params string[] names) =>
        expr is FieldPath { Segments: [NameSegment name] } && names.Contains(name.Name);

    private sealed partial class Builder(CompilerContext context, ParsedQuery query, QueryCursor? cursor, long? limit, string shapeName)
    {
        private readonly QueryDialect _dialect = context.Dialect;
        private readonly SqlParameters _parameters = context.Parameters;
        private readonly QuerySource _source = context.Source;

        private string? _objectCondition;

        /// <summary>The source's rows: current ones, or each row's version as of the request's <c>version</c>.</summary>
        private string Rows(string c = "c", string h = "h")
        {
            var (row, data) = RowSource(c, h);
            return data is null ? row : $"{row} JOIN {data}";
        }

        /// <summary>
        /// <see cref="Rows"/> joined to what precedes it as two plain joins, never a parenthesized one: SQLite cannot
        /// flatten a join on the right of a LEFT JOIN and would materialize every row of the object type first.
        /// <paramref name="narrowing"/> (read through <c>c</c> and <c>hn</c>) keeps only some rows; it goes into the
        /// first join's condition, so a LEFT JOIN whose rows are all narrowed away still gives its one row of NULLs.
        /// </summary>
        private string JoinRows(string kind, string on, string? narrowing = null)
        {
            var (row, data) = RowSource("c", "h");
            if (narrowing is not null)
            {
                on += data is null ? $" AND {narrowing}" : $" AND EXISTS (SELECT 1 FROM event_history hn WHERE hn.seq = c.history_seq AND {narrowing})";
            }

            // The history row of a current row (or version) always exists, so joining it on its own changes no result.
            return $"{kind} JOIN {row} ON {on}" + (data is null ? "" : $" {kind} JOIN {data}");
        }

        /// <summary>
        /// The source's rows as a FROM item aliased <paramref name="c"/> and, when their JSON is stored apart, the history
        /// row joined to it (<paramref name="h"/> and its condition); audit rows and documents carry their JSON in <c>c.data</c>.
        /// </summary>
        private (string Row, string? Data) RowSource(string c, string h)
        {
            if (_source.IsDocuments)
            {
                return (DocumentRows(c), null);
            }

            if (context.Options.AuditLog)
            {
                return (AuditRows(c), null);
            }

            var data = $"event_history {h} ON {h}.seq = {c}.history_seq";
            if (context.Options.Version is not { } version)
            {
                return ($"event_current {c}", data);
            }

            var v = _parameters.Add(version);
            var created = HistoryCreated("hv");
            return ($"""
                (SELECT hv.object_type, hv.object_id, hv.id, hv.seq AS history_seq, hv.xact_id, hv.root_span_id, {created} AS created
                 FROM event_history hv
                 WHERE {Objects("hv")} AND hv.xact_id <= {v} AND NOT hv.deleted AND NOT EXISTS (
                     SELECT 1 FROM event_history n
                     WHERE n.object_type = hv.object_type AND n.object_id = hv.object_id AND n.id = hv.id AND n.xact_id <= {v} AND n.seq > hv.seq)) {c}
                """, data);
        }

        private string HistoryCreated(string alias) =>
            _dialect.ToTimestamp(_dialect.JsonText(_dialect.JsonAt($"{alias}.data", _parameters.Add(_dialect.PathParameter(["created"])), "created", 1)));

        /// <summary>
        /// <c>audit_log</c> on logs: every stored version of the rows (up to the request's <c>version</c>), deletions
        /// included, each with <c>audit_data.action</c> "upsert" or "delete"; the document is in <c>c.data</c>.
        /// </summary>
        private string AuditRows(string c)
        {
            var asOf = context.Options.Version is { } version ? $" AND hv.xact_id <= {_parameters.Add(version)}" : "";
            var action = $"(CASE WHEN hv.deleted THEN {_dialect.TextParameter(_parameters.Add("delete"))} ELSE {_dialect.TextParameter(_parameters.Add("upsert"))} END)";
            return $"""
                (SELECT hv.object_type, hv.object_id, hv.id, hv.seq AS history_seq, hv.xact_id, hv.root_span_id, {HistoryCreated("hv")} AS created,
                        {_dialect.WithAuditAction("hv.data", action)} AS data
                 FROM event_history hv WHERE {Objects("hv")}{asOf}) {c}
                """;
        }

        /// <summary>
        /// Prompts or functions shaped like span rows (object_type = kind, object_id = project, history_seq, xact_id,
        /// created) with their document in <c>data</c>: the live objects, each one's version as of the request's
        /// <c>version</c>, or with <c>audit_log</c> every version (history_seq is then the version's xact, unique).
        /// </summary>
        private string DocumentRows(string c)
        {
            var org = _parameters.Add(_source.OrgId);
            var kind = _parameters.Add(_source.ObjectType);
            var live = $"o.org_id = {org} AND o.kind = {kind} AND o.deleted_at IS NULL";
            var asOf = context.Options.Version is { } version ? _parameters.Add(version) : null;
            if (!context.Options.AuditLog && asOf is null)
            {
                return $"(SELECT o.kind AS object_type, o.scope_id AS object_id, o.id, o.seq AS history_seq, {_dialect.DocumentXact("o.data")} AS xact_id, o.id AS root_span_id, o.created, o.data FROM objects o WHERE {live}) {c}";
            }

            var versions = $"o.id = v.id AND {live}" + (asOf is null ? "" : $" AND v.xact_id <= {asOf}");
            if (!context.Options.AuditLog)
            {
                versions += $" AND NOT EXISTS (SELECT 1 FROM object_versions n WHERE n.id = v.id AND n.xact_id > v.xact_id AND n.xact_id <= {asOf})";
            }

            var data = context.Options.AuditLog ? _dialect.WithAuditAction("v.data", _dialect.TextParameter(_parameters.Add("upsert"))) : "v.data";
            return $"(SELECT o.kind AS object_type, o.scope_id AS object_id, v.id, v.xact_id AS history_seq, v.xact_id, v.id AS root_span_id, o.created, {data} AS data FROM object_versions v JOIN objects o ON {versions}) {c}";
        }

        private string Objects(string alias)
        {
            var type = _parameters.Add(_source.ObjectType);
            if (_source.OrgWide)
            {
                return $"{alias}.object_type = {type}";
            }

            var ids = _source.Objects.Select(o => _parameters.Add(o.Id)).ToList();
            var objects = ids.Count == 1 ? $"{alias}.object_id = {ids[0]}" : $"{alias}.object_id IN ({string.Join(", ", ids)})";
            return $"{alias}.object_type = {type} AND {objects}";
        }

        private string ObjectCondition => _objectCondition ??= Objects("c");

        // Documents and audit rows carry their JSON in c.data; current log rows join it from event_history as h.
        private SpanScope Scope() => _source.IsDocuments || context.Options.AuditLog ? new SpanScope(_source, "c", "c") : new SpanScope(_source);

        private SpanScope NarrowingScope() => _source.IsDocuments || context.Options.AuditLog ? new SpanScope(_source, "c", "c") : new SpanScope(_source, "c", "hn");

        private ExpressionCompiler SpanCompiler(bool allowTraceFunctions = true) =>
            new(context, Scope()) { TraceFunctions = allowTraceFunctions ? TraceFunction : null };

        private long Offset => cursor?.Kind == CursorKind.Offset ? cursor.Offset : 0;

        private string Paging(long? units, long offset)
        {
            var text = new StringBuilder();
            if (units is { } n)
            {
                // One more than asked shows whether a next page exists; at long.MaxValue that would wrap to a negative LIMIT.
                text.Append(" LIMIT ").Append(_parameters.Add(n == long.MaxValue ? n : n + 1));
            }
            else if (offset > 0)
            {
                text.Append(_dialect.Name == "sqlite" ? " LIMIT -1" : "");
            }

            if (offset > 0)
            {
                text.Append(" OFFSET ").Append(_parameters.Add(offset));
            }

            return text.ToString();
        }

        /// <summary>
        /// <c>sample: p%</c> keeps a row (or trace) when a hash of its sequence number falls in the first p% of 10,000
        /// buckets; <c>sample: n</c> keeps the n rows matching <paramref name="where"/> (read from <paramref name="from"/>,
        /// whose alias <paramref name="key"/> names) with the smallest hashes. Either way the same rows on every page and
        /// every run, so a sampled query still pages. Call it before the cursor's condition joins <paramref name="where"/>.
        /// </summary>
        private void Sample(List<string> where, string hashed, string from, string key)
        {
            if (query.SamplePercent is { } percent)
            {
                var buckets = _parameters.Add((long)Math.Round(percent * 100));
                where.Add($"((({hashed} % 1000003) * 40503) % 10000 < {buckets})");
            }
            else if (query.SampleCount is { } count)
            {
                var n = _parameters.Add(count);
                var left = key.Contains(',', StringComparison.Ordinal) ? $"({key})" : key;
                where.Add($"{left} IN (SELECT {key} FROM {from} WHERE {string.Join(" AND ", where)} ORDER BY ((({hashed} % 1000003) * 40503) % 1000003), {key} LIMIT {n})");
            }
        }

        // ---- spans ----

        public CompiledQuery Spans()
        {
            var compiler = SpanCompiler();
            var (layout, columns, outputs) = Select(compiler, query.Select);
            var where = new List<string> { ObjectCondition };
            if (query.Filter is { } filter)
            {
                where.Add(compiler.Predicate(filter));
            }

            Sample(where, "c.history_seq", Rows(), "c.history_seq");
            var (order, keys, kind) = SpanOrder(compiler, where);
            var condition = string.Join(" AND ", where);
            var (row, data) = RowSource("c", "h");
            var sql = data is not null && !ReadsHistoryRow(condition + " " + order)
                // Filter and sort read only the row's columns (a MATCH on SQLite, a range of created, no filter): find the
                // page's rows first and read the stored JSON of those alone. Joined before the sort, SQLite read and sorted
                // the JSON of every matching row (13k rows of a 1M-span log for a page of 100 in the benchmark's MATCH).
                ? $"SELECT {outputs}, {string.Join(", ", keys)} FROM (SELECT c.* FROM {row} WHERE {condition} ORDER BY {order}{Paging(limit, Offset)}) c JOIN {data} ORDER BY {order}"
                : $"SELECT {outputs}, {string.Join(", ", keys)} FROM {Rows()} WHERE {condition} ORDER BY {order}{Paging(limit, Offset)}";
            return Done(sql, layout, columns, hasPresence: false, keys.Count, kind);
        }

        /// <summary>Whether compiled SQL reads the history row joined as <c>h</c> (the row's stored JSON, or PostgreSQL's search tokens).</summary>
        private static bool ReadsHistoryRow(string sql) => HistoryReference().IsMatch(sql);

        [GeneratedRegex(@"(?<![\w.""])h\.")]
        private static partial Regex HistoryReference();

        /// <summary>
        /// A sort on stored columns (created, id, _xact_id, _pagination_key, root_span_id) pages by key; any other sort
        /// pages by offset, which can skip or repeat rows written between pages, so it is linted.
        /// </summary>
        private (string Order, List<string> Keys, CursorKind Kind) SpanOrder(ExpressionCompiler compiler, List<string> where)
        {
            var sort = query.Sort.Count > 0 ? query.Sort : [new SortItem(Field("created"), SortDirection.Descending)];
            var keyed = new List<Key>();
            foreach (var item in sort)
            {
                if (StoredColumn(item.Expression) is not { } column)
                {
                    keyed = null;
                    break;
                }

                keyed.Add(column with { Descending = item.Direction == SortDirection.Descending });
            }

            if (keyed is null)
            {
                WarnUnpageable(query.Sort[0].Expression);
                var terms = SortTerms(compiler, query.Sort);
                terms.Add("c.object_id");
                terms.Add("c.id");
                return (string.Join(", ", terms), ["c.object_id"], CursorKind.Offset);
            }

            // The key ends with (object_id, id), which is unique, so every row has its own place; object_id is left out
            // when there is one log, so the key is a range of one of the log's indexes.
            var lastDescending = keyed[^1].Descending;
            // Versions of one document share its id: the version's xact (history_seq) tells them apart.
            var ties = _source.Objects.Count > 1 || _source.OrgWide ? new List<string> { "c.object_id", "c.id" } : ["c.id"];
            if (context.Options.AuditLog)
            {
                ties.Add("c.history_seq");
            }

            foreach (var tie in ties)
            {
                if (!keyed.Exists(k => k.Column == tie))
                {
                    keyed.Add(new Key(tie, lastDescending));
                }
            }

            if (cursor is { Kind: CursorKind.Keyset } after)
            {
                where.Add(After(keyed, after));
            }

            var order = string.Join(", ", keyed.Select(k => k.Column + (k.Descending ? " DESC" : "")));
            return (order, keyed.Select(k => k.Column).ToList(), CursorKind.Keyset);
        }

        private void WarnUnpageable(Expr at) =>
            context.Warn(LintCodes.UnpageableSort,
                "this sort is not on created, id, _xact_id or _pagination_key, so pages continue by offset and rows written between pages can be skipped or repeated",
                context.Positions.Find(at));

        private static FieldPath Field(string name) => new([new NameSegment(name)]);

        /// <summary>A column of a page key and its direction.</summary>
        private sealed record Key(string Column, bool Descending);

        private static Key? StoredColumn(Expr expression) => expression switch
        {
            FieldPath { Segments: [NameSegment { Name: "created" }] } => new Key("c.created", false),
            FieldPath { Segments: [NameSegment { Name: "id" }] } => new Key("c.id", false),
            FieldPath { Segments: [NameSegment { Name: "root_span_id" }] } => new Key("c.root_span_id", false),
            FieldPath { Segments: [NameSegment { Name: "_xact_id" }] } => new Key("c.xact_id", false),
            FieldPath { Segments: [NameSegment { Name: "_pagination_key" }] } => new Key("c.history_seq", false),
            _ => null,
        };

        /// <summary>Rows strictly after the cursor's key in the sort's order: (a, b) &gt; (x, y) spelled out per direction.</summary>
        private string After(List<Key> keyed, QueryCursor after)
        {
            if (after.Key.Count != keyed.Count)
            {
                throw new QueryError("the cursor was made for a different sort", SourcePosition.Start);
            }

            // Key columns compare by code point on both stores (PostgreSQL's are COLLATE "C" since migration 0006), so
            // these comparisons agree with the ORDER BY. One direction throughout is a row-value comparison, which both
            // stores turn into an index range; mixed directions are spelled out.
            var values = after.Key.Select(k => k is null ? "NULL" : Typed(_parameters.Add(k), k)).ToList();
            if (keyed.All(k => k.Descending == keyed[0].Descending))
            {
                var op = keyed[0].Descending ? "<" : ">";
                return $"(({string.Join(", ", keyed.Select(k => k.Column))}) {op} ({string.Join(", ", values)}))";
            }

            var disjuncts = new List<string>();
            for (var i = 0; i < keyed.Count; i++)
            {
                var parts = new List<string>();
                for (var j = 0; j < i; j++)
                {
                    parts.Add($"{keyed[j].Column} = {values[j]}");
                }

                parts.Add($"{keyed[i].Column} {(keyed[i].Descending ? "<" : ">")} {values[i]}");
                disjuncts.Add("(" + string.Join(" AND ", parts) + ")");
            }

            return "(" + string.Join(" OR ", disjuncts) + ")";
        }

        private string Typed(string parameter, object value) => value is string ? _dialect.TextParameter(parameter) : parameter;

        private List<string> SortTerms(ExpressionCompiler compiler, IEnumerable<SortItem> items) =>
            items.Select(item => SortTerm(compiler, item)).OfType<string>().ToList();

        /// <summary>
        /// A literal true, false or null (cast or not) orders (or groups) nothing, and a bare one is an output's position to SQLite
        /// (ORDER BY 0 fails) and an error to PostgreSQL, so such keys are left out.
        /// </summary>
        private bool IsBareLiteral(SqlValue value) =>
            value.Kind == ValueKind.Null || value.Constant is bool
            || value.Sql == "NULL" || value.Sql == _dialect.BoolLiteral(true) || value.Sql == _dialect.BoolLiteral(false);

        private string? SortTerm(ExpressionCompiler compiler, SortItem item)
        {
            // NULLs last whichever the direction, the same on both stores; a JSON value sorts numbers by value, then texts,
            // then the rest by their JSON text, so that booleans (and groups of them, which page by offset) have an order.
            var value = compiler.Compile(item.Expression);
            if (IsBareLiteral(value))
            {
                return null;
            }

            var suffix = Direction(item) + " NULLS LAST";
            var collate = _dialect.Name == "postgres" ? " COLLATE \"C\"" : "";
            return value.Kind switch
            {
                ValueKind.Json => $"{_dialect.JsonNumber(value)}{suffix}, {_dialect.JsonText(value)}{collate}{suffix}, {_dialect.JsonOutput(value)}{collate}{suffix}",
                ValueKind.Text or ValueKind.Timestamp => value.Sql + collate + suffix,
                _ => value.Sql + suffix,
            };
        }

        private static string Direction(SortItem item) => item.Direction == SortDirection.Descending ? " DESC" : "";

        /// <summary>The select list: <c>*</c> alone (whole rows) or named outputs.</summary>
        private (RowLayout Layout, List<OutputColumn> Columns, string Sql) Select(ExpressionCompiler compiler, IReadOnlyList<SelectItem> items)
        {
            if (items is [{ Expression: StarExpr }])
            {
                // A document already carries its _xact_id; a span row gets it, and its identity fields, on the way out.
                return _source.IsDocuments
                    ? (RowLayout.Summary, [], "c.object_id, c.data")
                    : (RowLayout.Spans, [], $"c.object_id, c.xact_id, c.history_seq, {(context.Options.AuditLog ? "c" : "h")}.data");
            }

            var columns = new List<OutputColumn>();
            var sql = new List<string>();
            foreach (var item in items)
            {
                if (item.Expression is StarExpr)
                {
                    throw new QueryError("'*' cannot be combined with other select items", SourcePosition.Start);
                }

                var value = compiler.Compile(item.Expression);
                var name = OutputName(item, columns.Count);
                if (columns.Exists(c => c.Name == name))
                {
                    throw compiler.Error($"two select items are named '{name}'; give one another name with AS", item.Expression);
                }

                var (text, kind) = Output(value);
                columns.Add(new OutputColumn(name, kind));
                sql.Add(text);
            }

            return (RowLayout.Columns, columns, string.Join(", ", sql));
        }

        private (string Sql, ValueKind Kind) Output(SqlValue value) => value.Kind switch
        {
            ValueKind.Json => (_dialect.JsonOutput(value), ValueKind.Json),
            _ => (value.Sql, value.Kind),
        };

        /// <summary>An item's name: its alias, else the last name of a field path (<c>metadata.model</c> is <c>model</c>), else its function's name.</summary>
        public static string OutputName(SelectItem item, int index) => item.Alias ?? item.Expression switch
        {
            FieldPath path => path.Segments.OfType<NameSegment>().LastOrDefault()?.Name ?? $"_{index}",
            FunctionCall call => call.Name,
            _ => $"_{index}",
        };

        // ---- traces and summary ----

        /// <summary>
        /// <c>any_span(cond)</c>: the row's trace has a span meeting cond (so a filter can pick traces by, say, their root's
        /// metadata and return all their spans). <c>filter_spans(cond)</c> is only meaningful at the top of a traces
        /// filter, where <see cref="Traces"/> takes it out; anywhere else it is an error.
        /// </summary>
        private SqlValue TraceFunction(FunctionCall call, ExpressionCompiler compiler)
        {
            if (call.Name == "filter_spans")
            {
                throw compiler.Error("filter_spans() narrows the spans of a traces query; put it at the top level of the filter of a traces query", call);
            }

            if (call.Arguments.Count != 1)
            {
                throw compiler.Error("any_span() takes one condition", call);
            }

            var inner = new ExpressionCompiler(context, new SpanScope(_source, "a", "ah")) { TraceFunctions = null };
            var condition = inner.Predicate(call.Arguments[0]);
            var row = compiler.Scope is SpanScope outer ? outer.RowAlias : "c";
            return new SqlValue(
                $"EXISTS (SELECT 1 FROM {Rows("a", "ah")} WHERE a.object_type = {row}.object_type AND a.object_id = {row}.object_id AND a.root_span_id = {row}.root_span_id AND {condition})",
                ValueKind.Bool);
        }

        public CompiledQuery Traces(bool summary)
        {
            var spanFilter = new List<string>();
            var narrow = new List<string>();
            var compiler = SpanCompiler();
            foreach (var conjunct in Conjuncts(query.Filter))
            {
                if (conjunct is FunctionCall { Name: "filter_spans" } narrowing)
                {
                    if (summary || narrowing.Arguments.Count != 1)
                    {
                        throw compiler.Error(summary ? "filter_spans() narrows the spans of a traces query, not a summary" : "filter_spans() takes one condition", narrowing);
                    }

                    // Read through hn: it goes into the spans' join condition, before their history row is joined (see JoinRows).
                    narrow.Add(compiler.With(NarrowingScope()).Predicate(narrowing.Arguments[0]));
                }
                else
                {
                    spanFilter.Add(compiler.Predicate(conjunct));
                }
            }

            if (query.Sort.Count > 0 && !summary)
            {
                context.Warn(LintCodes.SortIgnored, "traces come newest first by their first write; the sort orders spans within each trace", context.Positions.Find(query.Sort[0].Expression));
            }

            var traceKeys = TraceKey("t").Select(column => new Key(column, true)).ToList();
            var traceWhere = new List<string> { Objects("t") };
            if (context.Options.Version is { } version)
            {
                traceWhere.Add($"t.first_xact <= {_parameters.Add(version)}");
            }

            var sorted = summary && query.Sort.Count > 0;
            var match = spanFilter.Count == 0 ? "" : " AND " + string.Join(" AND ", spanFilter);
            // A trace is listed while it has a row; without a filter on them, the rows' history (always there) is not read.
            var spans = spanFilter.Count == 0 ? RowSource("c", "h").Row : Rows();
            traceWhere.Add($"EXISTS (SELECT 1 FROM {spans} WHERE c.object_type = t.object_type AND c.object_id = t.object_id AND c.root_span_id = t.root_span_id{match})");
            Sample(traceWhere, "t.first_xact", "event_traces t", "t.object_id, t.root_span_id");
            if (cursor is { Kind: CursorKind.Keyset } after)
            {
                if (sorted)
                {
                    throw new QueryError("the cursor was made for a different sort", SourcePosition.Start);
                }

                traceWhere.Add(After(traceKeys, after));
            }

            var traceOrder = string.Join(", ", TraceKey("t").Select(k => k + " DESC"));
            var pageInRoots = !summary || (query.Having is null && !sorted);
            // Roots that are not paged here are all aggregated, and ordered only at the end.
            var roots = $"SELECT t.object_id, t.root_span_id, t.first_xact FROM event_traces t WHERE {string.Join(" AND ", traceWhere)}"
                + (pageInRoots ? $" ORDER BY {traceOrder}{Paging(limit, Offset)}" : "");
            return summary ? Summary(roots, pageInRoots, sorted) : TraceSpans(roots, narrow);
        }

        /// <summary>A trace's place: newest first write first; the log's id only matters when there are several.</summary>
        private List<string> TraceKey(string alias) =>
            _source.Objects.Count > 1
                ? [$"{alias}.first_xact", $"{alias}.object_id", $"{alias}.root_span_id"]
                : [$"{alias}.first_xact", $"{alias}.root_span_id"];

        private static IEnumerable<Expr> Conjuncts(Expr? filter) => filter switch
        {
            null => [],
            LogicalExpr { Operator: LogicalOperator.And } and => and.Operands.SelectMany(Conjuncts),
            _ => [filter],
        };

        private CompiledQuery TraceSpans(string roots, List<string> narrow)
        {
            var compiler = SpanCompiler(allowTraceFunctions: false);
            var (layout, columns, outputs) = Select(compiler, query.Select);
            var sortTerms = SortTerms(compiler, query.Sort);
            var within = sortTerms.Count > 0 ? string.Join(", ", sortTerms) + ", c.id" : "c.created, c.id";
            var narrowing = narrow.Count == 0 ? null : string.Join(" AND ", narrow);
            // A LEFT JOIN keeps a trace whose spans filter_spans removed all of, as one placeholder row, so the
            // reader still counts it against the limit and pages stay the size asked for.
            var sql = $"""
                WITH r AS ({roots})
                SELECT {outputs}, c.id, {string.Join(", ", TraceKey("r"))}
                FROM r {JoinRows("LEFT", $"c.object_type = {_parameters.Add(_source.ObjectType)} AND c.object_id = r.object_id AND c.root_span_id = r.root_span_id", narrowing)}
                ORDER BY {string.Join(", ", TraceKey("r").Select(k => k + " DESC"))}, {within}
                """;
            return Done(sql, layout, columns, hasPresence: true, keyColumns: TraceKey("r").Count, CursorKind.Keyset);
        }

        private CompiledQuery Summary(string roots, bool pagedInRoots, bool sorted)
        {
            var type = _parameters.Add(_source.ObjectType);
            SqlValue At(string doc, params object[] path) =>
                _dialect.JsonAt(doc, _parameters.Add(_dialect.PathParameter(path)), path[0] as string ?? "", path.Length);
            string Num(params object[] path) => _dialect.JsonNumber(At("sp.data", path));
            string Text(params object[] path) => _dialect.JsonText(At("sp.data", path));
            var spanType = Text("span_attributes", "type");
            var isLlm = $"{spanType} = {_dialect.TextParameter(_parameters.Add("llm"))}";
            var isTool = $"{spanType} = {_dialect.TextParameter(_parameters.Add("tool"))}";
            var hasError = $"NOT {_dialect.JsonIsNull(At("sp.data", "error"))}";
            var isRoot = $"{_dialect.JsonBool(At("sp.data", "is_root"))} = {_dialect.BoolLiteral(true)}";
            var start = Num("metrics", "start");
            var end = Num("metrics", "end");
            var metrics = new (string Name, string Sql)[]
            {
                ("prompt_tokens", $"SUM({Num("metrics", "prompt_tokens")})"),
                ("completion_tokens", $"SUM({Num("metrics", "completion_tokens")})"),
                ("prompt_cached_tokens", $"SUM({Num("metrics", "prompt_cached_tokens")})"),
                ("prompt_cache_creation_tokens", $"SUM({Num("metrics", "prompt_cache_creation_tokens")})"),
                ("total_tokens", $"SUM(COALESCE({Num("metrics", "tokens")}, {Num("metrics", "prompt_tokens")} + {Num("metrics", "completion_tokens")}))"),
                ("estimated_cost", $"SUM({Num("metrics", "estimated_cost")})"),
                ("llm_calls", $"COUNT(CASE WHEN {isLlm} THEN 1 END)"),
                ("tool_calls", $"COUNT(CASE WHEN {isTool} THEN 1 END)"),
                ("errors", $"COUNT(CASE WHEN {hasError} THEN 1 END)"),
                ("llm_errors", $"COUNT(CASE WHEN {isLlm} AND {hasError} THEN 1 END)"),
                ("tool_errors", $"COUNT(CASE WHEN {isTool} AND {hasError} THEN 1 END)"),
                ("start", $"MIN({start})"),
                ("end", $"MAX({end})"),
                ("duration", $"MAX({end}) - MIN({start})"),
                ("llm_duration", $"SUM(CASE WHEN {isLlm} THEN {end} - {start} END)"),
                ("time_to_first_token", $"AVG({Num("metrics", "time_to_first_token")})"),
            };
            var aggregates = string.Join(", ", metrics.Select((m, i) => $"{m.Sql} AS m{i}"));
            var rootSeq = $"MAX(CASE WHEN {isRoot} THEN sp.history_seq END) AS root_seq";
            var firstSeq = "MIN(sp.history_seq) AS first_seq";
            var each = _dialect.EachNumber("sp.data", _parameters.Add(_dialect.PathParameter(["scores"])), "e");
            var join = $"c.object_type = {type} AND c.object_id = r.object_id AND c.root_span_id = r.root_span_id";
            var preview = _dialect.NumberParameter(_parameters.Add((long)(query.PreviewLength ?? context.Options.PreviewLength)));
            string Preview(string field)
            {
                var value = At("rh.data", field);
                return _dialect.Member(new SqlValue(_dialect.Left(_dialect.PreviewText(value), preview), ValueKind.Text));
            }

            string Json(string field) => _dialect.ToJson(At("rh.data", field));
            string Name(string name) => _dialect.TextParameter(_parameters.Add(name));
            var metricObject = _dialect.BuildObject(metrics.Select((m, i) => (Name(m.Name), _dialect.Member(new SqlValue($"a.m{i}", ValueKind.Number)))).ToList());
            var rowObject = _dialect.BuildObject(
            [
                (Name("id"), Json("id")),
                (Name("span_id"), Json("span_id")),
                (Name("root_span_id"), _dialect.Member(new SqlValue("a.root_span_id", ValueKind.Text))),
                (Name("created"), Json("created")),
                (Name("_xact_id"), _dialect.Member(new SqlValue(_dialect.XactText("a.xact"), ValueKind.Text))),
                (Name("input"), Preview("input")),
                (Name("output"), Preview("output")),
                (Name("expected"), Preview("expected")),
                (Name("error"), Preview("error")),
                (Name("metadata"), Json("metadata")),
                (Name("tags"), Json("tags")),
                (Name("span_attributes"), Json("span_attributes")),
                (Name("scores"), _dialect.ToJson(new SqlValue($"COALESCE(sc.scores, {_dialect.JsonParameter(_parameters.Add("{}"))})", ValueKind.Json))),
                (Name("metrics"), metricObject),
                (Name("span_type_info"), _dialect.BuildObject(
                [
                    (Name("has_error"), _dialect.ToJson(new SqlValue($"(a.m8 > 0)", ValueKind.Bool))),
                    (Name("num_spans"), _dialect.Member(new SqlValue("a.spans", ValueKind.Number))),
                ])),
            ]);
            // The traces' spans are read once (sp), for the aggregates and for the scores; r is then used only there,
            // so PostgreSQL can inline it and estimate the join from event_traces' statistics.
            var sql = new StringBuilder($"""
                WITH r AS ({roots}),
                sp AS (
                    SELECT r.object_id, r.root_span_id, r.first_xact, c.xact_id, c.history_seq, {_dialect.Detoasted("h.data")} AS data
                    FROM r {JoinRows("INNER", join)}),
                a AS (
                    SELECT sp.object_id, sp.root_span_id, sp.first_xact, MAX(sp.xact_id) AS xact, COUNT(*) AS spans, {rootSeq}, {firstSeq}, {aggregates}
                    FROM sp
                    GROUP BY sp.object_id, sp.root_span_id, sp.first_xact),
                sc AS (
                    SELECT x.object_id, x.root_span_id, {_dialect.ObjectAggregate("x.k", "x.v")} AS scores FROM (
                        SELECT sp.object_id, sp.root_span_id, e.key AS k, AVG({_dialect.EachValue("e")}) AS v
                        FROM sp{each.Join}
                        WHERE {each.Where}
                        GROUP BY sp.object_id, sp.root_span_id, e.key) x
                    GROUP BY x.object_id, x.root_span_id),
                s AS (
                    SELECT a.object_id, a.root_span_id, a.first_xact, {rowObject} AS row, {metricObject} AS metrics, sc.scores AS scores
                    FROM a JOIN event_history rh ON rh.seq = COALESCE(a.root_seq, a.first_seq)
                    LEFT JOIN sc ON sc.object_id = a.object_id AND sc.root_span_id = a.root_span_id)
                """);
            var rows = new ExpressionCompiler(context, new SummaryRowScope("s.row", new Dictionary<string, string> { ["scores"] = "s.scores", ["metrics"] = "s.metrics" })) { TraceFunctions = null };
            var (layout, columns, outputs) = query.Select is [{ Expression: StarExpr }]
                ? (RowLayout.Summary, new List<OutputColumn>(), "s.object_id, s.row")
                : Select(rows, query.Select);
            sql.Append($"\nSELECT {outputs}, {string.Join(", ", TraceKey("s"))} FROM s");
            if (query.Having is { } having)
            {
                sql.Append(" WHERE ").Append(rows.Predicate(having));
            }

            if (sorted)
            {
                WarnUnpageable(query.Sort[0].Expression);
                sql.Append(" ORDER BY ").Append(string.Join(", ", [.. SortTerms(rows, query.Sort), .. TraceKey("s").Select(k => k + " DESC")]))
                    .Append(Paging(limit, Offset));
                return Done(sql.ToString(), layout, columns, hasPresence: false, keyColumns: TraceKey("s").Count, CursorKind.Offset);
            }

            sql.Append(" ORDER BY ").Append(string.Join(", ", TraceKey("s").Select(k => k + " DESC")));
            if (!pagedInRoots)
            {
                sql.Append(Paging(limit, 0));
            }

            return Done(sql.ToString(), layout, columns, hasPresence: false, keyColumns: TraceKey("s").Count, CursorKind.Keyset);
        }

        // ---- grouped ----

        /// <summary>
        /// Grouping runs in an inner query whose columns are the dimensions and measures (and any other aggregate HAVING
        /// or the sort uses); HAVING, sort and output read those columns. That keeps every expression outside the
        /// grouping a plain column, which PostgreSQL requires and SQLite does not mind.
        /// </summary>
        public CompiledQuery Grouped()
        {
            var compiler = SpanCompiler();
            var where = new List<string> { ObjectCondition };
            if (query.Filter is { } filter)
            {
                where.Add(compiler.Predicate(filter));
            }

            Sample(where, "c.history_seq", Rows(), "c.history_seq");
            var from = Rows();
            FieldScope groupScope = Scope();
            if (query.Unpivot is { } unpivot)
            {
                // The filter reads the span row as it is; dimensions and measures also see the unpivoted member.
                var path = compiler.Compile(unpivot.Field).Path
                    ?? throw compiler.Error("unpivot takes a JSON field of the row, such as 'scores'", unpivot.Field);
                var each = _dialect.EachNumber(path.Document, path.Parameter, "u");
                from += each.Join;
                where.Add(each.Where);
                groupScope = new UnpivotScope(groupScope, unpivot,
                    new SqlValue("u.key", ValueKind.Text), new SqlValue(_dialect.EachValue("u"), ValueKind.Number));
                compiler = new ExpressionCompiler(context, groupScope) { TraceFunctions = TraceFunction };
            }

            var aggregate = new ExpressionCompiler(context, groupScope) { AllowAggregates = true };
            var inner = new List<string>();
            var groupKeys = new List<string>();
            var named = new Dictionary<string, SqlValue>(StringComparer.Ordinal);
            var dimensions = new Dictionary<string, SqlValue>(StringComparer.Ordinal);
            var columns = new List<OutputColumn>();
            SqlValue Column(SqlValue value)
            {
                inner.Add($"{value.Sql} AS g{inner.Count}");
                return new SqlValue($"g.g{inner.Count - 1}", value.Kind);
            }

            foreach (var item in query.Dimensions)
            {
                var value = compiler.Compile(item.Expression);
                var name = OutputName(item, columns.Count);
                AddNamed(named, name, Column(value), compiler, item.Expression);
                dimensions[name] = value;
                columns.Add(new OutputColumn(name, value.Kind == ValueKind.Null ? ValueKind.Text : value.Kind));
                if (!IsBareLiteral(value))
                {
                    // _xact_id groups by its integer column, whose text it is one to one: an index on the column can
                    // then hand the groups over in order (see GroupOrder).
                    groupKeys.Add(value.Stored?.Column ?? compiler.GroupKey(value));
                }
            }

            foreach (var item in query.Measures)
            {
                var value = aggregate.Compile(item.Expression);
                if (!value.IsAggregate && !ContainsAggregate(item.Expression))
                {
                    throw compiler.Error("a measure must be an aggregate such as count(1), sum(x) or avg(x)", item.Expression);
                }

                var name = OutputName(item, columns.Count);
                AddNamed(named, name, Column(value), compiler, item.Expression);
                columns.Add(new OutputColumn(name, value.Kind));
            }

            var outer = new ExpressionCompiler(context, new GroupScope(named))
            {
                Aggregates = call => Column(aggregate.Compile(call)),
            };
            var having = query.Having is { } h ? outer.Predicate(h) : null;
            IReadOnlyList<SortItem> sort = query.Sort.Count > 0
                ? query.Sort
                : query.Dimensions.Select((d, i) => new SortItem(Field(columns[i].Name), SortDirection.Ascending)).ToList();
            var order = SortTerms(outer, sort);
            var groupOrder = having is null && (limit is not null || Offset > 0) ? GroupOrder(sort, dimensions) : null;
            var outputs = columns.Select(c => named[c.Name]).Select(v => Output(v).Sql);
            var condition = string.Join(" AND ", where);
            var (row, data) = RowSource("c", "h");

            // Groups and measures on the row's own columns (a count per dataset, per _xact_id) need no stored JSON: left
            // out, the join to each row's history would cost a lookup per row (a dataset's record count read every
            // record's history row, where the current rows' index alone answers). An unpivot reads the stored JSON.
            var rowsOnly = query.Unpivot is null && data is not null
                && !ReadsHistoryRow($"{string.Join(", ", inner)} {condition} {string.Join(", ", groupKeys)}");
            var sql = new StringBuilder($"SELECT {string.Join(", ", outputs)}, 0 FROM (SELECT {string.Join(", ", inner)} FROM {(rowsOnly ? row : from)} WHERE {condition}");
            if (groupKeys.Count > 0)
            {
                sql.Append(" GROUP BY ").Append(string.Join(", ", groupKeys));
            }

            if (groupOrder is not null)
            {
                if (groupOrder.Count > 0)
                {
                    sql.Append(" ORDER BY ").Append(string.Join(", ", groupOrder));
                }

                sql.Append(Paging(limit, Offset));
            }

            sql.Append(") g");
            if (having is not null)
            {
                sql.Append(" WHERE ").Append(having);
            }

            if (order.Count > 0)
            {
                sql.Append(" ORDER BY ").Append(string.Join(", ", order));
            }

            if (groupOrder is null)
            {
                sql.Append(Paging(limit, Offset));
            }

            return Done(sql.ToString(), RowLayout.Columns, columns, hasPresence: false, keyColumns: 1, CursorKind.Offset);
        }

        /// <summary>
        /// The sort as terms of the grouping query itself, or null when it reads anything but dimensions. Sorted on
        /// dimensions alone, and with no HAVING to drop groups afterwards, a page's groups are the first ones in that
        /// order, so the grouping query sorts and pages them itself; the outer query only keeps the order. On a log's
        /// <c>_xact_id</c> (a dataset's versions) it sorts by the integer column, which orders as its text does and is
        /// never null in the event tables (so no NULLS clause, which would keep PostgreSQL off the index): walking an
        /// index on that column, the store reads the page's groups and stops, rather than grouping the whole history
        /// and sorting it. A document's _xact_id may be missing (audit events have none), so it keeps NULLS LAST.
        /// </summary>
        private List<string>? GroupOrder(IReadOnlyList<SortItem> sort, Dictionary<string, SqlValue> dimensions)
        {
            var compiler = new ExpressionCompiler(context, new GroupScope(dimensions));
            var terms = new List<string>();
            foreach (var item in sort)
            {
                if (item.Expression is not FieldPath { Segments: [NameSegment name] } || !dimensions.TryGetValue(name.Name, out var value))
                {
                    return null;
                }

                if (value.Stored is { } stored && !_source.IsDocuments)
                {
                    terms.Add(stored.Column + Direction(item));
                }
                else if (SortTerm(compiler, item) is { } term)
                {
                    terms.Add(term);
                }
            }

            return terms;
        }

        private static void AddNamed(Dictionary<string, SqlValue> named, string name, SqlValue value, ExpressionCompiler compiler, Expr at)
        {
            if (!named.TryAdd(name, value))
            {
                throw compiler.Error($"two dimensions or measures are named '{name}'; give one another name with AS", at);
            }
        }

        private static bool ContainsAggregate(Expr expression) => expression switch
        {
            FunctionCall call => call.IsAggregate || call.Arguments.Any(ContainsAggregate),
            UnaryExpr unary => ContainsAggregate(unary.Operand),
            BinaryExpr binary => ContainsAggregate(binary.Left) || ContainsAggregate(binary.Right),
            CaseExpr c => c.Branches.Any(b => ContainsAggregate(b.Result) || ContainsAggregate(b.Condition)) || (c.Else is { } e && ContainsAggregate(e)),
            CastExpr cast => ContainsAggregate(cast.Operand),
            _ => false,
        };

        private CompiledQuery Done(string sql, RowLayout layout, List<OutputColumn> columns, bool hasPresence, int keyColumns, CursorKind kind) =>
            new(sql, _parameters.Values, layout, columns, hasPresence, keyColumns, kind, shapeName, Offset, limit, context.Warnings);
    }
}
