using System.Net;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Query.Golden;

/// <summary>
/// Hostile input to <c>POST /btql</c>: injection attempts in literals, field names and source ids, deep nesting, huge
/// literals, unknown names, other organizations' logs and malformed JSON queries. Each is answered with rows (an injected
/// text is only a text) or a 400/404 whose message says what was wrong; never a 5xx (the client fails any).
/// </summary>
public sealed class HostileQueryTests(HostileQueryTests.Logs logs) : IClassFixture<HostileQueryTests.Logs>
{
    /// <summary>A project's logs with two rows, an experiment and a dataset, and another organization's project.</summary>
    public sealed class Logs : IAsyncLifetime
    {
        private readonly BraidApp _app = new();

        public ApiClient Api { get; private set; } = null!;

        public string Project { get; private set; } = "";

        public string Experiment { get; private set; } = "";

        public string Dataset { get; private set; } = "";

        public string StrangersProject { get; private set; } = "";

        public string StrangersProjectName { get; private set; } = "";

        public async Task InitializeAsync()
        {
            await ((IAsyncLifetime)_app).InitializeAsync();
            Api = await _app.NewTenantAsync();
            Project = (string)(await Api.CreateProjectAsync())["id"]!;
            await Api.InsertAsync($"project_logs/{Project}",
                new { id = "a", input = "hello", tags = new[] { "x" }, metadata = new { n = 1 } },
                new { id = "b", input = "world", metadata = new { n = 2 } });
            Experiment = (string)(await Api.CreateExperimentAsync(Project))["id"]!;
            Dataset = (await Api.PostAsync("/v1/dataset", new { project_id = Project, name = "d" })).AssertOk().Id;
            var stranger = await _app.NewTenantAsync();
            var strangers = await stranger.CreateProjectAsync();
            StrangersProject = (string)strangers["id"]!;
            StrangersProjectName = (string)strangers["name"]!;
            await stranger.InsertAsync($"project_logs/{StrangersProject}", new { id = "secret", input = "hello" });
        }

        public string Fill(string text) => text
            .Replace("{project}", Project, StringComparison.Ordinal)
            .Replace("{experiment}", Experiment, StringComparison.Ordinal)
            .Replace("{dataset}", Dataset, StringComparison.Ordinal)
            .Replace("{stranger}", StrangersProject, StringComparison.Ordinal)
            .Replace("{stranger_name}", StrangersProjectName, StringComparison.Ordinal);

        public Task DisposeAsync() => ((IAsyncLifetime)_app).DisposeAsync();
    }

    /// <summary>A request body (JSON text with placeholders), the status it must get, and what the answer must mention.</summary>
    private sealed record Hostile(string Body, HttpStatusCode Status, string Mentions);

    private const string From = "from: project_logs('{project}')";

    private static string Text(string query) => new JsonObject { ["query"] = query }.ToJsonString();

    private static Hostile Rows(string query, string mentions = "\"data\":[]") => new(Text(query), HttpStatusCode.OK, mentions);

    private static Hostile Bad(string query, string mentions) => new(Text(query), HttpStatusCode.BadRequest, mentions);

    private static Hostile BadAst(string ast, string mentions) => new($"{{\"query\":{ast}}}", HttpStatusCode.BadRequest, mentions);

    private const string AstFrom = "\"from\":{\"op\":\"function\",\"name\":{\"op\":\"ident\",\"name\":[\"project_logs\"]},\"args\":[{\"op\":\"literal\",\"value\":\"{project}\"}]}";

    private const string AstSelect = "\"select\":[{\"op\":\"star\"}]";

    private static string Ast(string filter) => $"{{{AstSelect},{AstFrom},\"filter\":{filter}}}";

    private static string Nested(string open, string inner, string close, int depth) =>
        string.Concat(Enumerable.Repeat(open, depth)) + inner + string.Concat(Enumerable.Repeat(close, depth));

