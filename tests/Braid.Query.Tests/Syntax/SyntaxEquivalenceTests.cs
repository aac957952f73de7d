using Braid.Query.Syntax;

namespace Braid.Query.Tests.Syntax;

public sealed class SyntaxEquivalenceTests
{
    public static TheoryData<string, string> Pairs => new()
    {
        { "SELECT * FROM project_logs('p1')", "select: * | from: project_logs('p1')" },
        { "select * from project_logs('p1') limit 10", "from: project_logs('p1') | select: * | limit: 10" },
        { "SELECT * FROM project_logs('p1', shape => 'traces')", "select: * | from: project_logs('p1') traces" },
        { "SELECT * FROM experiment('e1', 'e2', shape => 'summary')", "select: *\nfrom: experiment('e1', 'e2') summary" },
        { "SELECT id, input AS i FROM dataset('d')", "select: id, input as i | from: dataset('d')" },
        { "SELECT * FROM project_prompts('p')", "select: * | from: project_prompts('p')" },
        { "SELECT * FROM org_functions", "select: * | from: org_functions" },
        { "SELECT * FROM org_prompts()", "select: * | from: org_prompts" },
        { "SELECT * FROM project_logs('p') WHERE metadata.a.b = 'x'", "select: * | from: project_logs('p') | filter: metadata.a.b = 'x'" },
        { "SELECT * FROM project_logs('p') WHERE scores.\"x y\" >= 0.5", "select: * | from: project_logs('p') | filter: scores.\"x y\" >= 0.5" },
        { "SELECT * FROM project_logs('p') WHERE tags[0] = 'a' AND input['k'] != 1", "select: * | from: project_logs('p') | filter: tags[0] = 'a' and input.k <> 1" },
        { "SELECT * FROM project_logs('p') WHERE tags[-1] IS NULL", "select: * | from: project_logs('p') | filter: tags[-1] is null" },
        { "SELECT * FROM project_logs('p') WHERE error IS NOT NULL OR x < 3", "select: * | from: project_logs('p') | filter: error IS NOT NULL or x < 3" },
        { "SELECT * FROM project_logs('p') WHERE a IN ('x', 'y')", "select: * | from: project_logs('p') | filter: a in ('x','y')" },
        { "SELECT * FROM project_logs('p') WHERE a NOT IN (1, 2)", "select: * | from: project_logs('p') | filter: a not in (1,2)" },
        { "SELECT * FROM project_logs('p') WHERE input LIKE '%foo\\%%'", "select: * | from: project_logs('p') | filter: input like '%foo\\%%'" },
        { "SELECT * FROM project_logs('p') WHERE input NOT ILIKE 'a%'", "select: * | from: project_logs('p') | filter: input not ilike 'a%'" },
        { "SELECT * FROM project_logs('p') WHERE input MATCH 'hello'", "select: * | from: project_logs('p') | filter: input match 'hello'" },
        { "SELECT * FROM project_logs('p') WHERE tags INCLUDES 'x'", "select: * | from: project_logs('p') | filter: tags contains 'x'" },
        { "SELECT * FROM project_logs('p') WHERE NOT (a = 1 AND b = 2)", "select: * | from: project_logs('p') | filter: not (a = 1 and b = 2)" },
        { "SELECT * FROM project_logs('p') WHERE a + b * 2 - -c % 3 / 4 > 0", "select: * | from: project_logs('p') | filter: (a + (b * 2)) - ((-c % 3) / 4) > 0" },
        { "SELECT * FROM project_logs('p') WHERE created > now() - interval 1 day", "select: * | from: project_logs('p') | filter: created > now() - interval 1 days" },
        { "SELECT * FROM project_logs('p') WHERE metrics.tokens::int > 5", "select: * | from: project_logs('p') | filter: cast(metrics.tokens AS INT) > 5" },
        { "SELECT a ? 1 : 0 AS flag FROM project_logs('p')", "select: CASE WHEN a THEN 1 ELSE 0 END as flag | from: project_logs('p')" },
        { "SELECT CASE x WHEN 1 THEN 'one' END AS n FROM project_logs('p')", "select: case when x = 1 then 'one' end as n | from: project_logs('p')" },
        { "SELECT coalesce(a, b, 'z') AS c FROM project_logs('p')", "select: COALESCE(a, b, 'z') as c | from: project_logs('p')" },
        { "SELECT json_extract(output, 'a.b[0]') AS j FROM project_logs('p')", "select: json_extract(output, 'a.b[0]') as j | from: project_logs('p')" },
        { "SELECT * FROM project_logs('p') ORDER BY created DESC, id", "select: * | from: project_logs('p') | sort: created desc, id asc" },
        { "SELECT * FROM project_logs('p') LIMIT 5 OFFSET 'abc'", "select: * | from: project_logs('p') | limit: 5 | cursor: 'abc'" },
        { "SELECT count(*) AS n FROM project_logs('p')", "measures: count(*) as n | from: project_logs('p')" },
        { "SELECT metadata.model AS model, count(*) AS n FROM project_logs('p') GROUP BY metadata.model",
          "from: project_logs('p') | dimensions: metadata.model as model | measures: count(*) as n" },
        { "SELECT metadata.model AS model, avg(scores.q) AS q FROM project_logs('p') GROUP BY model",
          "from: project_logs('p') | dimensions: metadata.model as model | measures: avg(scores.q) as q" },
        { "SELECT date_trunc('day', created) AS d, percentile(metrics.latency, 0.95) AS p95, count(DISTINCT id) AS u FROM project_logs('p') GROUP BY 1 + 0, date_trunc('day', created)",
          "from: project_logs('p') | dimensions: 1 + 0, date_trunc('day', created) as d | measures: percentile(metrics.latency, 0.95) as p95, count_distinct(id) as u" },
        { "SELECT sum(a) / count(*) AS r FROM experiment('e') WHERE x = true", "measures: sum(a) / count(*) as r | filter: x = TRUE | from: experiment('e')" },
        { "SELECT min(a) AS lo, max(a) AS hi FROM dataset('d') WHERE y = null", "measures: min(a) as lo, max(a) as hi | from: dataset('d') | filter: y = NULL" },
        { "-- leading comment\nSELECT /* all */ * FROM project_logs('p')", "/* c */ select: * -- trailing\n| from: project_logs('p')" },
        { "SELECT * FROM project_logs('p') WHERE s = 'it''s' AND t = 'tab\\t'", "select: * | from: project_logs('p') | filter: s = 'it\\'s' and t = 'tab\t'" },
        { "SELECT * FROM project_logs('p') WHERE n = 1.5e3 AND m = 1500.0", "select: * | from: project_logs('p') | filter: n = 1500.0 and m = 1.5e3" },
        { "SELECT * FROM project_logs('p');", "select: * | from: project_logs('p')" },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Parse_SameQueryInBothSyntaxes_GivesEqualAst(string sql, string btql) =>
        Assert.Equal(QueryParser.Parse(sql), QueryParser.Parse(btql));

    [Fact]
    public void Parse_GroupByQuery_SplitsDimensionsAndMeasures()
    {
        var query = QueryParser.Parse(
            "SELECT metadata.model AS model, count(*) AS n FROM project_logs('p', shape => 'spans') GROUP BY model ORDER BY n DESC LIMIT 3");

        ParsedQuery expected = new(
            new FromClause("project_logs", ["p"], QueryShape.Spans),
            [],
            [new SelectItem(new FieldPath([new NameSegment("metadata"), new NameSegment("model")]), "model")],
            [new SelectItem(new FunctionCall("count", [new StarExpr()]), "n")],
            null,
            null,
            [new SortItem(new FieldPath([new NameSegment("n")]), SortDirection.Descending)],
            3,
            null);
        Assert.Equal(expected, query);
    }

    [Fact]
    public void Parse_Filter_BuildsExpectedTree()
    {
        var query = QueryParser.Parse("select: * | from: project_logs('p') | filter: a = 1 and b in ('x') or not c is null");

        Expr a = new FieldPath([new NameSegment("a")]);
        Expr b = new FieldPath([new NameSegment("b")]);
        Expr c = new FieldPath([new NameSegment("c")]);
        Expr expected = new LogicalExpr(LogicalOperator.Or,
        [
            new LogicalExpr(LogicalOperator.And,
            [
                new BinaryExpr(BinaryOperator.Equal, a, new NumberLiteral(1, true)),
                new InExpr(b, [new StringLiteral("x")], false),
            ]),
            new UnaryExpr(UnaryOperator.Not, new IsNullExpr(c, false)),
        ]);
        Assert.Equal(expected, query.Filter);
    }

    [Fact]
    public void Parse_SqlHaving_KeepsHavingSeparateFromFilter()
    {
        var query = QueryParser.Parse(
            "SELECT count(*) AS n FROM project_logs('p', shape => 'summary') WHERE a = 1 HAVING count(*) > 2");

        Assert.Equal(new BinaryExpr(BinaryOperator.Greater, new FunctionCall("count", [new StarExpr()]), new NumberLiteral(2, true)), query.Having);
        Assert.NotNull(query.Filter);
    }

    [Fact]
    public void Parse_LargeTransactionIdLiteral_KeepsEveryDigit()
    {
        var query = QueryParser.Parse("select: * | from: project_logs('p') | filter: _xact_id > 1000192656880881099");

        var comparison = Assert.IsType<BinaryExpr>(query.Filter);
        Assert.Equal(new NumberLiteral(1000192656880881099m, true), comparison.Right);
    }

    [Fact]
    public void Parse_ManyAndedConditions_StayOneLevelDeep()
    {
        var conditions = string.Join(" and ", Enumerable.Range(0, 500).Select(i => $"f{i} = {i}"));

        var query = QueryParser.Parse($"select: * | from: project_logs('p') | filter: {conditions}");

        Assert.Equal(500, Assert.IsType<LogicalExpr>(query.Filter).Operands.Count);
    }
}
