using Braid.Query.Syntax;

namespace Braid.Query.Tests.Syntax;

public sealed class ParseErrorTests
{
    public static TheoryData<string, string, int, int> Cases => new()
    {
        { "", "expected SELECT or a BTQL clause such as 'select:' but found end of query", 1, 1 },
        { "DELETE FROM x", "expected SELECT or a BTQL clause such as 'select:' but found 'DELETE'", 1, 1 },
        { "SELECT * FROM project_logs('p') WHERE a = 'oops", "unterminated string", 1, 43 },
        { "SELECT * FROM project_logs('p')\nWHERE a = = 1", "expected an expression but found '='", 2, 11 },
        { "SELECT * FROM nowhere('p')", "unknown source 'nowhere'", 1, 15 },
        { "SELECT * FROM project_logs('p', shape => 'blobs')", "unknown shape 'blobs'; expected spans, traces or summary", 1, 42 },
        { "SELECT * FROM project_logs('p') LIMIT 'ten'", "expected a row count but found string 'ten'", 1, 39 },
        { "SELECT * FROM project_logs('p') WHERE (a = 1", "expected ')' but found end of query", 1, 45 },
        { "SELECT * FROM project_logs('p') JOIN dataset('d')", "JOIN is not supported", 1, 33 },
        { "SELECT a, count(*) AS n FROM project_logs('p') GROUP BY b", "a selected expression must be an aggregate or appear in GROUP BY", 1, 8 },
        { "SELECT * FROM project_logs('p') WHERE a = #", "unexpected character '#'", 1, 43 },
        { "SELECT * FROM project_logs('p') /* never closed", "unterminated /* comment", 1, 33 },
        { "SELECT FROM project_logs('p')", "expected an expression but found keyword FROM", 1, 8 },
        { "select: *\n| from: project_logs('p')\n| frobnicate: 3", "unknown clause 'frobnicate'", 3, 3 },
        { "select: * | from: project_logs('p') | sample: 2.5", "limit must be a whole number that fits in 64 bits, not 2.5", 1, 47 },
        { "SELECT * FROM project_logs('p') TABLESAMPLE 10", "expected PERCENT but found end of query", 1, 47 },
        { "select: * | from: project_logs('p') | sample: 120%", "a sample must be between 0% and 100%, not 120%", 1, 47 },
        { "select: * | from: project_logs('p') | pivot: a", "clause 'pivot' is not supported", 1, 39 },
        { "dimensions: s | from: experiment('e') | unpivot: scores as (s)", "expected ',' between the name and value columns but found ')'", 1, 62 },
        { "dimensions: s | from: experiment('e') | unpivot: 1 as (s, v)", "unpivot takes a field, such as 'scores'", 1, 50 },
        { "select: * | select: a | from: project_logs('p')", "clause 'select' appears more than once", 1, 13 },
        { "select: * | filter: a = 1", "query has no 'from:' clause", 1, 1 },
        { "select: a from: project_logs('p')", "expected '|' or a line break before the next clause but found 'from'", 1, 11 },
        { "select: * | from: project_logs('p') | dimensions: a", "'select:' cannot be combined with 'dimensions:' or 'measures:'", 1, 39 },
        { "select: * | from: project_logs('p') | filter: created > interval 1 fortnight", "unknown interval unit 'fortnight'", 1, 68 },
        { "select: * | from: project_logs('p') | filter: a ? b", "expected ':' of a ?: expression but found end of query", 1, 52 },
        { "select: * | from: project_logs('p') |", "expected a clause such as 'select:' but found end of query", 1, 38 },
        { "select: * | from: project_logs('p') | filter: x = 1e999999", "number 1e999999 is out of range", 1, 51 },
        { "select: * | from: project_logs('p') | filter: tags[1.5] = 'a'", "array index must be a whole number, not 1.5", 1, 52 },
        { "SELECT * FROM project_logs('p') WHERE a IN (SELECT b FROM dataset('d'))", "subqueries are not supported", 1, 45 },
        { "WITH t AS (SELECT 1) SELECT * FROM t", "WITH (common table expressions) is not supported", 1, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parse_MalformedQuery_ThrowsWithMessageAndPosition(string text, string message, int line, int column)
    {
        var error = Assert.Throws<QueryError>(() => QueryParser.Parse(text));

        Assert.Equal(message, error.Message);
        Assert.Equal((line, column), (error.Position.Line, error.Position.Column));
    }

    [Fact]
    public void Parse_QueryOverLengthLimit_ThrowsQueryError()
    {
        var text = "select: * | from: project_logs('p') | filter: a = '" + new string('x', ParserLimits.MaxQueryLength) + "'";

        var error = Assert.Throws<QueryError>(() => QueryParser.Parse(text));

        Assert.StartsWith("query is longer than", error.Message);
    }

    [Fact]
    public void Parse_StringOverLiteralLimit_PointsAtTheString()
    {
        var text = "select: * | from: project_logs('p') | filter: a = '" + new string('x', ParserLimits.MaxLiteralLength + 1) + "'";

        var error = Assert.Throws<QueryError>(() => QueryParser.Parse(text));

        Assert.Equal(($"literal is longer than {ParserLimits.MaxLiteralLength} characters", 51), (error.Message, error.Position.Column));
    }

    [Fact]
    public void Parse_NestingJustWithinLimit_Parses()
    {
        var depth = ParserLimits.MaxDepth - 1;
        var text = "select: * | from: project_logs('p') | filter: " + new string('(', depth) + "x" + new string(')', depth);

        Assert.NotNull(QueryParser.Parse(text).Filter);
    }

    [Fact]
    public void Parse_LongArithmeticChain_ThrowsDepthError()
    {
        var text = "select: * | from: project_logs('p') | filter: " + string.Join(" + ", Enumerable.Repeat("a", 1000)) + " > 0";

        var error = Assert.Throws<QueryError>(() => QueryParser.Parse(text));

        Assert.Contains("nested more than", error.Message);
    }
}
