namespace Braid.Query.Syntax;

/// <summary>
/// The pipe syntax: <c>select: … | from: experiment('id') summary | filter: … | sort: … | limit: n</c>.
/// Clauses come in any order, once each, separated by <c>|</c> or by a line break.
/// </summary>
internal static class BtqlParser
{
    private static readonly HashSet<string> Unsupported = new(
        ["pivot"], StringComparer.Ordinal);

    public static ParsedQuery Parse(TokenStream tokens)
    {
        var parser = new ExpressionParser(tokens);
        var seen = new Dictionary<string, SourcePosition>(StringComparer.Ordinal);
        FromClause? from = null;
        EquatableList<SelectItem>? select = null, dimensions = null, measures = null;
        EquatableList<SortItem>? sort = null;
        Expr? filter = null;
        long? limit = null;
        string? cursor = null;
        decimal? sample = null;
        long? sampleCount = null;
        int? previewLength = null;
        UnpivotClause? unpivot = null;

        while (true)
        {
            var head = tokens.Current;
            if (head.Kind != TokenKind.Identifier || tokens.Peek(1).Kind != TokenKind.Colon)
            {
                throw tokens.Unexpected("a clause such as 'select:'");
            }
            var name = head.Text.ToLowerInvariant();
            if (!seen.TryAdd(name, head.Position))
            {
                throw new QueryError($"clause '{name}' appears more than once", head.Position);
            }
            tokens.Next();
            tokens.Next();
            switch (name)
            {
                case "select": select = parser.ParseSelectList(); break;
                case "dimensions": dimensions = parser.ParseSelectList(); break;
                case "measures": measures = parser.ParseSelectList(); break;
                case "from": from = ParseFrom(parser); break;
                case "filter": filter = parser.ParseExpression(); break;
                case "sort": sort = parser.ParseSortList(); break;
                case "limit": limit = parser.ParseLimit(); break;
                case "cursor": cursor = tokens.Expect(TokenKind.String, "a quoted cursor").Text; break;
                case "sample": (sample, sampleCount) = parser.ParseSample(); break;
                case "preview_length": previewLength = (int)Math.Min(parser.ParseLimit(), 1_000_000); break;
                case "unpivot": unpivot = ParseUnpivot(parser); break;
                default:
                    throw new QueryError(
                        Unsupported.Contains(name) ? $"clause '{name}' is not supported" : $"unknown clause '{name}'",
                        head.Position);
            }

            if (tokens.Is(TokenKind.End))
            {
                break;
            }
            if (!tokens.TryTake(TokenKind.Pipe) && tokens.Current.Position.Line == tokens.Previous.EndLine)
            {
                throw tokens.Unexpected("'|' or a line break before the next clause");
            }
        }

        if (from is null)
        {
            throw new QueryError("query has no 'from:' clause", SourcePosition.Start);
        }
        if (select is not null && (dimensions is not null || measures is not null))
        {
            var second = seen.TryGetValue("dimensions", out var d) ? d : seen["measures"];
            throw new QueryError("'select:' cannot be combined with 'dimensions:' or 'measures:'",
                seen["select"].Offset > second.Offset ? seen["select"] : second);
        }
        if (select is null && dimensions is null && measures is null)
        {
            throw new QueryError("query has no 'select:', 'dimensions:' or 'measures:' clause", SourcePosition.Start);
        }
        return new ParsedQuery(from, select ?? [], dimensions ?? [], measures ?? [], filter, null, sort ?? [], limit, cursor)
        {
            Positions = parser.Positions,
            SamplePercent = sample,
            SampleCount = sampleCount,
            PreviewLength = previewLength,
            Unpivot = unpivot,
        };
    }

    // `unpivot: scores as (score, value)`: a field, then the names of the member's name and value columns.
    private static UnpivotClause ParseUnpivot(ExpressionParser parser)
    {
        var tokens = parser.Tokens;
        var at = tokens.Current.Position;
        var field = parser.ParseExpression() as FieldPath ?? throw new QueryError("unpivot takes a field, such as 'scores'", at);
        tokens.ExpectWord("as");
        tokens.Expect(TokenKind.LeftParen, "'(' before the names of the name and value columns");
        var name = parser.ParseName("the name column's name");
        tokens.Expect(TokenKind.Comma, "',' between the name and value columns");
        var value = parser.ParseName("the value column's name");
        tokens.Expect(TokenKind.RightParen, "')' after the name and value columns");
        return new UnpivotClause(field, name, value);
    }

    // `from: project_logs('id') traces`: a trailing shape word, unless it is the next clause's name.
    private static FromClause ParseFrom(ExpressionParser parser)
    {
        var tokens = parser.Tokens;
        var source = parser.ParseFrom();
        if (tokens.Is(TokenKind.Identifier) && tokens.Peek(1).Kind != TokenKind.Colon)
        {
            var shapeToken = tokens.Next();
            if (source.Shape is not null)
            {
                throw new QueryError("the shape is given twice", shapeToken.Position);
            }
            return source with { Shape = ExpressionParser.ParseShape(shapeToken) };
        }
        return source;
    }
}
