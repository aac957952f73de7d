using Braid.Query.Syntax;

namespace Braid.Query.Tests.Syntax;

/// <summary>
/// Whatever the text, the parser must return a query or throw <see cref="QueryError"/>: any other
/// exception (or a stack overflow, which would kill the run) is a bug the HTTP layer would turn into a 500.
/// </summary>
public sealed class ParserFuzzTests
{
    private static readonly string[] Vocabulary =
    [
        "select", "SELECT", "from", "FROM", "where", "group", "by", "having", "order", "limit", "offset", "as",
        "and", "or", "not", "is", "null", "in", "like", "ilike", "match", "includes", "contains", "case", "when",
        "then", "else", "end", "cast", "interval", "day", "asc", "desc", "true", "false", "distinct", "with",
        "select:", "from:", "filter:", "dimensions:", "measures:", "sort:", "limit:", "cursor:", "sample:",
        "project_logs", "experiment", "dataset", "org_prompts", "count", "sum", "percentile", "date_trunc",
        "shape", "=>", "traces", "summary", "spans", "metadata", "a", "b", "\"q x\"", "'s'", "'it''s'", "'\\n'",
        "1", "0.5", "1e3", "-1", "99999999999999999999999999999999", "(", ")", "[", "]", ",", ".", ":", "::",
        "|", "*", "+", "-", "/", "%", "=", "!=", "<>", "<", "<=", ">", ">=", "?", ";", "\n", "--", "/*", "*/",
        "'", "\"", "\\", "#", "é", "\0",
    ];

    private static readonly string[] Seeds =
    [
        "SELECT metadata.model AS model, count(*) AS n FROM project_logs('p', shape => 'traces') WHERE created > now() - interval 1 day AND tags[0] = 'x' GROUP BY model HAVING count(*) > 2 ORDER BY n DESC LIMIT 10 OFFSET 'c'",
        "select: id, input['k'] as k, a ? b : c as t | from: experiment('e1', 'e2') summary | filter: scores.\"x y\" >= 0.5 and not (a in (1, 2) or b like '%z%') | sort: created desc | limit: 100 | cursor: 'abc'",
        "dimensions: date_trunc('day', created) as d\nmeasures: percentile(metrics.latency, 0.95) as p, count_distinct(id) as u\nfrom: dataset('d')\nfilter: CASE x WHEN 1 THEN true ELSE cast(y as boolean) END and z::int % 2 = 0",
    ];

    private const string FuzzAlphabet = "()[]'\",.:|*+-/%=<>!?;\\ \n\tabzAZ019_$é#\0";

    [Fact]
    public void Parse_RandomTokenSequences_ParsesOrThrowsQueryError()
    {
        var random = new Random(20261129);
        for (var i = 0; i < 4000; i++)
        {
            var length = random.Next(1, 40);
            var words = Enumerable.Range(0, length).Select(_ => Vocabulary[random.Next(Vocabulary.Length)]);
            var body = string.Join(random.Next(4) == 0 ? "" : " ", words);
            // Half the cases start from a valid prefix so the fuzzer reaches deep into the expression grammar.
            AssertParsesOrFailsCleanly(i % 2 == 0 ? body : "select: * | from: project_logs('p') | filter: " + body);
        }
    }

    [Fact]
    public void Parse_MutatedValidQueries_ParsesOrThrowsQueryError()
    {
        var random = new Random(42);
        var parsed = 0;
        for (var i = 0; i < 6000; i++)
        {
            var chars = Seeds[i % Seeds.Length].ToCharArray().ToList();
            var mutations = random.Next(1, 6);
            for (var m = 0; m < mutations && chars.Count > 0; m++)
            {
                var at = random.Next(chars.Count);
                switch (random.Next(5))
                {
                    case 0: chars[at] = FuzzAlphabet[random.Next(FuzzAlphabet.Length)]; break;
                    case 1: chars[at] = (char)(chars[at] ^ (1 << random.Next(7))); break;
                    case 2: chars.RemoveAt(at); break;
                    case 3: chars.Insert(at, FuzzAlphabet[random.Next(FuzzAlphabet.Length)]); break;
                    default: chars.RemoveRange(at, chars.Count - at); break;
                }
            }
            parsed += AssertParsesOrFailsCleanly(new string([.. chars])) ? 1 : 0;
        }
        // Some mutants (a changed letter in a name, a truncated tail clause) stay valid; if none do,
        // the fuzzer is only exercising the first error path.
        Assert.InRange(parsed, 300, 5700);
    }

    [Theory]
    [InlineData("(", "", true)]
    [InlineData("(", ")", true)]
    [InlineData("not ", "", true)]
    [InlineData("- ", "", true)]
    [InlineData("f(", ")", true)]
    [InlineData("a ? ", "", true)]
    [InlineData("case when ", "", true)]
    [InlineData("a in (", ")", true)]
    [InlineData("cast(", ")", true)]
    [InlineData("", "::int", true)]
    [InlineData("1 + ", "", true)]
    [InlineData("", "[0]", false)]
    [InlineData("", ".x", false)]
    public void Parse_TenThousandFoldNesting_FailsWithDepthErrorOrParsesFlat(string open, string close, bool tooDeep)
    {
        const int Depth = 10_000;
        var body = string.Concat(Enumerable.Repeat(open, Depth)) + "x" + string.Concat(Enumerable.Repeat(close, Depth));

        foreach (var text in new[] { "select: * | from: project_logs('p') | filter: " + body, "SELECT * FROM project_logs('p') WHERE " + body })
        {
            var parsed = AssertParsesOrFailsCleanly(text);

            // Path segments form a flat list, so a long path is no deeper than a short one.
            Assert.Equal(!tooDeep, parsed);
            if (tooDeep)
            {
                Assert.Contains("nested more than", Assert.Throws<QueryError>(() => QueryParser.Parse(text)).Message);
            }
        }
    }

    private static bool AssertParsesOrFailsCleanly(string text)
    {
        try
        {
            var query = QueryParser.Parse(text);
            // Consumers walk the tree recursively; make sure a tree the parser accepted is walkable.
            Assert.Equal(query, query with { });
            _ = query.GetHashCode();
            _ = query.ToString();
            return true;
        }
        catch (QueryError error)
        {
            Assert.InRange(error.Position.Offset, 0, text.Length);
            Assert.Equal(text[..error.Position.Offset].Count(c => c == '\n') + 1, error.Position.Line);
            return false;
        }
        catch (Exception other)
        {
            Assert.Fail($"{other.GetType().Name} for input {System.Text.Json.JsonSerializer.Serialize(text)}: {other}");
            return false;
        }
    }
}