    private static readonly Dictionary<string, Hostile> Cases = new()
    {
        // Injection: a quote closes nothing, a comment comments nothing; the text is a value no row has.
        ["literal/quote-and-or"] = Rows($"select: id | {From} | filter: input = 'x'' OR ''1''=''1'"),
        ["literal/drop-table"] = Rows($"select: id | {From} | filter: input = 'x''); DROP TABLE event_history; --'"),
        ["literal/backslash-quote"] = Rows($"select: id | {From} | filter: input = 'x\\' OR 1=1 --'"),
        ["literal/in-list"] = Rows($"SELECT id FROM project_logs('{{project}}') WHERE id IN ('a'' OR ''1''=''1', 'b''--')"),
        ["literal/like-pattern"] = Rows($"select: id | {From} | filter: input LIKE '%'' OR 1=1 --%'"),
        ["literal/match"] = Rows($"select: id | {From} | filter: input MATCH ''' OR 1=1; DROP TABLE event_search; --'"),
        ["literal/includes"] = Rows($"select: id | {From} | filter: tags INCLUDES 'x'' OR 1=1 --'"),
        ["literal/ast"] = new($"{{\"query\":{Ast("{\"op\":\"eq\",\"left\":{\"op\":\"ident\",\"name\":[\"input\"]},\"right\":{\"op\":\"literal\",\"value\":\"' OR 1=1 --\"}}")}}}", HttpStatusCode.OK, "\"data\":[]"),
        ["literal/cursor"] = Bad($"select: id | {From} | cursor: ''' OR 1=1 --'", "cursor"),
        ["literal/date"] = Bad($"select: id | {From} | filter: created > '2024''; DROP TABLE x; --'", "not a date"),
        ["literal/date-trunc-unit"] = Bad($"select: id | {From} | filter: date_trunc('day''; DROP TABLE x; --', created) IS NULL", "unknown date_trunc unit"),
        ["literal/json-extract-path"] = Bad($"select: json_extract(input, 'a'') OR 1=1 --') as x | {From}", "bad json_extract path"),
        ["field/quoted-name"] = Rows($"select: id | {From} | filter: metadata.\"x') OR ('1'='1\" = 1"),
        ["field/bracket-key"] = Rows($"select: id | {From} | filter: metadata['x'') OR 1=1 --'] = 1"),
        ["field/json-path-syntax"] = Rows($"select: id | {From} | filter: metadata.\"$.n\" = 1 or metadata.\"n]\" = 1 or metadata.\"[0]\" = 1"),
        ["field/double-quote"] = Bad($"select: id | {From} | filter: metadata.\"a\"\") OR 1=1 --\" = 1", "not supported"),
        ["field/ast-double-quote"] = BadAst(Ast("{\"op\":\"eq\",\"left\":{\"op\":\"ident\",\"name\":[\"metadata\",\"a\\\") OR 1=1 --\"]},\"right\":{\"op\":\"literal\",\"value\":1}}"), "not supported"),
        ["field/alias"] = Rows($"select: id as \"x\"\"; DROP TABLE event_history; --\" | {From} | filter: id = 'a'", "DROP TABLE event_history; --\":\"a\""),
        ["source/injection-in-id"] = new(Text("select: id | from: project_logs('x'' OR ''1''=''1')"), HttpStatusCode.NotFound, "not found"),
        ["source/injection-in-sql-id"] = new(Text("SELECT id FROM project_logs('{project}'' OR 1=1 --')"), HttpStatusCode.NotFound, "not found"),
        ["source/injection-in-ast-id"] = new("{\"query\":{\"select\":[{\"op\":\"star\"}],\"from\":{\"op\":\"function\",\"name\":{\"op\":\"ident\",\"name\":[\"project_logs\"]},\"args\":[{\"op\":\"literal\",\"value\":\"' OR 1=1 --\"}]}}}", HttpStatusCode.NotFound, "not found"),
        ["source/unknown"] = Bad("select: id | from: users('x')", "unknown source"),
        ["source/not-queryable"] = Bad("select: id | from: prompt('x')", "not queryable"),
        ["source/no-id"] = Bad("select: id | from: project_logs()", "needs the id"),
        ["source/number-in-ast"] = BadAst("{\"select\":[{\"op\":\"star\"}],\"from\":{\"op\":\"function\",\"name\":{\"op\":\"ident\",\"name\":[\"project_logs\"]},\"args\":[{\"op\":\"literal\",\"value\":5}]}}", "string literals"),

        // A NUL character, which PostgreSQL cannot hold, is refused on both stores before it reaches SQL.
        ["text/nul-escape"] = Bad($"select: id | {From} | filter: input = 'a\\0b'", "NUL character"),
        ["text/nul-in-json-string"] = new($"{{\"query\":\"select: id | {From} | filter: input = 'a\\u0000b'\"}}", HttpStatusCode.BadRequest, "NUL character"),
        ["text/nul-in-field-name"] = new($"{{\"query\":\"select: id | {From} | filter: metadata.\\\"a\\u0000b\\\" = 1\"}}", HttpStatusCode.BadRequest, "NUL character"),
        ["text/nul-in-like"] = new($"{{\"query\":\"select: id | {From} | filter: input LIKE '%\\u0000%'\"}}", HttpStatusCode.BadRequest, "NUL character"),
        ["text/nul-in-ast"] = BadAst(Ast("{\"op\":\"eq\",\"left\":{\"op\":\"ident\",\"name\":[\"input\"]},\"right\":{\"op\":\"literal\",\"value\":\"a\\u0000b\"}}"), "NUL character"),
        ["text/surrogate-pair-is-fine"] = new($"{{\"query\":\"select: id | {From} | filter: input = '\\ud83d\\ude00' or input LIKE '%\\ud83d\\ude00%'\"}}", HttpStatusCode.OK, "\"data\":[]"),

        // Other organizations' logs are not found, by id or by name, alone or next to one's own.
        ["stranger/project"] = new(Text("select: id | from: project_logs('{stranger}')"), HttpStatusCode.NotFound, "not found"),
        ["stranger/by-name"] = new(Text("select: id | from: project_logs('{stranger_name}')"), HttpStatusCode.NotFound, "not found"),
        ["stranger/next-to-own"] = new(Text("SELECT id FROM project_logs('{project}', '{stranger}')"), HttpStatusCode.NotFound, "not found"),
        ["stranger/as-experiment"] = new(Text("select: id | from: experiment('{stranger}')"), HttpStatusCode.NotFound, "not found"),
        ["stranger/as-dataset"] = new(Text("select: id | from: dataset('{stranger}')"), HttpStatusCode.NotFound, "not found"),
        ["stranger/own-experiment-as-dataset"] = new(Text("select: id | from: dataset('{experiment}')"), HttpStatusCode.NotFound, "not found"),
        ["stranger/ast"] = new("{\"query\":{\"select\":[{\"op\":\"star\"}],\"from\":{\"op\":\"function\",\"name\":{\"op\":\"ident\",\"name\":[\"project_logs\"]},\"args\":[{\"op\":\"literal\",\"value\":\"{stranger}\"}]}}}", HttpStatusCode.NotFound, "not found"),

        // Nesting is bounded before it can exhaust the stack.
        ["nesting/parentheses"] = Bad($"select: id | {From} | filter: {Nested("(", "id = 'a'", ")", 500)}", "nested more than"),
        ["nesting/not"] = Bad($"select: id | {From} | filter: {string.Concat(Enumerable.Repeat("not ", 1000))}true", "nested more than"),
        ["nesting/unary-minus"] = Bad($"select: id | {From} | filter: {string.Concat(Enumerable.Repeat("- ", 1000))}1 = 1", "nested more than"),
        ["nesting/arithmetic-chain"] = Bad($"select: id | {From} | filter: metadata.n{string.Concat(Enumerable.Repeat(" + 1", 3000))} > 0", "nested more than"),
        ["nesting/casts"] = Bad($"select: id | {From} | filter: metadata.n{string.Concat(Enumerable.Repeat("::int", 500))} = 1", "nested more than"),
        ["nesting/ternaries"] = Bad($"select: id | {From} | filter: {string.Concat(Enumerable.Repeat("true ? ", 300))}true{string.Concat(Enumerable.Repeat(" : false", 300))}", "nested more than"),
        ["nesting/calls"] = Bad($"select: id | {From} | filter: {Nested("lower(", "input", ")", 300)} = 'a'", "nested more than"),
        ["nesting/long-and-is-flat"] = Rows($"select: id | {From} | filter: {string.Join(" and ", Enumerable.Repeat("id = 'a'", 2000))}", "\"id\":\"a\""),
        ["nesting/in-list-of-1500-ids"] = Rows($"select: id | {From} | filter: id IN ('a', {string.Join(", ", Enumerable.Range(0, 1500).Select(i => $"'x{i}'"))})", "\"id\":\"a\""),
        ["nesting/or-of-1500-conditions"] = Rows($"select: id | {From} | filter: {string.Join(" or ", Enumerable.Range(0, 1500).Select(i => $"metadata.n = {i + 2}"))}", "\"id\":\"b\""),
        ["nesting/ast-past-the-json-limit"] = BadAst(Ast(Nested("{\"op\":\"not\",\"expr\":", "{\"op\":\"literal\",\"value\":true}", "}", 100)), "request body is not valid JSON"),
        ["nesting/ast-within-the-json-limit"] = new($"{{\"query\":{Ast(Nested("{\"op\":\"not\",\"expr\":", "{\"op\":\"literal\",\"value\":true}", "}", 55))}}}", HttpStatusCode.OK, "\"data\":[]"),
        ["nesting/json-arrays"] = BadAst(Nested("[", "1", "]", 10000), "request body is not valid JSON"),

        // Huge input: the text, one literal, a LIKE pattern, numbers and limits have bounds.
        ["huge/query-text"] = Bad($"select: id | {From} | filter: input = '{new string('x', 60_000)}' or input = '{new string('y', 60_000)}'", "longer than"),
        ["huge/string-literal"] = Bad($"select: id | {From} | filter: input = '{new string('x', 70_000)}'", "literal is longer than"),
        ["huge/like-pattern-in-text"] = Bad($"select: id | {From} | filter: input LIKE '%{new string('a', 66_000)}%'", "literal is longer than"),
        ["huge/like-pattern-in-ast"] = BadAst(Ast($"{{\"op\":\"like\",\"left\":{{\"op\":\"ident\",\"name\":[\"input\"]}},\"right\":{{\"op\":\"literal\",\"value\":\"%{new string('a', 66_000)}%\"}}}}"), "at most 65536"),
        ["huge/like-pattern-within-bounds"] = Rows($"select: id | {From} | filter: input LIKE '{string.Concat(Enumerable.Repeat("%a", 20_000))}%'"),
        ["huge/ilike-pattern-within-bounds"] = Rows($"select: id | {From} | filter: input ILIKE '%{string.Concat(Enumerable.Repeat("_", 40_000))}%'"),
        ["huge/like-pattern-past-sqlites-bound"] = TestStore.IsPostgres
            ? Rows($"select: id | {From} | filter: input LIKE '%{new string('a', 60_000)}%'")
            : Bad($"select: id | {From} | filter: input LIKE '%{new string('a', 60_000)}%'", "at most 50000 bytes on SQLite"),
        ["huge/like-pattern-of-wide-characters"] = TestStore.IsPostgres
            ? Rows($"select: id | {From} | filter: input NOT LIKE '%{new string('訂', 20_000)}%' and id = 'z'")
            : Bad($"select: id | {From} | filter: input NOT LIKE '%{new string('訂', 20_000)}%' and id = 'z'", "at most 50000 bytes on SQLite"),
        ["huge/in-list-of-20000"] = Rows($"select: id | {From} | filter: metadata.n IN ({string.Concat(Enumerable.Repeat("0,", 20_000))}2)", "\"id\":\"b\""),
        ["huge/in-list-of-33000"] = Bad($"select: id | {From} | filter: metadata.n IN ({string.Concat(Enumerable.Repeat("0,", 33_000))}2)", "more than 32000 values"),
        ["huge/in-list-of-40000-in-ast"] = BadAst(Ast($"{{\"op\":\"in\",\"left\":{{\"op\":\"ident\",\"name\":[\"id\"]}},\"right\":{{\"op\":\"literal\",\"value\":[{string.Join(",", Enumerable.Range(0, 40_000))}]}}}}"), "more than 32000 values"),
        ["huge/literal-in-ast"] = new($"{{\"query\":{Ast($"{{\"op\":\"eq\",\"left\":{{\"op\":\"ident\",\"name\":[\"input\"]}},\"right\":{{\"op\":\"literal\",\"value\":\"{new string('z', 500_000)}\"}}}}")}}}", HttpStatusCode.OK, "\"data\":[]"),
        ["huge/number"] = Bad($"select: id | {From} | filter: metadata.n = 1e400", "out of range"),
        ["huge/integer"] = Bad($"select: id | {From} | filter: metadata.n = 999999999999999999999999999999999", "out of range"),
        ["huge/limit"] = Bad($"select: id | {From} | limit: 99999999999999999999", "64 bits"),
        ["huge/array-index"] = Bad($"select: id | {From} | filter: tags[99999999999999999999] = 'x'", "whole number"),
        ["huge/interval"] = Bad($"select: id | {From} | filter: created > now() - interval 1e400 day", "out of range"),
        ["huge/unterminated-string"] = Bad($"select: id | {From} | filter: input = '{new string('x', 1000)}", "unterminated string"),
        ["huge/unterminated-comment"] = Bad($"select: id | {From} /* {new string('x', 1000)}", "unterminated /* comment"),

        // Unknown names are 400s that name them (an unknown field is only a warning: it is null in every row).
        ["unknown/function"] = Bad($"select: id | {From} | filter: nosuch(1) = 1", "unknown function 'nosuch'"),
        ["unknown/field"] = Rows($"select: id | {From} | filter: nosuch.field = 1", "unknown_field"),
        ["unknown/aggregate-in-filter"] = Bad($"select: id | {From} | filter: count(1) > 0", "aggregate"),
        ["unknown/cast-type"] = Bad($"select: id | {From} | filter: metadata.n::blob = 1", "unknown type 'blob'"),
        ["unknown/interval-unit"] = Bad($"select: id | {From} | filter: created > now() - interval 1 fortnight", "unknown interval unit"),
        ["unknown/clause"] = Bad($"select: id | {From} | frobnicate: 1", "unknown clause 'frobnicate'"),
        ["unknown/shape"] = Bad("select: id | from: project_logs('{project}') forest", "unknown shape"),
        ["unknown/source-argument"] = Bad("SELECT id FROM project_logs('{project}', mode => 'fast')", "unknown source argument"),
        ["unknown/wrong-arity"] = Bad($"select: lower(input, input) as x | {From}", "takes 1 argument"),
        ["unknown/star-in-expression"] = Bad($"select: id | {From} | filter: * = 1", "'*'"),
        ["unknown/subquery"] = Bad("SELECT id FROM project_logs('{project}') WHERE id IN (SELECT id FROM project_logs('{project}'))", "subqueries are not supported"),
        ["unknown/join"] = Bad("SELECT id FROM project_logs('{project}') JOIN project_logs('{project}')", "JOIN is not supported"),
        ["unknown/union"] = Bad("SELECT id FROM project_logs('{project}') UNION SELECT id FROM project_logs('{project}')", "UNION is not supported"),
        ["unknown/semicolon-then-more"] = Bad("SELECT id FROM project_logs('{project}'); DROP TABLE event_history", "end of query"),
        ["unknown/not-a-query"] = Bad("DROP TABLE event_history", "SELECT or a BTQL clause"),
        ["unknown/character"] = Bad($"select: id | {From} | filter: id = 'a' && id = 'b'", "unexpected character '&'"),
        ["unknown/cursor"] = Bad($"select: id | {From} | cursor: 'eyJ2Ijo5fQ'", "another version"),
        ["unknown/cursor-of-another-shape"] = Bad($"select: id | from: project_logs('{{project}}') traces | cursor: 'eyJ2IjoxLCJrIjoib2Zmc2V0IiwicSI6Imdyb3VwZWQiLCJvZmZzZXQiOjF9'", "grouped"),
        ["unknown/match-on-a-number"] = Bad($"select: id | {From} | filter: 1 MATCH 'a'", "MATCH needs a field"),
        ["unknown/includes-on-text"] = Bad($"select: id | {From} | filter: 'a' INCLUDES 'a'", "INCLUDES needs an array"),

        // Malformed JSON queries and bodies.
        ["ast/no-from"] = BadAst($"{{{AstSelect}}}", "no 'from'"),
        ["ast/from-is-text"] = BadAst($"{{{AstSelect},\"from\":\"project_logs\"}}", "expected a JSON object"),
        ["ast/from-is-ident"] = BadAst($"{{{AstSelect},\"from\":{{\"op\":\"ident\",\"name\":[\"project_logs\"]}}}}", "must be a function"),
        ["ast/unknown-source"] = BadAst($"{{{AstSelect},\"from\":{{\"op\":\"function\",\"name\":{{\"op\":\"ident\",\"name\":[\"users\"]}},\"args\":[]}}}}", "unknown source"),
        ["ast/no-select"] = BadAst($"{{{AstFrom}}}", "no 'select'"),
        ["ast/select-is-object"] = BadAst($"{{\"select\":{{\"op\":\"star\"}},{AstFrom}}}", "expected a JSON array"),
        ["ast/unknown-op"] = BadAst(Ast("{\"op\":\"regex\",\"left\":{\"op\":\"ident\",\"name\":[\"id\"]},\"right\":{\"op\":\"literal\",\"value\":\".*\"}}"), "unknown op 'regex'"),
        ["ast/no-op"] = BadAst(Ast("{\"left\":1}"), "no 'op'"),
        ["ast/op-is-number"] = BadAst(Ast("{\"op\":5}"), "expected a string"),
        ["ast/empty-ident"] = BadAst(Ast("{\"op\":\"isnull\",\"expr\":{\"op\":\"ident\",\"name\":[]}}"), "empty name"),
        ["ast/ident-part-object"] = BadAst(Ast("{\"op\":\"isnull\",\"expr\":{\"op\":\"ident\",\"name\":[{\"x\":1}]}}"), "path parts"),
        ["ast/literal-object"] = BadAst(Ast("{\"op\":\"eq\",\"left\":{\"op\":\"ident\",\"name\":[\"id\"]},\"right\":{\"op\":\"literal\",\"value\":{\"a\":1}}}"), "literal must be"),
        ["ast/missing-right"] = BadAst(Ast("{\"op\":\"eq\",\"left\":{\"op\":\"ident\",\"name\":[\"id\"]}}"), "'right' is missing"),
        ["ast/in-not-a-list"] = BadAst(Ast("{\"op\":\"in\",\"left\":{\"op\":\"ident\",\"name\":[\"id\"]},\"right\":{\"op\":\"literal\",\"value\":\"a\"}}"), "IN needs an array"),
        ["ast/empty-and"] = BadAst(Ast("{\"op\":\"and\",\"children\":[]}"), "'children' is empty"),
        ["ast/filter-is-array"] = BadAst(Ast("[]"), "expected a JSON object"),
        ["ast/number-as-condition"] = BadAst(Ast("{\"op\":\"literal\",\"value\":5}"), "expected a condition"),
        ["ast/sort-not-array"] = BadAst($"{{{AstSelect},{AstFrom},\"sort\":{{\"expr\":{{\"op\":\"ident\",\"name\":[\"id\"]}}}}}}", "expected a JSON array"),
        ["ast/sort-direction"] = BadAst($"{{{AstSelect},{AstFrom},\"sort\":[{{\"expr\":{{\"op\":\"ident\",\"name\":[\"id\"]}},\"dir\":\"sideways\"}}]}}", "unknown sort direction"),
        ["ast/sort-without-expr"] = BadAst($"{{{AstSelect},{AstFrom},\"sort\":[{{\"dir\":\"asc\"}}]}}", "no 'expr'"),
        ["ast/negative-limit"] = BadAst($"{{{AstSelect},{AstFrom},\"limit\":-1}}", "non-negative"),
        ["ast/limit-as-text"] = BadAst($"{{{AstSelect},{AstFrom},\"limit\":\"10\"}}", "non-negative"),
        ["ast/fractional-limit"] = BadAst($"{{{AstSelect},{AstFrom},\"limit\":1.5}}", "non-negative"),
        ["ast/cursor-number"] = BadAst($"{{{AstSelect},{AstFrom},\"cursor\":5}}", "expected a string"),
        ["ast/cursor-garbage"] = BadAst($"{{{AstSelect},{AstFrom},\"cursor\":\"!!!\"}}", "cursor"),
        ["ast/shape"] = BadAst($"{{{AstSelect},\"from\":{{\"op\":\"function\",\"name\":{{\"op\":\"ident\",\"name\":[\"project_logs\"]}},\"args\":[{{\"op\":\"literal\",\"value\":\"{{project}}\"}}],\"shape\":\"forest\"}}}}", "unknown shape"),
        ["ast/function-name-path"] = BadAst(Ast("{\"op\":\"eq\",\"left\":{\"op\":\"function\",\"name\":{\"op\":\"ident\",\"name\":[\"a\",\"b\"]},\"args\":[]},\"right\":{\"op\":\"literal\",\"value\":1}}"), "single name"),
        ["ast/alias-number"] = BadAst($"{{\"select\":[{{\"expr\":{{\"op\":\"ident\",\"name\":[\"id\"]}},\"alias\":5}}],{AstFrom}}}", "expected a JSON object"),
        ["body/query-number"] = new("{\"query\":5}", HttpStatusCode.BadRequest, "must be a string or an object"),
        ["body/query-array"] = new("{\"query\":[]}", HttpStatusCode.BadRequest, "must be a string or an object"),
        ["body/no-query"] = new("{\"fmt\":\"json\"}", HttpStatusCode.BadRequest, "query: required"),
        ["body/not-json"] = new("select: * | from: project_logs('x')", HttpStatusCode.BadRequest, "not valid JSON"),
        ["body/array"] = new("[]", HttpStatusCode.BadRequest, "JSON object"),
        ["body/format"] = new($"{{\"query\":\"select: id | {From}\",\"fmt\":\"xml\"}}", HttpStatusCode.BadRequest, "fmt"),
        ["body/tz-offset"] = new($"{{\"query\":\"select: id | {From}\",\"tz_offset\":99999}}", HttpStatusCode.BadRequest, "tz_offset"),
        ["body/version"] = new($"{{\"query\":\"select: id | {From}\",\"version\":\"1; DROP TABLE x\"}}", HttpStatusCode.BadRequest, "version"),
        ["body/lint-mode"] = new($"{{\"query\":\"select: id | {From}\",\"lint_mode\":\"loud\"}}", HttpStatusCode.BadRequest, "lint_mode"),
    };

    public static TheoryData<string> Names => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public async Task HostileQuery_IsAnsweredWithRowsOrA4xxThatSaysWhy(string name)
    {
        var (body, status, mentions) = Cases[name];
        var response = await logs.Api.SendAsync(HttpMethod.Post, "/btql", logs.Fill(body));

        response.AssertStatus(status);
        Assert.Contains(logs.Fill(mentions), response.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InjectionAttempts_LeaveEveryRowInPlace()
    {
        foreach (var (_, hostile) in Cases.Where(c => c.Key.StartsWith("literal/", StringComparison.Ordinal) || c.Key.StartsWith("field/", StringComparison.Ordinal)))
        {
            await logs.Api.SendAsync(HttpMethod.Post, "/btql", logs.Fill(hostile.Body));
        }

        var rows = (await logs.Api.PostAsync("/btql", new { query = logs.Fill("select: id | from: project_logs('{project}') | sort: id") })).AssertOk().Json["data"]!.AsArray();
        Assert.Equal(["a", "b"], rows.Select(r => (string)r!["id"]!));
    }
}
