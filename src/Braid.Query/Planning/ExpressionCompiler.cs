using System.Globalization;
using System.Text;
using System.Text.Json;
using Braid.Query.Lint;
using Braid.Query.Search;
using Braid.Query.Syntax;

namespace Braid.Query.Planning;

/// <summary>
/// Compiles expressions into SQL for one dialect. Values are typed (<see cref="ValueKind"/>): a JSON field compared
/// with a number is read as a number (and is NULL, so false, where the field holds anything else); compared with a
/// text it is read as text. That typing is what makes both stores answer alike, since their JSON functions do not.
/// User values only ever reach SQL as parameters.
/// </summary>
internal sealed class ExpressionCompiler(CompilerContext context, FieldScope scope)
{
    private int _depth;

    public QueryDialect Dialect => context.Dialect;

    public SqlParameters Parameters => context.Parameters;

    public QuerySource Source => context.Source;

    public FieldScope Scope => scope;

    /// <summary>Whether aggregates may appear (measures, and HAVING/sort of a grouped query).</summary>
    public bool AllowAggregates { get; init; }

    /// <summary>Where set, aggregates are compiled by it (a grouped query's HAVING and sort read them from the grouping).</summary>
    public Func<FunctionCall, SqlValue>? Aggregates { get; init; }

    /// <summary>Compiles <c>any_span(…)</c>/<c>filter_spans(…)</c> where the shape allows them.</summary>
    public Func<FunctionCall, ExpressionCompiler, SqlValue>? TraceFunctions { get; init; }

    public QueryError Error(string message, Expr at) => new(message, context.Positions.Find(at) ?? SourcePosition.Start);

    public void Warn(string code, string message, Expr at) => context.Warn(code, message, context.Positions.Find(at));

    public SqlValue Constant(string text) => new(Dialect.TextParameter(Parameters.Add(text)), ValueKind.Text) { Constant = text };

    public ExpressionCompiler With(FieldScope other) =>
        new(context, other) { AllowAggregates = AllowAggregates, TraceFunctions = TraceFunctions };

    /// <summary>A predicate for WHERE/HAVING.</summary>
    public string Predicate(Expr expression) => AsBool(Compile(expression), expression);

    public SqlValue Compile(Expr expression)
    {
        // The parser bounds depth; this bounds what the JSON form or a rewrite might still nest.
        if (++_depth > ParserLimits.MaxDepth * 2)
        {
            throw Error($"expression is nested more than {ParserLimits.MaxDepth} levels deep", expression);
        }

        try
        {
            return expression switch
            {
                StringLiteral s => Constant(s.Value),
                NumberLiteral n => Number(n),
                BooleanLiteral b => new SqlValue(Dialect.BoolLiteral(b.Value), ValueKind.Bool) { Constant = b.Value },
                NullLiteral => new SqlValue("NULL", ValueKind.Null),
                FieldPath path => scope.Resolve(path, this),
                UnaryExpr { Operator: UnaryOperator.Not } not => new SqlValue($"(NOT {Predicate(not.Operand)})", ValueKind.Bool),
                UnaryExpr negate => new SqlValue($"(-{AsNumber(Compile(negate.Operand), negate.Operand)})", ValueKind.Number),
                LogicalExpr logical => Logical(logical),
                BinaryExpr binary => Binary(binary),
                IsNullExpr isNull => IsNull(Compile(isNull.Operand), isNull.Negated),
                InExpr inList => In(inList),
                FunctionCall call => Call(call),
                CastExpr cast => Cast(Compile(cast.Operand), cast.TypeName, cast),
                CaseExpr caseExpr => Case(caseExpr),
                IntervalLiteral interval => throw Error("an interval can only be added to or subtracted from a timestamp", interval),
                StarExpr star => throw Error("'*' is only allowed alone in a select list or in count(*)", star),
                _ => throw Error("unsupported expression", expression),
            };
        }
        finally
        {
            _depth--;
        }
    }

    private SqlValue Number(NumberLiteral n)
    {
        // Integers go in as long and the rest as double: Microsoft.Data.Sqlite would bind a decimal as text. The cast to
        // object keeps the long a long (a long : double conditional is a double, which SQLite writes as text '1.0').
        object value = n.IsInteger && n.Value is >= long.MinValue and <= long.MaxValue ? (object)(long)n.Value : (double)n.Value;
        return new SqlValue(Dialect.NumberParameter(Parameters.Add(value)), ValueKind.Number) { Constant = value };
    }

    private SqlValue Logical(LogicalExpr logical)
    {
        var op = logical.Operator == LogicalOperator.And ? " AND " : " OR ";
        return new SqlValue(Balanced(logical.Operands.Select(Predicate).ToList(), op), ValueKind.Bool);
    }

