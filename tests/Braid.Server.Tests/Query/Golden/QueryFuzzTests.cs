using System.Net;
using System.Text.Json.Nodes;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Braid.Server.Tests.Query.Golden;

/// <summary>
/// Random queries over HTTP against the golden data set: token soup, random expressions that compile and run against
/// real rows, and random JSON query objects. Whatever they are, the answer is rows or a 4xx with a message; never a 5xx.
/// Seeds are fixed, so a failure names a query that fails again.
/// </summary>
public sealed class QueryFuzzTests(GoldenFixture golden, ITestOutputHelper output) : IClassFixture<GoldenFixture>
{
    /// <summary>Per test: 2,500 queries in all, a few seconds per store (the well-typed ones run and cost the most, so half as many).</summary>
    private const int Queries = 1000;

    private static readonly string[] Tokens =
    [
        "select:", "from:", "filter:", "sort:", "limit:", "dimensions:", "measures:", "cursor:", "|", "SELECT", "FROM", "WHERE",
        "GROUP BY", "ORDER BY", "HAVING", "LIMIT", "OFFSET", "project_logs('{project}')", "experiment('{experiment}')",
        "dataset('{dataset}')", "project_logs('{project}', '{project_b}')", "traces", "summary", "shape => 'traces'", "id", "created",
        "_xact_id", "metadata.user", "metadata.priority", "metadata.items[0]", "tags[-1]", "metadata.\"customer tier\"",
        "scores.accuracy", "metrics.tokens", "input", "output", "is_root", "span_attributes.type", "*", "(", ")", ",", ".", "=", "!=",
        "<>", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "and", "or", "not", "is", "null", "in", "like", "ilike", "match",
        "includes", "?", ":", "::int", "::text", "as", "desc", "asc", "'ann'", "'%re%'", "'пароль'", "'订单'", "''", "'2024-03-02'",
        "1", "0", "2.5", "-1", "1e3", "true", "false", "count(", "count_distinct(", "sum(", "avg(", "min(", "max(",
        "percentile(", "lower(", "upper(", "concat(", "coalesce(", "nullif(", "least(", "greatest(", "round(", "abs(", "len(",
        "json_extract(", "to_number(", "to_string(", "to_boolean(", "to_date(", "to_datetime(", "day(", "hour(", "week(",
        "date_trunc('15 minutes',", "now()", "interval 1 day", "any_span(", "filter_spans(", "case", "when", "then", "else", "end",
        "'\\'", "\"", "[", "]", "--", "/*", "*/", ";",
    ];

    private static readonly string[] Fields =
    [
        "id", "created", "_xact_id", "root_span_id", "is_root", "input", "output", "expected", "error", "metadata", "metadata.user",
        "metadata.priority", "metadata.temperature", "metadata.beta", "metadata.code", "metadata.items", "metadata.items[1]",
        "metadata.nested.flags.cached", "metadata.\"customer tier\"", "metadata.when", "tags", "tags[0]", "tags[-1]",
        "scores.accuracy", "scores.helpfulness", "metrics.tokens", "metrics.start", "metrics.end", "span_attributes.type",
        "span_parents", "input[0].content", "output.role", "metadata.nosuch",
    ];

    private static readonly string[] Literals = ["'ann'", "'prod'", "'2'", "''", "'Москва'", "'北京'", "'2024-03-02T00:00:00Z'", "0", "1", "-1", "2.5", "100", "0.5", "true", "false", "null"];

