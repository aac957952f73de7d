using Braid.Query.Planning;
using Braid.Query.Syntax;

namespace Braid.Query.Tests.Planning;

/// <summary>
/// Whatever parses must compile or fail with <see cref="QueryError"/> (a 400), on both dialects and every shape:
/// any other exception is a 500 waiting to happen.
/// </summary>
public sealed class CompilerFuzzTests
{
    private static readonly string[] Expressions =
    [
        "id", "created", "_xact_id", "_pagination_key", "root_span_id", "project_id", "experiment_id", "input", "output", "metadata.a",
        "metadata.\"b c\"", "tags[0]", "tags[-1]", "scores.q", "metrics.tokens", "span_attributes.type", "is_root", "'text'", "''", "1",
        "-2.5", "0", "true", "false", "null", "now()", "current_date()", "interval 1 day", "*", "nosuch.field", "x.y.z[3]",
    ];

    private static readonly string[] Operators = ["=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "and", "or", "like", "ilike", "match", "includes", "not like", "not match", "is null", "is not null", "in (1, 'a', null)"];

    private static readonly string[] Functions =
    [
        "count", "count_distinct", "sum", "avg", "min", "max", "percentile", "lower", "upper", "concat", "len", "coalesce", "nullif", "least",
        "greatest", "round", "abs", "day", "hour", "week", "month", "year", "date_trunc", "json_extract", "to_string", "to_number", "to_integer",
        "to_boolean", "to_date", "to_datetime", "any_span", "filter_spans", "contains", "now", "nosuch",
    ];

    private static string RandomExpression(Random random, int depth)
    {
        if (depth > 3 || random.Next(3) == 0)
        {
            return Expressions[random.Next(Expressions.Length)];
        }

        return random.Next(5) switch
        {
            0 => $"{RandomExpression(random, depth + 1)} {Operators[random.Next(Operators.Length)]} {RandomExpression(random, depth + 1)}",
            1 => $"{Functions[random.Next(Functions.Length)]}({string.Join(", ", Enumerable.Range(0, random.Next(4)).Select(_ => RandomExpression(random, depth + 1)))})",
            2 => $"not ({RandomExpression(random, depth + 1)})",
            3 => $"{RandomExpression(random, depth + 1)} ? {RandomExpression(random, depth + 1)} : {RandomExpression(random, depth + 1)}",
            _ => $"cast({RandomExpression(random, depth + 1)} as {(random.Next(2) == 0 ? "int" : "text")})",
        };
    }

    [Fact]
    public void RandomQueries_CompileOrFailWithAQueryError()
    {
        var random = new Random(4242);
        var sources = new[] { "project_logs('p1')", "project_logs('p1') traces", "project_logs('p1') summary", "experiment('e1')" };
        var compiled = 0;
        for (var i = 0; i < 6000; i++)
        {
            var select = random.Next(4) == 0 ? "*" : string.Join(", ", Enumerable.Range(0, random.Next(1, 3)).Select(j => $"{RandomExpression(random, 1)} as c{j}"));
            var clauses = random.Next(3) == 0
                ? $"dimensions: {RandomExpression(random, 2)} as d | measures: {Functions[random.Next(7)]}({RandomExpression(random, 2)}) as m"
                : $"select: {select}";
            var text = $"{clauses} | from: {sources[random.Next(sources.Length)]} | filter: {RandomExpression(random, 0)} | sort: {RandomExpression(random, 2)} desc | limit: {random.Next(0, 50)}";
            ParsedQuery query;
            try
            {
                query = QueryParser.Parse(text);
            }
            catch (QueryError)
            {
                continue;
            }

            foreach (var dialect in new[] { QueryDialect.Sqlite, QueryDialect.Postgres })
            {
                var source = new QuerySource(query.From.Source == "experiment" ? "experiment" : "project_logs", "org", [new SourceObject("p1", "p1")]);
                try
                {
                    QueryCompiler.Compile(query, source, dialect, new QueryOptions { TzOffsetMinutes = random.Next(-600, 600), Version = random.Next(2) == 0 ? null : 5 });
                    compiled++;
                }
                catch (QueryError)
                {
                }
                catch (Exception e)
                {
                    Assert.Fail($"{dialect.Name}: {e.GetType().Name} compiling {text}: {e}");
                }
            }
        }

        // The generator must reach the compiler's code, not just its error paths.
        Assert.True(compiled > 200, $"only {compiled} queries compiled");
    }
}