    /// <summary>
    /// Terms joined by AND or OR as a balanced tree: SQLite parses a chain one level deeper per term and fails a
    /// statement over 1000 levels deep, which an IN of 1000 ids or 1000 ANDed conditions would otherwise be.
    /// </summary>
    private static string Balanced(IReadOnlyList<string> terms, string op) => terms.Count <= 32
        ? "(" + string.Join(op, terms) + ")"
        : "(" + Balanced(terms.Take(terms.Count / 2).ToList(), op) + op + Balanced(terms.Skip(terms.Count / 2).ToList(), op) + ")";

    public string AsBool(SqlValue value, Expr at) => value.Kind switch
    {
        ValueKind.Bool => value.Sql,
        ValueKind.Json => $"({Dialect.JsonBool(value)} = {Dialect.BoolLiteral(true)})",
        ValueKind.Null => Dialect.BoolLiteral(false),
        _ => throw Error($"expected a condition but found a {Describe(value.Kind)}", at),
    };

    public string AsNumber(SqlValue value, Expr at) => value.Kind switch
    {
        ValueKind.Number => value.Sql,
        ValueKind.Json => Dialect.JsonNumber(value),
        ValueKind.Text => Dialect.TextToNumber(value.Sql),
        // Typed, so PostgreSQL can choose sum() or avg() for it (an untyped NULL's is "not unique").
        ValueKind.Null => Dialect.NumberParameter("NULL"),
        _ => throw Error($"expected a number but found a {Describe(value.Kind)}", at),
    };

    public string AsText(SqlValue value, Expr at) => value.Kind switch
    {
        ValueKind.Text or ValueKind.Timestamp => value.Sql,
        ValueKind.Json => Dialect.JsonText(value),
        ValueKind.Number => Dialect.NumberToText(value.Sql),
        ValueKind.Null => Dialect.TextParameter("NULL"),
        _ => throw Error($"expected text but found a {Describe(value.Kind)}", at),
    };

    public string AsTimestamp(SqlValue value, Expr at) => value switch
    {
        { Kind: ValueKind.Timestamp } => value.Sql,
        { Constant: string text } => TimestampConstant(text, at),
        { Kind: ValueKind.Text } => Dialect.ToTimestamp(value.Sql),
        { Kind: ValueKind.Json } => Dialect.ToTimestamp(Dialect.JsonText(value)),
        { Kind: ValueKind.Number } => Dialect.FromEpochSeconds(value.Sql),
        // Typed like the other nulls, so PostgreSQL's to_jsonb() can take it (null::datetime in a CASE of mixed kinds).
        { Kind: ValueKind.Null } => Dialect.TextParameter("NULL"),
        _ => throw Error($"expected a timestamp but found a {Describe(value.Kind)}", at),
    };

    private string TimestampConstant(string text, Expr at)
    {
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            throw Error($"'{text}' is not a date or time", at);
        }