    private static readonly string[] Operators =
        ["=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "and", "or", "like", "ilike", "not like", "match", "not match", "includes", "not includes"];

    private static readonly string[] Functions =
    [
        "lower", "upper", "concat", "len", "coalesce", "nullif", "least", "greatest", "round", "abs", "to_number", "to_string",
        "to_integer", "to_boolean", "to_date", "to_datetime", "second", "minute", "hour", "day", "week", "month", "year",
    ];

    [Fact]
    public async Task TokenSoup_IsNeverA5xx()
    {
        var random = new Random(1);
        var queries = Enumerable.Range(0, Queries).Select(i =>
        {
            var soup = string.Join(" ", Enumerable.Range(0, random.Next(1, 25)).Select(_ => Tokens[random.Next(Tokens.Length)]));
            // Half start as a well-formed query, so the soup reaches the compiler and not only the parser.
            return (JsonNode)(i % 2 == 0 ? soup : $"select: id | from: project_logs('{{project}}') | filter: {soup}");
        });
        await AssertNo5xxAsync(queries);
    }

    [Fact]
    public async Task RandomExpressions_RunOrAreRefused_NeverA5xx()
    {
        var random = new Random(2);
        var sources = new[] { "project_logs('{project}')", "project_logs('{project}') traces", "project_logs('{project}') summary", "project_logs('{project}', '{project_b}')", "experiment('{experiment}')", "dataset('{dataset}')" };
        var queries = Enumerable.Range(0, Queries / 2).Select(_ =>
        {
            var source = sources[random.Next(sources.Length)];
            // Mostly well-typed, so most queries run against the rows; sometimes anything at all.
            var filter = random.Next(5) == 0 ? Expression(random, 0) : Condition(random, 0);
            if (random.Next(4) == 0)
            {
                return (JsonNode)$"dimensions: {Value(random, 1)} as d | measures: count(1) as n, {Aggregates[random.Next(Aggregates.Length)]}({Value(random, 1)}) as m | from: {source} | filter: {filter} | sort: {(random.Next(2) == 0 ? "n desc" : "m, d")} | limit: {random.Next(0, 20)}";
            }

            var select = random.Next(3) == 0 ? "*" : string.Join(", ", Enumerable.Range(0, random.Next(1, 4)).Select(i => $"{Value(random, 1)} as c{i}"));
            if (random.Next(3) == 0)
            {
                // The SQL form, with HAVING on the summary shape and on groups.
                var sqlSource = source.Replace("') traces", "', shape => 'traces')", StringComparison.Ordinal).Replace("') summary", "', shape => 'summary')", StringComparison.Ordinal);
                return (JsonNode)(random.Next(2) == 0
                    ? $"SELECT {Value(random, 1)} AS d, count(*) AS n, {Aggregates[random.Next(Aggregates.Length)]}({Value(random, 1)}) AS m FROM {sqlSource.Replace(", shape => 'traces'", "", StringComparison.Ordinal).Replace(", shape => 'summary'", "", StringComparison.Ordinal)} WHERE {filter} GROUP BY 1 HAVING n > {random.Next(0, 3)} OR m IS NULL ORDER BY 2 DESC LIMIT {random.Next(0, 20)}"
                    : $"SELECT {select} FROM {sqlSource} WHERE {filter}{(sqlSource.Contains("summary", StringComparison.Ordinal) ? $" HAVING {Condition(random, 1)}" : "")} ORDER BY {Value(random, 1)} DESC LIMIT {random.Next(0, 20)}");
            }

            return (JsonNode)$"select: {select} | from: {source} | filter: {filter} | sort: {Value(random, 1)} {(random.Next(2) == 0 ? "asc" : "desc")} | limit: {random.Next(0, 20)}";
        });
        await AssertNo5xxAsync(queries, new JsonObject { ["tz_offset"] = 330 });
    }

    [Fact]
    public async Task RandomJsonQueries_AreNeverA5xx()
    {
        var random = new Random(3);
        var queries = Enumerable.Range(0, Queries).Select(_ =>
        {
            var query = new JsonObject
            {
                ["select"] = random.Next(5) == 0 ? Node(random, 2) : new JsonArray(random.Next(2) == 0 ? new JsonObject { ["op"] = "star" } : Ident(random)),
                ["from"] = random.Next(8) == 0 ? Node(random, 2) : GoldenCase.Function(new[] { "project_logs", "experiment", "dataset", "prompt" }[random.Next(4)], "{project}"),
            };
            if (random.Next(4) > 0)
            {
                query["filter"] = Node(random, 0);
            }

            if (random.Next(3) == 0)
            {
                query["sort"] = new JsonArray(new JsonObject { ["expr"] = random.Next(3) == 0 ? Node(random, 2) : Ident(random), ["dir"] = random.Next(3) == 0 ? "up" : "desc" });
            }

            if (random.Next(3) == 0)
            {
                query["limit"] = random.Next(4) == 0 ? JsonValue.Create("ten") : JsonValue.Create(random.Next(-2, 30));
            }

            return (JsonNode)query;
        });
        await AssertNo5xxAsync(queries);
    }

    /// <summary>Runs every query, collecting rather than stopping at failures, so one run lists them all.</summary>
    private async Task AssertNo5xxAsync(IEnumerable<JsonNode> queries, JsonObject? settings = null)
    {
        var failures = new List<string>();
        var statuses = new Dictionary<HttpStatusCode, int>();
        foreach (var query in queries)
        {
            var body = settings?.DeepClone().AsObject() ?? [];
            body["query"] = query is JsonValue ? golden.Fill((string)query!) : JsonNode.Parse(golden.Fill(query.ToJsonString()));
            try
            {
                var response = await golden.Api.SendAsync(HttpMethod.Post, "/btql", body.ToJsonString());
                Assert.True(response.Status is HttpStatusCode.OK or HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"{(int)response.Status}: {response.Body}");
                statuses[response.Status] = statuses.GetValueOrDefault(response.Status) + 1;
            }
            catch (XunitException e)
            {
                failures.Add($"{body.ToJsonString()}\n  {e.Message.Split('\n')[0]}");
            }
        }

        output.WriteLine(string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{(int)s.Key}: {s.Value}")));
        Assert.True(failures.Count == 0, $"{failures.Count} of the random queries failed:\n{string.Join("\n", failures.Take(20))}");
        // The fuzz is only worth something if some queries get through to the store.
        Assert.True(statuses.GetValueOrDefault(HttpStatusCode.OK) > 0, "no random query ran");
    }

    private static readonly string[] Aggregates = ["sum", "avg", "min", "max", "count", "count_distinct"];

    private static T Pick<T>(Random random, params T[] items) => items[random.Next(items.Length)];

    /// <summary>A random condition that type-checks (mostly): comparisons, predicates, AND/OR/NOT and any_span.</summary>
    private static string Condition(Random random, int depth)
    {
        var comparison = Pick(random, "=", "!=", "<", "<=", ">", ">=");
        if (depth > 2 || random.Next(3) == 0)
        {
            return random.Next(9) switch
            {
                0 => $"{Pick(random, Fields)} {comparison} {Pick(random, Literals)}",
                1 => $"{Pick(random, Fields)} IS {Pick(random, "", "NOT ")}NULL",
                2 => $"{Pick(random, "input", "output", "metadata.user", "metadata.city", "span_attributes.name", "tags[0]")} {Pick(random, "", "NOT ")}{Pick(random, "LIKE", "ILIKE")} {Pick(random, "'%a%'", "'Re%'", "'%?'", "'_%'", "'%\\%%'", "'%пароль%'")}",
                3 => $"{Pick(random, "input", "output", "metadata", "tags", "error", "span_attributes", "input[0].content")} {Pick(random, "", "NOT ")}MATCH {Pick(random, "'password'", "'Москва'", "'订单'", "'vip'", "'reset link'", "''")}",
                4 => $"{Pick(random, "tags", "metadata.items", "span_parents", "metadata.user")} {Pick(random, "", "NOT ")}INCLUDES {Pick(random, Literals)}",
                5 => $"{Pick(random, Fields)} {Pick(random, "", "NOT ")}IN ({Pick(random, Literals)}, {Pick(random, Literals)})",
                6 => $"created {comparison} {Pick(random, "'2024-03-02'", $"now() - interval {random.Next(1, 5)} {Pick(random, "day", "month", "year")}", "'2024-03-03T12:00:00Z' + interval 2 hour")}",
                7 => Pick(random, "is_root", "metadata.beta", "true", "false", "null"),
                _ => $"{Value(random, depth + 1)} {comparison} {Value(random, depth + 1)}",
            };
        }

        return random.Next(5) switch
        {
            0 or 1 => $"({Condition(random, depth + 1)} and {Condition(random, depth + 1)})",
            2 => $"({Condition(random, depth + 1)} or {Condition(random, depth + 1)})",
            3 => $"not ({Condition(random, depth + 1)})",
            _ => $"any_span({Condition(random, depth + 1)})",
        };
    }

    /// <summary>A random value that type-checks (mostly): fields, literals, arithmetic, functions, conditionals, casts.</summary>
    private static string Value(Random random, int depth)
    {
        if (depth > 2 || random.Next(3) == 0)
        {
            return random.Next(3) == 0 ? Pick(random, Literals) : Pick(random, Fields);
        }

        return random.Next(9) switch
        {
            0 or 1 => $"{Value(random, depth + 1)} {Pick(random, "+", "-", "*", "/", "%")} {Value(random, depth + 1)}",
            2 => $"{Pick(random, Functions)}({Value(random, depth + 1)})",
            3 => $"{Pick(random, "coalesce", "least", "greatest", "nullif", "concat")}({Value(random, depth + 1)}, {Value(random, depth + 1)})",
            4 => $"round({Value(random, depth + 1)}, {random.Next(-2, 3)})",
            5 => $"({Condition(random, depth + 1)}) ? {Value(random, depth + 1)} : {Value(random, depth + 1)}",
            6 => $"date_trunc('{Pick(random, "hour", "day", "15 minutes", "week", "month", "year")}', {Pick(random, "created", "to_datetime(metadata.when)", "now()")})",
            7 => $"{Value(random, depth + 1)}::{Pick(random, "int", "text", "number", "boolean", "date", "datetime", "json")}",
            _ => $"json_extract({Pick(random, "metadata.raw", "input", "to_string(metadata)")}, '{Pick(random, "plan", "seats[0]", "question", "a.b")}')",
        };
    }

    private static string Expression(Random random, int depth)
    {
        if (depth > 3 || random.Next(3) == 0)
        {
            return random.Next(2) == 0 ? Fields[random.Next(Fields.Length)] : Literals[random.Next(Literals.Length)];
        }

        return random.Next(8) switch
        {
            0 or 1 => $"{Expression(random, depth + 1)} {Operators[random.Next(Operators.Length)]} {Expression(random, depth + 1)}",
            2 => $"{Functions[random.Next(Functions.Length)]}({Expression(random, depth + 1)})",
            3 => $"({Expression(random, depth + 1)}) ? {Expression(random, depth + 1)} : {Expression(random, depth + 1)}",
            4 => $"{Expression(random, depth + 1)} {(random.Next(2) == 0 ? "IS NULL" : "IS NOT NULL")}",
            5 => $"{Expression(random, depth + 1)} {(random.Next(2) == 0 ? "IN" : "NOT IN")} ({Literals[random.Next(Literals.Length)]}, {Literals[random.Next(Literals.Length)]})",
            6 => random.Next(3) switch
            {
                0 => $"any_span({Expression(random, depth + 1)})",
                1 => $"date_trunc('{new[] { "hour", "day", "15 minutes", "week", "month" }[random.Next(5)]}', {Expression(random, depth + 1)})",
                _ => $"created {(random.Next(2) == 0 ? "<" : ">")} now() - interval {random.Next(1, 5)} {new[] { "day", "month", "year" }[random.Next(3)]}",
            },
            _ => $"not ({Expression(random, depth + 1)})",
        };
    }

    private static JsonObject Ident(Random random) =>
        new() { ["op"] = "ident", ["name"] = new JsonArray([.. Fields[random.Next(Fields.Length)].Split('.').Select(p => (JsonNode)p)]) };

    private static readonly string[] Ops =
        ["eq", "ne", "lt", "le", "gt", "ge", "and", "or", "not", "isnull", "isnotnull", "in", "like", "ilike", "match", "includes", "add", "div", "neg", "function", "star", "literal", "ident", "bogus"];

    /// <summary>A random JSON expression: mostly well-formed, sometimes with a missing or mistyped part.</summary>
    private static JsonNode? Node(Random random, int depth)
    {
        if (depth > 4 || random.Next(4) == 0)
        {
            return random.Next(3) switch
            {
                0 => Ident(random),
                1 => new JsonObject { ["op"] = "literal", ["value"] = random.Next(5) switch { 0 => "ann", 1 => 2.5, 2 => true, 3 => new JsonArray(1, "a"), _ => null } },
                _ => random.Next(4) switch { 0 => null, 1 => "text", 2 => 7, _ => new JsonArray() },
            };
        }

        var op = Ops[random.Next(Ops.Length)];
        var node = new JsonObject { ["op"] = random.Next(20) == 0 ? JsonValue.Create(5) : op };
        switch (op)
        {
            case "and" or "or":
                node["children"] = new JsonArray([.. Enumerable.Range(0, random.Next(0, 4)).Select(_ => Node(random, depth + 1))]);
                break;
            case "not" or "isnull" or "isnotnull" or "neg":
                node["expr"] = Node(random, depth + 1);
                break;
            case "function":
                node["name"] = new JsonObject { ["op"] = "ident", ["name"] = new JsonArray(Functions[random.Next(Functions.Length)]) };
                node["args"] = new JsonArray([.. Enumerable.Range(0, random.Next(0, 3)).Select(_ => Node(random, depth + 1))]);
                break;
            case "in":
                node["left"] = Node(random, depth + 1);
                node["right"] = random.Next(2) == 0 ? new JsonArray(Node(random, depth + 1), Node(random, depth + 1)) : Node(random, depth + 1);
                break;
            case "literal" or "ident" or "star":
                return random.Next(2) == 0 ? Ident(random) : node;
            default:
                if (random.Next(6) > 0)
                {
                    node["left"] = Node(random, depth + 1);
                }

                node["right"] = Node(random, depth + 1);
                break;
        }

        return node;
    }
}
