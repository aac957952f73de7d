using System.Text.Json;
using System.Text.Json.Nodes;

namespace Braid.Server.Tests.Query.Golden;

/// <summary>
/// One entry of <c>corpus.jsonc</c>: a query in up to three front ends and the result all of them must give.
/// <list type="bullet">
/// <item><c>where</c>: shorthand for <c>select: id | from: project_logs('{project}') | filter: …</c> and
/// <c>SELECT id FROM project_logs('{project}') WHERE …</c>; <c>no_sql</c> (a reason) drops the SQL form.</item>
/// <item><c>btql</c>, <c>sql</c>: the texts, in full.</item>
/// <item><c>ast</c>: the SDK's JSON form; <c>select</c> defaults to <c>id</c> and <c>from</c> to the project's logs.</item>
/// <item><c>settings</c>: more of the request body (<c>tz_offset</c>, <c>version</c>).</item>
/// <item><c>page</c>: also page through with this limit, following cursors; the pages together must give the same result.</item>
/// <item>The result: <c>ids</c> (in any order), <c>ordered</c> (ids in this order) or <c>rows</c> (exactly these, in this order).</item>
/// </list>
/// <c>{project}</c>, <c>{project_name}</c>, <c>{project_b}</c>, <c>{experiment}</c>, <c>{dataset}</c> and <c>{xact:N}</c>
/// (the transaction of the fixture's Nth batch) are filled in from <see cref="GoldenFixture"/>.
/// </summary>
public sealed record GoldenCase(string Name, JsonObject Spec)
{
    public const string DefaultSource = "project_logs('{project}')";

    private static readonly JsonDocumentOptions Relaxed = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static IReadOnlyList<GoldenCase> All { get; } = Load();

    public static GoldenCase Get(string name) => All.Single(c => c.Name == name);

    private static List<GoldenCase> Load()
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Query", "Golden", "corpus.jsonc"));
        return JsonNode.Parse(text, documentOptions: Relaxed)!.AsArray()
            .Select(c => new GoldenCase((string)c!["name"]!, c.AsObject()))
            .ToList();
    }

    /// <summary>The front ends this case is written in, each with its query (text or JSON object).</summary>
    public IReadOnlyList<(string FrontEnd, JsonNode Query)> Queries()
    {
        var queries = new List<(string, JsonNode)>();
        if (Spec["where"] is { } where)
        {
            queries.Add(("btql", $"select: id | from: {DefaultSource} | filter: {where}"));
            if (Spec["no_sql"] is null)
            {
                queries.Add(("sql", $"SELECT id FROM {DefaultSource} WHERE {where}"));
            }
        }

        if (Spec["btql"] is { } btql)
        {
            queries.Add(("btql", (string)btql!));
        }

        if (Spec["sql"] is { } sql)
        {
            queries.Add(("sql", (string)sql!));
        }

        if (Spec["ast"] is JsonObject ast)
        {
            var query = new JsonObject
            {
                ["select"] = new JsonArray(new JsonObject { ["op"] = "ident", ["name"] = new JsonArray("id") }),
                ["from"] = Function("project_logs", "{project}"),
            };
            foreach (var (key, value) in ast)
            {
                query[key] = value?.DeepClone();
            }

            queries.Add(("ast", query));
        }

        return queries;
    }

    public static JsonObject Function(string name, params string[] args) => new()
    {
        ["op"] = "function",
        ["name"] = new JsonObject { ["op"] = "ident", ["name"] = new JsonArray(name) },
        ["args"] = new JsonArray([.. args.Select(a => (JsonNode)new JsonObject { ["op"] = "literal", ["value"] = a })]),
    };

    public JsonObject? Settings => Spec["settings"] as JsonObject;

    public int? Page => (int?)Spec["page"];

    /// <summary>A query of this case with a page limit and, after the first page, the cursor to continue from.</summary>
    public static JsonNode Paged(string frontEnd, JsonNode query, int limit, string? cursor) => frontEnd switch
    {
        "btql" => (string)query! + $" | limit: {limit}" + (cursor is null ? "" : $" | cursor: '{cursor}'"),
        "sql" => (string)query! + $" LIMIT {limit}" + (cursor is null ? "" : $" OFFSET '{cursor}'"),
        _ => WithPage(query.AsObject(), limit, cursor),
    };

    private static JsonObject WithPage(JsonObject query, int limit, string? cursor)
    {
        var paged = query.DeepClone().AsObject();
        paged["limit"] = limit;
        if (cursor is not null)
        {
            paged["cursor"] = cursor;
        }

        return paged;
    }

    public override string ToString() => Name;
}
