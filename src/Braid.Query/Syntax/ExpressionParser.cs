using System.Globalization;

namespace Braid.Query.Syntax;

/// <summary>
/// Recursive-descent parser for the expression grammar and the pieces (select items, sort keys,
/// sources) that SQL and BTQL share. Every recursion passes through <see cref="Enter"/> once per level
/// (parentheses, calls and CASE all recurse via <see cref="ParseExpression"/>), so depth is bounded.
/// </summary>
internal sealed class ExpressionParser(TokenStream tokens)
{
    // Words that end or structure a clause and so can never start an expression unquoted.
    private static readonly HashSet<string> Reserved = new(
        ["select", "from", "where", "group", "by", "having", "order", "limit", "offset", "and", "or", "not",
         "is", "in", "like", "ilike", "match", "as", "when", "then", "else", "end", "asc", "desc",
         "distinct", "union", "join", "with"],
        StringComparer.OrdinalIgnoreCase);

    private static readonly HashSet<string> IntervalUnits = new(
        ["second", "minute", "hour", "day", "week", "month", "year"], StringComparer.Ordinal);

    private int _depth;

    public TokenStream Tokens => tokens;

    public SourceMap Positions { get; } = new();

    public Expr ParseExpression()
    {
        Enter();
        var condition = ParseOr();
        if (!tokens.TryTake(TokenKind.Question))
        {
            Leave();
            return condition;
        }
        var then = ParseExpression();
        tokens.Expect(TokenKind.Colon, "':' of a ?: expression");
        var otherwise = ParseExpression();
        Leave();
        return new CaseExpr([new WhenClause(condition, then)], otherwise);
    }

    public EquatableList<SelectItem> ParseSelectList()
    {
        var items = new List<SelectItem>();
        do
        {
            items.Add(ParseSelectItem());
        }
        while (tokens.TryTake(TokenKind.Comma));
        return items.ToEquatableList();
    }

    public SelectItem ParseSelectItem()
    {
        var expression = ParseExpression();
        return new SelectItem(expression, tokens.TryWord("as") ? ParseName("an alias") : null);
    }

    public EquatableList<SortItem> ParseSortList()
    {
        var items = new List<SortItem>();
        do
        {
            var expression = ParseExpression();
            var direction = tokens.TryWord("desc") ? SortDirection.Descending : SortDirection.Ascending;
            if (direction == SortDirection.Ascending)
            {
                tokens.TryWord("asc");
            }
            items.Add(new SortItem(expression, direction));
        }
        while (tokens.TryTake(TokenKind.Comma));
        return items.ToEquatableList();
    }

    /// <summary>Parses <c>source</c>, <c>source()</c> or <c>source('id', …, shape => 'traces')</c>.</summary>
    public FromClause ParseFrom()
    {
        var nameToken = tokens.Expect(TokenKind.Identifier, "a source such as project_logs('<id>')");
        var source = nameToken.Text.ToLowerInvariant();
        if (!FromClause.Sources.Contains(source))
        {
            throw new QueryError($"unknown source '{nameToken.Text}'", nameToken.Position);
        }
        var ids = new List<string>();
        QueryShape? shape = null;
        if (tokens.TryTake(TokenKind.LeftParen) && !tokens.TryTake(TokenKind.RightParen))
        {
            do
            {
                if (tokens.Is(TokenKind.Identifier) && tokens.Peek(1).Kind == TokenKind.Arrow)
                {
                    var argument = tokens.Next();
                    if (!argument.IsWord("shape"))
                    {
                        throw new QueryError($"unknown source argument '{argument.Text}'", argument.Position);
                    }
                    tokens.Next();
                    shape = ParseShape(tokens.Expect(TokenKind.String, "a shape such as 'traces'"));
                }
                else
                {
                    ids.Add(tokens.Expect(TokenKind.String, "a quoted id or name").Text);
                }
            }
            while (tokens.TryTake(TokenKind.Comma));
            tokens.Expect(TokenKind.RightParen, "')'");
        }
        return new FromClause(source, ids.ToEquatableList(), shape);
    }

    public static QueryShape ParseShape(Token token) => token.Text.ToLowerInvariant() switch
    {
        "spans" => QueryShape.Spans,
        "traces" => QueryShape.Traces,
        "summary" => QueryShape.Summary,
        _ => throw new QueryError($"unknown shape '{token.Text}'; expected spans, traces or summary", token.Position),
    };