        return Dialect.TextParameter(Parameters.Add(time.UtcDateTime.ToString(QueryDialect.TimestampFormat, CultureInfo.InvariantCulture)));
    }

    /// <summary>The value as JSON, for output columns built into objects and for comparing two JSON values.</summary>
    public string AsJson(SqlValue value) => Dialect.ToJson(value);

    private static string Describe(ValueKind kind) => kind switch
    {
        ValueKind.Json => "JSON value",
        ValueKind.Text => "text",
        ValueKind.Number => "number",
        ValueKind.Bool => "condition",
        ValueKind.Timestamp => "timestamp",
        _ => "null",
    };

    private SqlValue IsNull(SqlValue value, bool negated)
    {
        var test = value.Kind == ValueKind.Json ? Dialect.JsonIsNull(value) : $"({value.Sql} IS NULL)";
        return new SqlValue(negated ? $"(NOT {test})" : test, ValueKind.Bool);
    }

    private SqlValue In(InExpr inList)
    {
        var operand = Compile(inList.Operand);
        // Number and text literals are one SQL IN each, not an OR of one comparison per value: SQLite took 12 s to
        // prepare the OR of 20,000 numbers (its planner grows faster than the list). Each literal would be compared
        // by a plain equality (see Compare), so the IN gives the same answer.
        var numbers = new List<string>();
        var texts = new List<string>();
        var tests = new List<string>();
        foreach (var value in inList.Values.Select(Compile))
        {
            if (value is { Kind: ValueKind.Number, Constant: not null } && operand.Kind is ValueKind.Json or ValueKind.Number or ValueKind.Text)
            {
                numbers.Add(value.Sql);
            }
            else if (value is { Kind: ValueKind.Text, Constant: not null } && operand.Kind is ValueKind.Json or ValueKind.Text)
            {
                texts.Add(value.Sql);
            }
            else
            {
                tests.Add(Compare(BinaryOperator.Equal, operand, value, inList));
            }
        }

        if (numbers.Count > 0)
        {
            tests.Add($"({AsNumber(operand, inList)} IN ({string.Join(", ", numbers)}))");
        }

        if (texts.Count > 0)
        {
            tests.Add(Dialect.TextIn(AsText(operand, inList), texts));
        }

        var any = tests.Count == 0 ? Dialect.BoolLiteral(false) : Balanced(tests, " OR ");
        return new SqlValue(inList.Negated ? $"(NOT {any})" : any, ValueKind.Bool);
    }

    private SqlValue Binary(BinaryExpr binary)
    {
        switch (binary.Operator)
        {
            case BinaryOperator.Match or BinaryOperator.NotMatch:
                return Match(binary);
            case BinaryOperator.Add or BinaryOperator.Subtract when binary.Right is IntervalLiteral interval:
                return AddInterval(binary.Left, interval, binary.Operator == BinaryOperator.Subtract ? -1 : 1, binary);
            case BinaryOperator.Add when binary.Left is IntervalLiteral interval:
                return AddInterval(binary.Right, interval, 1, binary);
        }

        var left = Compile(binary.Left);
        var right = Compile(binary.Right);
        switch (binary.Operator)
        {
            case BinaryOperator.Equal or BinaryOperator.NotEqual or BinaryOperator.Less or BinaryOperator.LessOrEqual
                or BinaryOperator.Greater or BinaryOperator.GreaterOrEqual:
                return new SqlValue(Compare(binary.Operator, left, right, binary), ValueKind.Bool);
            case BinaryOperator.Add or BinaryOperator.Subtract or BinaryOperator.Multiply:
                var symbol = binary.Operator switch { BinaryOperator.Add => "+", BinaryOperator.Subtract => "-", _ => "*" };
                return new SqlValue($"({AsNumber(left, binary.Left)} {symbol} {AsNumber(right, binary.Right)})", ValueKind.Number);
            case BinaryOperator.Divide:
                return new SqlValue(Dialect.Divide(AsNumber(left, binary.Left), AsNumber(right, binary.Right)), ValueKind.Number);
            case BinaryOperator.Modulo:
                return new SqlValue(Dialect.Modulo(AsNumber(left, binary.Left), AsNumber(right, binary.Right)), ValueKind.Number);
            case BinaryOperator.Like or BinaryOperator.NotLike or BinaryOperator.ILike or BinaryOperator.NotILike:
                return Like(binary, left, right);
            case BinaryOperator.Includes or BinaryOperator.NotIncludes:
                var includes = Includes(left, right, binary);
                return new SqlValue(binary.Operator == BinaryOperator.NotIncludes ? $"(NOT {includes})" : includes, ValueKind.Bool);
            default:
                throw Error($"unsupported operator {binary.Operator}", binary);
        }
    }

    /// <summary>
    /// The comparison's type is the more specific side's: a literal's kind wins over a JSON field's, a timestamp
    /// over text. Comparing with NULL is IS [NOT] NULL, as users mean it.
    /// </summary>
    public string Compare(BinaryOperator op, SqlValue left, SqlValue right, Expr at)
    {
        var symbol = op switch
        {
            BinaryOperator.Equal => "=",
            BinaryOperator.NotEqual => "<>",
            BinaryOperator.Less => "<",
            BinaryOperator.LessOrEqual => "<=",
            BinaryOperator.Greater => ">",
            _ => ">=",
        };
        if (left.Kind == ValueKind.Null || right.Kind == ValueKind.Null)
        {
            var other = left.Kind == ValueKind.Null ? right : left;
            return op switch
            {
                BinaryOperator.Equal => IsNull(other, negated: false).Sql,
                BinaryOperator.NotEqual => IsNull(other, negated: true).Sql,
                _ => Dialect.BoolLiteral(false),
            };
        }

        if ((StoredComparison(left, right, symbol) ?? StoredComparison(right, left, Mirror(symbol))) is { } stored)
        {
            return stored;
        }

        var kind = CommonKind(left, right);
        switch (kind)
        {
            case ValueKind.Json when op is BinaryOperator.Equal or BinaryOperator.NotEqual:
                var equal = JsonEqual(left, right);
                return op == BinaryOperator.Equal ? equal : $"(NOT {equal})";
            case ValueKind.Json:
                throw Error("only = and != compare two JSON values; cast one side, e.g. to_number(x)", at);
            case ValueKind.Number:
                return $"({AsNumber(left, at)} {symbol} {AsNumber(right, at)})";
            case ValueKind.Bool:
                return $"({BoolValue(left, at)} {symbol} {BoolValue(right, at)})";
            case ValueKind.Timestamp:
                return Dialect.CompareText(AsTimestamp(left, at), symbol, AsTimestamp(right, at));
            default:
                return Dialect.CompareText(AsText(left, at), symbol, AsText(right, at));
        }
    }

    /// <summary><c>_xact_id &gt; '1000…'</c> as an integer comparison on the stored column, when the literal reads as one.</summary>
    private string? StoredComparison(SqlValue field, SqlValue literal, string symbol)
    {
        if (field.Stored is not { } stored)
        {
            return null;
        }

        var value = literal.Constant switch
        {
            string text => stored.Parse(text),
            long number => number,
            _ => null,
        };
        return value is { } v ? $"({stored.Column} {symbol} {Parameters.Add(v)})" : null;
    }

    private static string Mirror(string symbol) => symbol switch
    {
        "<" => ">",
        "<=" => ">=",
        ">" => "<",
        ">=" => "<=",
        _ => symbol,
    };

    private string BoolValue(SqlValue value, Expr at) => value.Kind == ValueKind.Json ? Dialect.JsonBool(value) : AsBool(value, at);

    private static ValueKind CommonKind(SqlValue left, SqlValue right)
    {
        if (left.Kind == right.Kind)
        {
            return left.Kind;
        }

        if (left.Kind == ValueKind.Timestamp || right.Kind == ValueKind.Timestamp)
        {
            return ValueKind.Timestamp;
        }

        if (left.Kind == ValueKind.Json)
        {
            return right.Kind;
        }

        if (right.Kind == ValueKind.Json)
        {
            return left.Kind;
        }

        // Text against a number: a number literal says the user means numbers.
        return left.Kind == ValueKind.Number || right.Kind == ValueKind.Number ? ValueKind.Number : ValueKind.Text;
    }

    private string JsonEqual(SqlValue left, SqlValue right) =>
        Dialect.Name == "postgres"
            ? $"({left.Sql} = {right.Sql})"
            : $"(json({left.Sql}) = json({right.Sql}))";

    private SqlValue Like(BinaryExpr binary, SqlValue left, SqlValue right)
    {
        var ignoreCase = binary.Operator is BinaryOperator.ILike or BinaryOperator.NotILike;
        var negated = binary.Operator is BinaryOperator.NotLike or BinaryOperator.NotILike;
        if (right.Constant is not string pattern)
        {
            throw Error("the pattern of LIKE must be a quoted text", binary.Right);
        }

        if (pattern.Length > 65536)
        {
            throw Error("a LIKE pattern may be at most 65536 characters", binary.Right);
        }

        var text = AsText(left, binary.Left);
        var value = !ignoreCase && Dialect is SqliteQueryDialect ? SqliteQueryDialect.ToGlob(pattern) : pattern;
        if (Dialect is SqliteQueryDialect && Encoding.UTF8.GetByteCount(value) > SqliteQueryDialect.MaxPatternBytes)
        {
            throw Error($"a LIKE pattern may be at most {SqliteQueryDialect.MaxPatternBytes} bytes on SQLite", binary.Right);
        }

        var parameter = Parameters.Add(value);
        var like = Dialect.Like(text, Dialect.TextParameter(parameter), ignoreCase);
        return new SqlValue(negated ? $"(NOT {like})" : like, ValueKind.Bool);
    }

    private string Includes(SqlValue left, SqlValue right, Expr at)
    {
        if (left.Kind != ValueKind.Json)
        {
            throw Error("INCLUDES needs an array field on its left, such as tags", at);
        }

        if (right.Constant is null)
        {
            throw Error("INCLUDES needs a literal value on its right", at);
        }

        var literal = Parameters.Add(JsonSerializer.Serialize(right.Constant));
        return Dialect.ArrayIncludes(left, literal);
    }

    private SqlValue Match(BinaryExpr binary)
    {
        var left = Compile(binary.Left);
        var right = Compile(binary.Right);
        if (right.Constant is not string text)
        {
            throw Error("MATCH needs a quoted text on its right", binary.Right);
        }

        if (binary.Left is not FieldPath)
        {
            throw Error("MATCH needs a field on its left, such as input or output", binary.Left);
        }

        var tokens = SearchTokens.Tokenize(text).Distinct(StringComparer.Ordinal).ToList();
        // Log rows have a full-text index; prompts and functions (few, small) are searched by their text.
        if (Source.IsDocuments || scope is not SpanScope span || left.Path is not { } path || !path.Document.EndsWith(".data", StringComparison.Ordinal) || !SearchTokens.Fields.Contains(path.TopField))
        {
            // No index to use: each word is looked for in the value's text instead (case-insensitively for ASCII).
            if (!Source.IsDocuments)
            {
                Warn(LintCodes.MatchOnNonText,
                    $"MATCH uses the full-text index only on {string.Join(", ", SearchTokens.Fields)}; here it looks for each word inside the value's text, which is slow and may find parts of words",
                    binary.Left);
            }

            var haystack = left.Kind == ValueKind.Json ? $"COALESCE({Dialect.JsonText(left)}, {Dialect.JsonOutput(left)})" : AsText(left, binary.Left);
            var found = tokens.Count == 0
                ? Dialect.BoolLiteral(true)
                : "(" + string.Join(" AND ", tokens.Select(t => Dialect.Like(haystack, Dialect.TextParameter(Parameters.Add("%" + t + "%")), ignoreCase: true))) + ")";
            return new SqlValue(binary.Operator == BinaryOperator.NotMatch ? $"(NOT COALESCE({found}, {Dialect.BoolLiteral(false)}))" : found, ValueKind.Bool);
        }

        if (path.Depth > 1)
        {
            Warn(LintCodes.MatchSubField, $"MATCH on a part of {path.TopField} finds the words anywhere in {path.TopField}", binary.Left);
        }

        var test = tokens.Count == 0
            ? Dialect.BoolLiteral(true)
            : Dialect.SearchMatch(span.RowAlias, path.Document[..^".data".Length], Parameters.Add(Dialect.SearchParameter(path.TopField, tokens)));
        return new SqlValue(binary.Operator == BinaryOperator.NotMatch ? $"(NOT {test})" : test, ValueKind.Bool);
    }

    private SqlValue AddInterval(Expr timestamp, IntervalLiteral interval, int sign, Expr at)
    {
        var value = Compile(timestamp);
        var amount = interval.Amount * sign;
        if (timestamp is FunctionCall { Name: "now" or "current_timestamp" or "current_date" })
        {
            // Folded here: exact calendar arithmetic, and a constant the store can use an index with.
            var now = NowOf((FunctionCall)timestamp);
            var moved = interval.Unit switch
            {
                "second" => now.AddSeconds((double)amount),
                "minute" => now.AddMinutes((double)amount),
                "hour" => now.AddHours((double)amount),
                "day" => now.AddDays((double)amount),
                "week" => now.AddDays((double)amount * 7),
                "month" => now.AddMonths((int)amount),
                _ => now.AddYears((int)amount),
            };
            return TimestampValue(moved);
        }

        return new SqlValue(Dialect.AddInterval(AsTimestamp(value, at), amount, interval.Unit, Parameters), ValueKind.Timestamp);
    }

    private DateTimeOffset NowOf(FunctionCall call) =>
        call.Name == "current_date"
            ? new DateTimeOffset(context.Options.Now.UtcDateTime.Date, TimeSpan.Zero)
            : context.Options.Now;

    private SqlValue TimestampValue(DateTimeOffset time)
    {
        var text = time.UtcDateTime.ToString(QueryDialect.TimestampFormat, CultureInfo.InvariantCulture);
        return new SqlValue(Dialect.TextParameter(Parameters.Add(text)), ValueKind.Timestamp) { Constant = text };
    }

    private SqlValue Case(CaseExpr caseExpr)
    {
        var results = caseExpr.Branches.Select(b => Compile(b.Result)).ToList();
        var otherwise = caseExpr.Else is { } e ? Compile(e) : null;
        var all = otherwise is null ? results : [.. results, otherwise];
        var kind = Unify(all);
        var branches = caseExpr.Branches.Select((b, i) => $"WHEN {Predicate(b.Condition)} THEN {Coerce(results[i], kind, b.Result)}");
        var tail = otherwise is null ? "" : $" ELSE {Coerce(otherwise, kind, caseExpr.Else!)}";
        return new SqlValue($"(CASE {string.Join(" ", branches)}{tail} END)", kind);
    }

    /// <summary>One kind for values that must share a column: their kind if they agree (ignoring NULLs), else JSON.</summary>
    private static ValueKind Unify(IReadOnlyList<SqlValue> values)
    {
        var kinds = values.Select(v => v.Kind).Where(k => k != ValueKind.Null).Distinct().ToList();
        return kinds.Count switch
        {
            0 => ValueKind.Null,
            1 => kinds[0],
            _ => ValueKind.Json,
        };
    }

    private string Coerce(SqlValue value, ValueKind kind, Expr at) => kind switch
    {
        _ when value.Kind == kind => value.Sql,
        ValueKind.Json => AsJson(value),
        ValueKind.Number => AsNumber(value, at),
        ValueKind.Text => AsText(value, at),
        ValueKind.Timestamp => AsTimestamp(value, at),
        ValueKind.Bool => value.Kind == ValueKind.Null ? "NULL" : BoolValue(value, at),
        _ => "NULL",
    };

    private SqlValue Cast(SqlValue value, string type, Expr at) => type switch
    {
        "text" or "string" or "varchar" or "char" => value.Kind == ValueKind.Json
            ? new SqlValue($"(CASE WHEN {Dialect.JsonText(value)} IS NOT NULL THEN {Dialect.JsonText(value)} ELSE {Dialect.JsonOutput(value)} END)", ValueKind.Text)
            : new SqlValue(value.Kind == ValueKind.Bool ? $"(CASE WHEN {value.Sql} THEN 'true' WHEN NOT {value.Sql} THEN 'false' END)" : AsText(value, at), ValueKind.Text),
        "int" or "integer" or "bigint" or "smallint" => new SqlValue(Truncate(value, at), ValueKind.Number),
        "number" or "float" or "double" or "real" or "numeric" or "decimal" => new SqlValue(
            value.Kind == ValueKind.Json ? $"COALESCE({Dialect.JsonNumber(value)}, {Dialect.TextToNumber(Dialect.JsonText(value))})" : AsNumber(value, at),
            ValueKind.Number),
        "bool" or "boolean" => new SqlValue(ToBool(value, at), ValueKind.Bool),
        "date" => new SqlValue(Dialect.Truncate(AsTimestamp(value, at), "day", 86400, OffsetSeconds, Parameters), ValueKind.Timestamp),
        "datetime" or "timestamp" or "timestamptz" => new SqlValue(AsTimestamp(value, at), ValueKind.Timestamp),
        "json" or "jsonb" => new SqlValue(value.Kind == ValueKind.Json ? value.Sql : AsJson(value), ValueKind.Json) { Path = value.Path },
        _ => throw Error($"unknown type '{type}'; expected text, integer, number, boolean, date, datetime or json", at),
    };

    private string Truncate(SqlValue value, Expr at)
    {
        var number = value.Kind == ValueKind.Json
            ? $"COALESCE({Dialect.JsonNumber(value)}, {Dialect.TextToNumber(Dialect.JsonText(value))})"
            : AsNumber(value, at);
        return Dialect.Name == "sqlite" ? $"CAST({number} AS INTEGER)" : $"trunc({number})";
    }

    private string ToBool(SqlValue value, Expr at) => value.Kind switch
    {
        ValueKind.Bool => value.Sql,
        // By what the JSON holds, as to_number reads a JSON "5": a boolean, the text 'true' or 'false', or a number.
        ValueKind.Json => $"COALESCE({Dialect.JsonBool(value)}, {TextToBool(Dialect.JsonText(value))}, ({Dialect.JsonNumber(value)} <> 0))",
        ValueKind.Number => $"({value.Sql} <> 0)",
        ValueKind.Text => TextToBool(value.Sql),
        ValueKind.Null => "CAST(NULL AS boolean)",
        _ => throw Error($"cannot turn a {Describe(value.Kind)} into a boolean", at),
    };

    private string TextToBool(string text) =>
        $"(CASE lower({text}) WHEN 'true' THEN {Dialect.BoolLiteral(true)} WHEN 'false' THEN {Dialect.BoolLiteral(false)} END)";

    private long OffsetSeconds => -60L * context.Options.TzOffsetMinutes;

    private SqlValue Call(FunctionCall call)
    {
        if (call.IsAggregate)
        {
            return Aggregate(call);
        }

        var args = call.Arguments;
        switch (call.Name)
        {
            case "any_span" or "filter_spans":
                return TraceFunctions is { } trace
                    ? trace(call, this)
                    : throw Error($"{call.Name}() is only allowed in the filter of a query", call);
            case "now" or "current_timestamp" or "current_date":
                Arity(call, 0);
                return TimestampValue(NowOf(call));
            case "second" or "minute" or "hour" or "day" or "week" or "month" or "year":
                Arity(call, 1);
                return TruncateTo(call.Name, 1, Compile(args[0]), args[0]);
            case "date_trunc":
                Arity(call, 2);
                var (count, unit) = Bucket(args[0]);
                return TruncateTo(unit, count, Compile(args[1]), args[1]);
            case "lower" or "upper":
                Arity(call, 1);
                var text = AsText(Compile(args[0]), args[0]);
                return new SqlValue(call.Name == "lower" ? Dialect.Lower(text) : Dialect.Upper(text), ValueKind.Text);
            case "concat":
                return new SqlValue(Dialect.Concat(args.Select(a => AsText(Compile(a), a)).ToList()), ValueKind.Text);
            case "len" or "length":
                Arity(call, 1);
                var subject = Compile(args[0]);
                return new SqlValue(
                    subject.Kind == ValueKind.Json
                        ? $"COALESCE({Dialect.ArrayLength(subject)}, {Dialect.TextLength(Dialect.JsonText(subject))})"
                        : Dialect.TextLength(AsText(subject, args[0])),
                    ValueKind.Number);
            case "contains" or "includes":
                Arity(call, 2);
                return new SqlValue(Includes(Compile(args[0]), Compile(args[1]), call), ValueKind.Bool);
            case "json_extract":
                Arity(call, 2);
                return JsonExtract(call);
            case "coalesce" or "nullif" or "least" or "greatest":
                return Variadic(call);
            case "round":
                if (args.Count is < 1 or > 2)
                {
                    throw Error("round() takes a number and optionally a count of decimal places", call);
                }

                var places = args.Count == 2 ? AsNumber(Compile(args[1]), args[1]) : Dialect.NumberParameter(Parameters.Add(0L));
                return new SqlValue(Dialect.Round(AsNumber(Compile(args[0]), args[0]), places), ValueKind.Number);
            case "abs":
                Arity(call, 1);
                return new SqlValue($"abs({AsNumber(Compile(args[0]), args[0])})", ValueKind.Number);
            case var name when Conversions.TryGetValue(name, out var type):
                Arity(call, 1);
                return Cast(Compile(args[0]), type, call);
            default:
                throw Error($"unknown function '{call.Name}'", call);
        }
    }

    /// <summary>BTQL's conversion functions, each the cast to a type.</summary>
    private static readonly Dictionary<string, string> Conversions = new(StringComparer.Ordinal)
    {
        ["to_string"] = "text",
        ["to_boolean"] = "boolean",
        ["to_integer"] = "integer",
        ["to_number"] = "number",
        ["to_date"] = "date",
        ["to_datetime"] = "datetime",
    };

    private void Arity(FunctionCall call, int count)
    {
        if (call.Arguments.Count != count)
        {
            throw Error($"{call.Name}() takes {count} argument{(count == 1 ? "" : "s")}, not {call.Arguments.Count}", call);
        }
    }

    private static readonly Dictionary<string, long> UnitSeconds = new(StringComparer.Ordinal)
    {
        ["second"] = 1,
        ["minute"] = 60,
        ["hour"] = 3600,
        ["day"] = 86400,
        ["week"] = 604800,
    };

    private (int Count, string Unit) Bucket(Expr unitExpr)
    {
        if (unitExpr is not StringLiteral { Value: var text })
        {
            throw Error("date_trunc() takes a quoted unit such as 'day' or '15 minutes'", unitExpr);
        }

        var parts = text.Trim().ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var (count, unit) = parts.Length switch
        {
            1 => (1, parts[0]),
            2 when int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 => (n, parts[1]),
            _ => (0, ""),
        };
        unit = unit.EndsWith('s') ? unit[..^1] : unit;
        if (count == 0 || !(UnitSeconds.ContainsKey(unit) || unit is "month" or "year"))
        {
            throw Error($"unknown date_trunc unit '{text}'; expected second, minute, hour, day, week, month or year, or a multiple such as '15 minutes'", unitExpr);
        }

        if (count > 1 && unit is "week" or "month" or "year")
        {
            throw Error("multiples of weeks, months and years are not supported in date_trunc", unitExpr);
        }

        return (count, unit);
    }

    private SqlValue TruncateTo(string unit, int count, SqlValue value, Expr at)
    {
        var bucket = UnitSeconds.TryGetValue(unit, out var seconds) ? seconds * count : 0;
        return new SqlValue(Dialect.Truncate(AsTimestamp(value, at), unit, bucket, OffsetSeconds, Parameters), ValueKind.Timestamp);
    }

    private SqlValue JsonExtract(FunctionCall call)
    {
        var document = Compile(call.Arguments[0]);
        if (call.Arguments[1] is not StringLiteral { Value: var pathText })
        {
            throw Error("json_extract() takes a quoted path such as 'a.b[0]'", call.Arguments[1]);
        }

        FieldPath path;
        try
        {
            path = QueryParser.ParsePath(pathText);
        }
        catch (QueryError e)
        {
            throw Error($"bad json_extract path '{pathText}': {e.Message}", call.Arguments[1]);
        }

        var json = document.Kind switch
        {
            ValueKind.Json => $"COALESCE({Dialect.ParseJson(Dialect.JsonText(document))}, {document.Sql})",
            ValueKind.Text => Dialect.ParseJson(document.Sql),
            _ => throw Error("json_extract() reads a JSON text or value", call.Arguments[0]),
        };
        var segments = new List<object>();
        foreach (var segment in path.Segments)
        {
            segments.Add(segment switch
            {
                NameSegment { Name: var n } when n.Contains('"', StringComparison.Ordinal) => throw Error("json_extract() path names cannot contain '\"'", call),
                NameSegment n => n.Name,
                IndexSegment i => i.Index,
                _ => throw Error("bad path", call),
            });
        }

        var parameter = Parameters.Add(Dialect.PathParameter(segments));
        return Dialect.JsonAt(json, parameter, "", segments.Count);
    }

    private SqlValue Variadic(FunctionCall call)
    {
        var values = call.Arguments.Select(Compile).ToList();
        if (values.Count == 0 || (call.Name == "nullif" && values.Count != 2))
        {
            throw Error($"{call.Name}() takes {(call.Name == "nullif" ? "2 arguments" : "at least one argument")}", call);
        }

        var kind = Unify(values);
        if (call.Name is "least" or "greatest" && kind == ValueKind.Json)
        {
            kind = ValueKind.Number;
        }

        var parts = values.Select((v, i) => Coerce(v, kind, call.Arguments[i])).ToList();
        var sql = call.Name switch
        {
            // SQLite's COALESCE takes at least two arguments.
            "coalesce" => "COALESCE(" + string.Join(", ", parts.Select(p => kind == ValueKind.Json ? JsonNonNull(p) : p)) + (parts.Count == 1 ? ", NULL)" : ")"),
            "nullif" => $"NULLIF({parts[0]}, {parts[1]})",
            "least" => Dialect.Least(parts),
            _ => Dialect.Greatest(parts),
        };
        return new SqlValue(sql, kind);
    }

    // COALESCE must skip JSON nulls as well as missing values.
    private string JsonNonNull(string json) =>
        Dialect.Name == "sqlite" ? $"NULLIF({json}, 'null')" : $"NULLIF({json}, 'null'::jsonb)";

    private SqlValue Aggregate(FunctionCall call)
    {
        if (Aggregates is { } grouped)
        {
            return grouped(call);
        }

        if (!AllowAggregates)
        {
            throw Error($"{call.Name}() is an aggregate; use it in measures (or SELECT with GROUP BY), not here", call);
        }

        var args = call.Arguments;
        var inner = new ExpressionCompiler(context, scope);
        string sql;
        switch (call.Name)
        {
            case "count" when args.Count == 0 || args is [StarExpr]:
                sql = "COUNT(*)";
                break;
            case "count":
                ArityRange(call, 1);
                var counted = inner.Compile(args[0]);
                sql = $"COUNT(CASE WHEN NOT {IsNull(counted, negated: false).Sql} THEN 1 END)";
                break;
            case "count_distinct":
                ArityRange(call, 1);
                sql = $"COUNT(DISTINCT {inner.GroupKey(inner.Compile(args[0]))})";
                break;
            case "sum" or "avg":
                ArityRange(call, 1);
                var summed = inner.AsNumber(inner.Compile(args[0]), args[0]);
                // SQLite's SUM of integers fails the statement when it passes 2^63; summing as floating point, as
                // PostgreSQL's float8 does, keeps both stores alike.
                sql = call.Name == "sum" && Dialect is SqliteQueryDialect ? $"SUM(CAST({summed} AS REAL))" : $"{call.Name.ToUpperInvariant()}({summed})";
                break;
            case "min" or "max":
                ArityRange(call, 1);
                var value = inner.Compile(args[0]);
                var kind = value.Kind is ValueKind.Timestamp or ValueKind.Text ? value.Kind : ValueKind.Number;
                var operand = kind == ValueKind.Number ? inner.AsNumber(value, args[0]) : value.Sql;
                sql = Dialect.Name == "postgres" && kind != ValueKind.Number
                    ? $"{call.Name.ToUpperInvariant()}({operand} COLLATE \"C\")"
                    : $"{call.Name.ToUpperInvariant()}({operand})";
                return new SqlValue(sql, kind) { IsAggregate = true };
            // approx_percentile promises a value within 1% of the exact one, which the raw rows give exactly; log rollups
            // answer it from their duration sketches (RollupQueries).
            case "percentile" or "approx_percentile":
                if (args.Count != 2 || args[1] is not NumberLiteral { Value: >= 0 and <= 1 } fraction)
                {
                    throw Error($"{call.Name}() takes a value and a fraction between 0 and 1, e.g. {call.Name}(metrics.duration, 0.95)", call);
                }

                sql = Dialect.Percentile(inner.AsNumber(inner.Compile(args[0]), args[0]), Dialect.NumberParameter(Parameters.Add((double)fraction.Value)));
                break;
            default:
                throw Error($"unknown aggregate '{call.Name}'", call);
        }

        return new SqlValue(sql, ValueKind.Number) { IsAggregate = true };
    }

    private void ArityRange(FunctionCall call, int count)
    {
        if (call.Arguments.Count != count)
        {
            throw Error($"{call.Name}() takes {count} argument, not {call.Arguments.Count}", call);
        }
    }

    /// <summary>A value in a form that groups and counts equal values together (JSON as its text).</summary>
    public string GroupKey(SqlValue value) => value.Sql;
}
