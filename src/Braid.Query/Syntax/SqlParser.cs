namespace Braid.Query.Syntax;

/// <summary>
/// <c>SELECT … FROM source(…) WHERE … GROUP BY … HAVING … ORDER BY … LIMIT n OFFSET '&lt;cursor&gt;'</c>.
/// GROUP BY and aggregate select items are turned into the dimensions and measures BTQL spells out.
/// </summary>
internal static class SqlParser
{
    private static readonly HashSet<string> Unsupported = new(
        ["settings", "pivot", "unpivot", "join", "inner", "left", "right", "full", "cross",
         "union", "intersect", "except", "window", "qualify"],
        StringComparer.OrdinalIgnoreCase);

    public static ParsedQuery Parse(TokenStream tokens)
    {
        var parser = new ExpressionParser(tokens);
        if (tokens.IsWord("with"))
        {
            throw new QueryError("WITH (common table expressions) is not supported", tokens.Current.Position);
        }
        tokens.ExpectWord("select");
        if (tokens.IsWord("distinct"))
        {
            throw new QueryError("SELECT DISTINCT is not supported; use GROUP BY", tokens.Current.Position);
        }
        var select = new List<(SelectItem Item, SourcePosition Position)>();
        do
        {
            var position = tokens.Current.Position;
            select.Add((parser.ParseSelectItem(), position));
        }
        while (tokens.TryTake(TokenKind.Comma));

        tokens.ExpectWord("from");
        var from = parser.ParseFrom();
        var filter = tokens.TryWord("where") ? parser.ParseExpression() : null;
        List<(Expr Expression, SourcePosition Position)>? groupBy = null;
        if (tokens.TryWord("group"))
        {
            tokens.ExpectWord("by");
            groupBy = [];
            do
            {
                var position = tokens.Current.Position;
                groupBy.Add((parser.ParseExpression(), position));
            }
            while (tokens.TryTake(TokenKind.Comma));
        }
        var having = tokens.TryWord("having") ? parser.ParseExpression() : null;
        decimal? sample = null;
        long? sampleCount = null;
        if (tokens.TryWord("tablesample"))
        {
            // TABLESAMPLE 25 PERCENT, PostgreSQL's TABLESAMPLE BERNOULLI (25), or a number of rows: TABLESAMPLE 100 ROWS
            // (PostgreSQL's tsm_system_rows spelling TABLESAMPLE SYSTEM_ROWS (100) too).
            if (tokens.TryWord("system_rows"))
            {
                tokens.Expect(TokenKind.LeftParen, "'('");
                sampleCount = parser.ParseLimit();
                tokens.Expect(TokenKind.RightParen, "')'");
            }
            else if (tokens.TryWord("bernoulli") || tokens.TryWord("system"))
            {
                tokens.Expect(TokenKind.LeftParen, "'('");
                sample = parser.ParseSamplePercent(percentSign: false);
                tokens.Expect(TokenKind.RightParen, "')'");
            }
            else if (tokens.Peek(1).Kind == TokenKind.Identifier && tokens.Peek(1).Text.Equals("rows", StringComparison.OrdinalIgnoreCase))
            {
                sampleCount = parser.ParseLimit();
                tokens.ExpectWord("rows");
            }
            else
            {
                sample = parser.ParseSamplePercent(percentSign: false);
                tokens.ExpectWord("percent");
            }
        }

        var sort = EquatableList<SortItem>.Empty;
        if (tokens.TryWord("order"))
        {
            tokens.ExpectWord("by");
            sort = parser.ParseSortList();
        }
        long? limit = tokens.TryWord("limit") ? parser.ParseLimit() : null;
        string? cursor = null;
        if (tokens.TryWord("offset"))
        {
            // Braintrust pages with an opaque cursor, passed where SQL would take a row offset.
            cursor = tokens.Expect(TokenKind.String, "a quoted cursor after OFFSET").Text;
        }
        tokens.TryTake(TokenKind.Semicolon);
        if (!tokens.Is(TokenKind.End))
        {
            var token = tokens.Current;
            if (token.Kind == TokenKind.Identifier && Unsupported.Contains(token.Text))
            {
                throw new QueryError($"{token.Text.ToUpperInvariant()} is not supported", token.Position);
            }
            throw tokens.Unexpected("end of query");
        }

        var (plain, dimensions, measures) = SplitAggregates(select, groupBy);
        return new ParsedQuery(from, plain, dimensions, measures, filter, having, sort, limit, cursor)
        {
            Positions = parser.Positions,
            SamplePercent = sample,
            SampleCount = sampleCount,
        };
    }

    private static (EquatableList<SelectItem>, EquatableList<SelectItem>, EquatableList<SelectItem>) SplitAggregates(
        List<(SelectItem Item, SourcePosition Position)> select,
        List<(Expr Expression, SourcePosition Position)>? groupBy)
    {
        var anyAggregate = select.Exists(s => ContainsAggregate(s.Item.Expression));
        if (groupBy is null && !anyAggregate)
        {
            return (select.Select(s => s.Item).ToEquatableList(), [], []);
        }

        // A GROUP BY key may repeat a select expression or name a select alias; either way the
        // dimension takes the select item's alias.
        var dimensions = new List<SelectItem>();
        foreach (var (key, position) in groupBy ?? [])
        {
            // GROUP BY 2 names the second select item.
            if (key is NumberLiteral { IsInteger: true } ordinal)
            {
                if (ordinal.Value < 1 || ordinal.Value > select.Count)
                {
                    throw new QueryError($"GROUP BY {ordinal.Value} is not the position of a select item", position);
                }

                dimensions.Add(select[(int)ordinal.Value - 1].Item);
                continue;
            }

            var match = select.Find(s => s.Item.Expression == key || IsAliasReference(key, s.Item.Alias)).Item;
            dimensions.Add(match ?? new SelectItem(key, null));
        }
        var measures = new List<SelectItem>();
        foreach (var (item, position) in select)
        {
            if (item.Expression is StarExpr)
            {
                throw new QueryError("SELECT * cannot be combined with GROUP BY or aggregates", position);
            }
            if (ContainsAggregate(item.Expression))
            {
                measures.Add(item);
            }
            else if (!dimensions.Contains(item))
            {
                throw new QueryError("a selected expression must be an aggregate or appear in GROUP BY", position);
            }
        }
        return ([], dimensions.ToEquatableList(), measures.ToEquatableList());
    }

    private static bool IsAliasReference(Expr key, string? alias) =>
        alias is not null && key is FieldPath { Segments: [NameSegment name] } && name.Name == alias;

    // Recursion is safe: the parser has already bounded the tree's depth.
    private static bool ContainsAggregate(Expr expression) => expression switch
    {
        FunctionCall call => call.IsAggregate || call.Arguments.Any(ContainsAggregate),
        UnaryExpr unary => ContainsAggregate(unary.Operand),
        BinaryExpr binary => ContainsAggregate(binary.Left) || ContainsAggregate(binary.Right),
        LogicalExpr logical => logical.Operands.Any(ContainsAggregate),
        IsNullExpr isNull => ContainsAggregate(isNull.Operand),
        InExpr inList => ContainsAggregate(inList.Operand) || inList.Values.Any(ContainsAggregate),
        CastExpr cast => ContainsAggregate(cast.Operand),
        CaseExpr caseExpr => caseExpr.Branches.Any(b => ContainsAggregate(b.Condition) || ContainsAggregate(b.Result))
            || (caseExpr.Else is { } otherwise && ContainsAggregate(otherwise)),
        _ => false,
    };
}