    public long ParseLimit()
    {
        var token = tokens.Expect(TokenKind.Number, "a row count");
        if (!long.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit))
        {
            throw new QueryError($"limit must be a whole number that fits in 64 bits, not {token.Text}", token.Position);
        }
        return limit;
    }

    /// <summary><c>sample: 25%</c> (a percentage) or <c>sample: 100</c> (a number of rows).</summary>
    public (decimal? Percent, long? Count) ParseSample()
    {
        if (tokens.Peek(1).Kind == TokenKind.Percent)
        {
            return (ParseSamplePercent(), null);
        }

        return (null, ParseLimit());
    }

    /// <summary>A sampling percentage: <c>25%</c> (or a bare number where the syntax says PERCENT itself).</summary>
    public decimal ParseSamplePercent(bool percentSign = true)
    {
        var token = tokens.Expect(TokenKind.Number, "a percentage such as 25%");
        var percent = ParseNumber(token).Value;
        if (percentSign && !tokens.TryTake(TokenKind.Percent))
        {
            throw new QueryError("sample takes a percentage such as 25% or a number of rows such as 100", tokens.Current.Position);
        }

        if (percent is < 0 or > 100)
        {
            throw new QueryError($"a sample must be between 0% and 100%, not {percent}%", token.Position);
        }

        return percent;
    }

    public string ParseName(string expected)
    {
        var token = tokens.Current;
        if (token.Kind is TokenKind.QuotedIdentifier or TokenKind.Identifier)
        {
            tokens.Next();
            return token.Text;
        }
        throw tokens.Unexpected(expected);
    }

    private void Enter()
    {
        if (++_depth > ParserLimits.MaxDepth)
        {
            throw new QueryError($"expression is nested more than {ParserLimits.MaxDepth} levels deep", tokens.Current.Position);
        }
    }

    private void Leave() => _depth--;

    private Expr ParseOr() => ParseLogical(LogicalOperator.Or, "or", ParseAnd);

    private Expr ParseAnd() => ParseLogical(LogicalOperator.And, "and", ParseNot);

    private Expr ParseLogical(LogicalOperator op, string word, Func<Expr> operand)
    {
        var first = operand();
        if (!tokens.IsWord(word))
        {
            return first;
        }
        var operands = new List<Expr> { first };
        while (tokens.TryWord(word))
        {
            operands.Add(operand());
        }
        return new LogicalExpr(op, operands.ToEquatableList());
    }

    private Expr ParseNot()
    {
        if (!tokens.TryWord("not"))
        {
            return ParsePredicate();
        }
        Enter();
        var operand = ParseNot();
        Leave();
        return new UnaryExpr(UnaryOperator.Not, operand);
    }

    // Comparisons and the other predicates do not chain: `a = b = c` is an error, as in SQL.
    private Expr ParsePredicate()
    {
        var start = tokens.Current.Position;
        var left = ParseAdditive();
        BinaryOperator? comparison = tokens.Current.Kind switch
        {
            TokenKind.Equal => BinaryOperator.Equal,
            TokenKind.NotEqual => BinaryOperator.NotEqual,
            TokenKind.Less => BinaryOperator.Less,
            TokenKind.LessOrEqual => BinaryOperator.LessOrEqual,
            TokenKind.Greater => BinaryOperator.Greater,
            TokenKind.GreaterOrEqual => BinaryOperator.GreaterOrEqual,
            _ => null,
        };
        if (comparison is { } op)
        {
            tokens.Next();
            return Positions.Mark(new BinaryExpr(op, left, ParseAdditive()), start);
        }
        if (tokens.TryWord("is"))
        {
            var negated = tokens.TryWord("not");
            tokens.ExpectWord("null");
            return Positions.Mark(new IsNullExpr(left, negated), start);
        }
        var not = tokens.IsWord("not") && IsPredicateWord(tokens.Peek(1));
        if (not)
        {
            tokens.Next();
        }
        if (tokens.TryWord("in"))
        {
            return Positions.Mark(new InExpr(left, ParseInList(), not), start);
        }
        var word = tokens.Current;
        BinaryOperator? predicate = word.Kind != TokenKind.Identifier ? null : word.Text.ToLowerInvariant() switch
        {
            "like" => not ? BinaryOperator.NotLike : BinaryOperator.Like,
            "ilike" => not ? BinaryOperator.NotILike : BinaryOperator.ILike,
            "match" => not ? BinaryOperator.NotMatch : BinaryOperator.Match,
            "includes" or "contains" => not ? BinaryOperator.NotIncludes : BinaryOperator.Includes,
            _ => null,
        };
        if (predicate is { } predicateOp)
        {
            tokens.Next();
            return Positions.Mark(new BinaryExpr(predicateOp, left, ParseAdditive()), start);
        }
        return left;
    }

    private static bool IsPredicateWord(Token token) =>
        token.IsWord("in") || token.IsWord("like") || token.IsWord("ilike") || token.IsWord("match") ||
        token.IsWord("includes") || token.IsWord("contains");

    private EquatableList<Expr> ParseInList()
    {
        tokens.Expect(TokenKind.LeftParen, "'(' after IN");
        RejectSubquery();
        var values = new List<Expr>();
        do
        {
            values.Add(ParseExpression());
        }
        while (tokens.TryTake(TokenKind.Comma));
        tokens.Expect(TokenKind.RightParen, "')' or ','");
        return values.ToEquatableList();
    }

    private void RejectSubquery()
    {
        if (tokens.IsWord("select"))
        {
            throw new QueryError("subqueries are not supported", tokens.Current.Position);
        }
    }

    private Expr ParseAdditive() => ParseChain(ParseMultiplicative, static kind => kind switch
    {
        TokenKind.Plus => BinaryOperator.Add,
        TokenKind.Minus => BinaryOperator.Subtract,
        _ => null,
    });

    private Expr ParseMultiplicative() => ParseChain(ParseUnary, static kind => kind switch
    {
        TokenKind.Star => BinaryOperator.Multiply,
        TokenKind.Slash => BinaryOperator.Divide,
        TokenKind.Percent => BinaryOperator.Modulo,
        _ => null,
    });

    // A left-associative chain builds a tree one level deeper per operator without recursing,
    // so each link counts against the depth limit explicitly.
    private Expr ParseChain(Func<Expr> operand, Func<TokenKind, BinaryOperator?> operatorOf)
    {
        var left = operand();
        var links = 0;
        while (operatorOf(tokens.Current.Kind) is { } op)
        {
            tokens.Next();
            Enter();
            links++;
            left = new BinaryExpr(op, left, operand());
        }
        _depth -= links;
        return left;
    }

    private Expr ParseUnary()
    {
        if (tokens.Is(TokenKind.Minus) || tokens.Is(TokenKind.Plus))
        {
            var negate = tokens.Next().Kind == TokenKind.Minus;
            Enter();
            var operand = ParseUnary();
            Leave();
            if (!negate)
            {
                return operand;
            }
            // Folding keeps `-1` a literal, which is what every consumer wants to see.
            return operand is NumberLiteral number
                ? number with { Value = -number.Value }
                : new UnaryExpr(UnaryOperator.Negate, operand);
        }
        return ParsePostfix();
    }

    private Expr ParsePostfix()
    {
        var expression = ParsePrimary();
        var links = 0;
        while (tokens.TryTake(TokenKind.DoubleColon))
        {
            Enter();
            links++;
            expression = new CastExpr(expression, ParseTypeName());
        }
        _depth -= links;
        return expression;
    }

    private string ParseTypeName() => tokens.Expect(TokenKind.Identifier, "a type name").Text.ToLowerInvariant();

    private Expr ParsePrimary()
    {
        var token = tokens.Current;
        switch (token.Kind)
        {
            case TokenKind.Number:
                tokens.Next();
                return ParseNumber(token);
            case TokenKind.String:
                tokens.Next();
                return new StringLiteral(token.Text);
            case TokenKind.Star:
                tokens.Next();
                return new StarExpr();
            case TokenKind.LeftParen:
                tokens.Next();
                RejectSubquery();
                var inner = ParseExpression();
                tokens.Expect(TokenKind.RightParen, "')'");
                return inner;
            case TokenKind.QuotedIdentifier:
                return ParsePath();
            case TokenKind.Identifier:
                return ParseWord(token);
            default:
                throw tokens.Unexpected("an expression");
        }
    }

    private Expr ParseWord(Token token)
    {
        var word = token.Text.ToLowerInvariant();
        var isCall = tokens.Peek(1).Kind == TokenKind.LeftParen;
        switch (word)
        {
            case "true" or "false":
                tokens.Next();
                return new BooleanLiteral(word == "true");
            case "null":
                tokens.Next();
                return new NullLiteral();
            case "interval":
                tokens.Next();
                return ParseInterval();
            case "case":
                tokens.Next();
                return ParseCase();
            case "cast" when isCall:
                tokens.Next();
                return ParseCast();
        }
        if (Reserved.Contains(word))
        {
            throw new QueryError($"expected an expression but found keyword {token.Text.ToUpperInvariant()}", token.Position);
        }
        return isCall ? Positions.Mark(ParseCall(word), token.Position) : ParsePath();
    }

    private static NumberLiteral ParseNumber(Token token)
    {
        var isInteger = !token.Text.Contains('.') && !token.Text.Contains('e', StringComparison.OrdinalIgnoreCase);
        if (!decimal.TryParse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw new QueryError($"number {token.Text} is out of range", token.Position);
        }
        return new NumberLiteral(value, isInteger);
    }

    private FunctionCall ParseCall(string name)
    {
        tokens.Next();
        tokens.Next();
        var arguments = new List<Expr>();
        if (!tokens.Is(TokenKind.RightParen))
        {
            // SQL's count(DISTINCT x) is BTQL's count_distinct(x).
            if (name == "count" && tokens.TryWord("distinct"))
            {
                name = "count_distinct";
            }
            do
            {
                arguments.Add(ParseExpression());
            }
            while (tokens.TryTake(TokenKind.Comma));
        }
        tokens.Expect(TokenKind.RightParen, "')' or ','");
        return new FunctionCall(name, arguments.ToEquatableList());
    }

    private FieldPath ParsePath()
    {
        var start = tokens.Current.Position;
        var segments = new List<PathSegment> { new NameSegment(ParseName("a field name")) };
        while (true)
        {
            if (tokens.TryTake(TokenKind.Dot))
            {
                segments.Add(new NameSegment(ParseName("a field name after '.'")));
            }
            else if (tokens.TryTake(TokenKind.LeftBracket))
            {
                segments.Add(ParseIndex());
                tokens.Expect(TokenKind.RightBracket, "']'");
            }
            else
            {
                return Positions.Mark(new FieldPath(segments.ToEquatableList()), start);
            }
        }
    }

    private PathSegment ParseIndex()
    {
        if (tokens.Is(TokenKind.String))
        {
            return new NameSegment(tokens.Next().Text);
        }
        var negative = tokens.TryTake(TokenKind.Minus);
        var token = tokens.Expect(TokenKind.Number, "an array index or a quoted key");
        if (!long.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            throw new QueryError($"array index must be a whole number, not {token.Text}", token.Position);
        }
        return new IndexSegment(negative ? -index : index);
    }

    private IntervalLiteral ParseInterval()
    {
        var negative = tokens.TryTake(TokenKind.Minus);
        var amount = ParseNumber(tokens.Expect(TokenKind.Number, "an interval amount"));
        var unitToken = tokens.Expect(TokenKind.Identifier, "an interval unit such as day");
        var unit = unitToken.Text.ToLowerInvariant();
        if (unit.EndsWith('s'))
        {
            unit = unit[..^1];
        }
        if (!IntervalUnits.Contains(unit))
        {
            throw new QueryError($"unknown interval unit '{unitToken.Text}'", unitToken.Position);
        }
        return new IntervalLiteral(negative ? -amount.Value : amount.Value, unit);
    }

    private CaseExpr ParseCase()
    {
        // The simple form `CASE x WHEN v THEN …` becomes `CASE WHEN x = v THEN …`.
        var subject = tokens.IsWord("when") ? null : ParseExpression();
        var branches = new List<WhenClause>();
        while (tokens.TryWord("when"))
        {
            var condition = ParseExpression();
            tokens.ExpectWord("then");
            var result = ParseExpression();
            branches.Add(new WhenClause(
                subject is null ? condition : new BinaryExpr(BinaryOperator.Equal, subject, condition), result));
        }
        if (branches.Count == 0)
        {
            throw tokens.Unexpected("WHEN");
        }
        var otherwise = tokens.TryWord("else") ? ParseExpression() : null;
        tokens.ExpectWord("end");
        return new CaseExpr(branches.ToEquatableList(), otherwise);
    }

    private CastExpr ParseCast()
    {
        tokens.Next();
        var operand = ParseExpression();
        tokens.ExpectWord("as");
        var type = ParseTypeName();
        tokens.Expect(TokenKind.RightParen, "')'");
        return new CastExpr(operand, type);
    }
}
