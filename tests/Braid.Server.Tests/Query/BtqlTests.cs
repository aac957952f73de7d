using System.Net;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Query;

public sealed class BtqlTests(BraidApp app) : IClassFixture<BraidApp>
{
    private static async Task<JsonObject> QueryAsync(ApiClient api, object query, object? settings = null)
    {
        var body = new JsonObject { ["query"] = query is string text ? text : JsonNode.Parse(ApiClient.Serialize(query)) };
        if (settings is not null)
        {
            foreach (var (key, value) in JsonNode.Parse(ApiClient.Serialize(settings))!.AsObject())
            {
                body[key] = value?.DeepClone();
            }
        }

        return (await api.PostAsync("/btql", body.ToJsonString())).AssertOk().Object;
    }

    private static List<JsonObject> Data(JsonObject result) => result["data"]!.AsArray().Select(r => r!.AsObject()).ToList();

    private static List<string> Ids(JsonObject result) => Data(result).Select(r => (string)r["id"]!).Order(StringComparer.Ordinal).ToList();

    private static async Task<(ApiClient Api, string ProjectId)> LogsAsync(BraidApp app, params object[] rows)
    {
        var api = await app.NewTenantAsync();
        var project = await api.CreateProjectAsync();
        var id = (string)project["id"]!;
        if (rows.Length > 0)
        {
            await api.InsertAsync($"project_logs/{id}", rows);
        }

        return (api, id);
    }

    [Fact]
    public async Task SqlBtqlAndTheSdkJsonForm_ReturnTheSameRows()
    {
        var (api, project) = await LogsAsync(app,
            new { id = "a", metadata = new { env = "prod" }, scores = new { q = 0.9 } },
            new { id = "b", metadata = new { env = "dev" }, scores = new { q = 0.4 } },
            new { id = "c", metadata = new { env = "prod" }, scores = new { q = 0.2 } });

        var sql = await QueryAsync(api, $"SELECT * FROM project_logs('{project}') WHERE metadata.env = 'prod' AND scores.q > 0.5");
        var btql = await QueryAsync(api, $"select: * | from: project_logs('{project}') | filter: metadata.env = 'prod' and scores.q > 0.5");
        var ast = await QueryAsync(api, new
        {
            select = new[] { new { op = "star" } },
            from = new { op = "function", name = new { op = "ident", name = new[] { "project_logs" } }, args = new[] { new { op = "literal", value = project } } },
            filter = new
            {
                op = "and",
                children = new object[]
                {
                    new { op = "eq", left = new { op = "ident", name = new[] { "metadata", "env" } }, right = new { op = "literal", value = "prod" } },
                    new { op = "gt", left = new { op = "ident", name = new[] { "scores", "q" } }, right = new { op = "literal", value = 0.5 } },
                },
            },
        });

        Assert.Equal(["a"], Ids(sql));
        Assert.Equal(Ids(sql), Ids(btql));
        Assert.Equal(Ids(sql), Ids(ast));
        var row = Data(sql)[0];
        Assert.Equal(project, (string)row["project_id"]!);
        Assert.Equal(19, ((string)row["_xact_id"]!).Length);
        Assert.StartsWith("p", (string)row["_pagination_key"]!);
        Assert.True((bool)row["is_root"]!);
    }

    [Fact]
    public async Task Comparisons_AreTypedByTheLiteral_SoTextNeverEqualsANumber()
    {
        var (api, project) = await LogsAsync(app,
            new { id = "num", metadata = new { v = 5 } },
            new { id = "text", metadata = new { v = "5" } },
            new { id = "big", metadata = new { v = 50 } },
            new { id = "word", metadata = new { v = "zzz" } },
            new { id = "none", metadata = new { } },
            new { id = "nul", metadata = new { v = (string?)null } });

        async Task<List<string>> Where(string filter) => Ids(await QueryAsync(api, $"select: id | from: project_logs('{project}') | filter: {filter}"));
        Assert.Equal(["num"], await Where("metadata.v = 5"));
        Assert.Equal(["text"], await Where("metadata.v = '5'"));
        Assert.Equal(["big", "num"], await Where("metadata.v >= 5"));
        Assert.Equal(["text", "word"], await Where("metadata.v >= '5'"));
        Assert.Equal(["none", "nul"], await Where("metadata.v IS NULL"));
        Assert.Equal(["none", "nul"], await Where("metadata.v = null"));
        Assert.Equal(["big", "num", "text", "word"], await Where("metadata.v IS NOT NULL"));
        Assert.Equal(["big", "num"], await Where("metadata.v IN (5, 50, 7)"));
        Assert.Equal(["big", "num", "text"], await Where("metadata.v IN (5, 50, '5')"));
        Assert.Equal(["big"], await Where("metadata.v * 2 > 20"));
    }

    [Fact]
    public async Task LikeIsCaseSensitive_IlikeIsNot_AndIncludesSearchesArrays()
    {
        var (api, project) = await LogsAsync(app,
            new { id = "a", input = "Hello World", tags = new[] { "red", "blue" } },
            new { id = "b", input = "hello there", tags = new[] { "green" } },
            new { id = "c", input = "100% sure_", tags = Array.Empty<string>() });

        async Task<List<string>> Where(string filter) => Ids(await QueryAsync(api, $"SELECT id FROM project_logs('{project}') WHERE {filter}"));
        Assert.Equal(["a"], await Where("input LIKE 'Hello%'"));
        Assert.Equal(["a", "b"], await Where("input ILIKE 'hello%'"));
        Assert.Equal(["c"], await Where("input LIKE '100\\% sure\\_'"));
        Assert.Equal(["b", "c"], await Where("input NOT LIKE '%World'"));
        Assert.Equal(["a"], Ids(await QueryAsync(api, $"select: id | from: project_logs('{project}') | filter: tags includes 'blue'")));
        Assert.Equal(["b", "c"], Ids(await QueryAsync(api, $"select: id | from: project_logs('{project}') | filter: tags not includes 'blue'")));
    }

    [Fact]
    public async Task Pages_ContinueByCursor_WithNoGapAndNoRepeat_AndTheCursorIsAlsoAHeader()
    {
        var rows = Enumerable.Range(0, 23).Select(i => (object)new { id = $"r{i:D2}", created = $"2024-01-01T00:00:{i % 5:D2}Z", metadata = new { i } }).ToArray();
        var (api, project) = await LogsAsync(app, rows);

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var query = $"SELECT id FROM project_logs('{project}') LIMIT 5" + (cursor is null ? "" : $" OFFSET '{cursor}'");
            var response = (await api.PostAsync("/btql", new { query })).AssertOk();
            var page = response.Object;
            seen.AddRange(Data(page).Select(r => (string)r["id"]!));
            cursor = (string?)page["cursor"];
            Assert.Equal(cursor, response.Header("x-bt-cursor"));
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(5, pages);
        Assert.Equal(rows.Length, seen.Count);
        Assert.Equal(seen.Count, seen.Distinct().Count());
    }

    [Fact]
    public async Task CustomSorts_PageByOffset_AndSayWhy()
    {
        var (api, project) = await LogsAsync(app, Enumerable.Range(0, 7).Select(i => (object)new { id = $"r{i}", scores = new { s = i / 10.0 } }).ToArray());

        var first = await QueryAsync(api, $"select: id | from: project_logs('{project}') | sort: scores.s desc | limit: 4");
        Assert.Equal(["r6", "r5", "r4", "r3"], Data(first).Select(r => (string)r["id"]!));
        Assert.Contains(first["warnings"]!.AsArray(), w => (string)w!["code"]! == "unpageable_sort");
        var second = await QueryAsync(api, $"select: id | from: project_logs('{project}') | sort: scores.s desc | limit: 4 | cursor: '{first["cursor"]}'");
        Assert.Equal(["r2", "r1", "r0"], Data(second).Select(r => (string)r["id"]!));
        Assert.Null(second["cursor"]);
    }

    private static object Span(string id, string root, string? parent, object? metadata = null, object? scores = null, object? metrics = null, string type = "task", object? input = null) => new
    {
        id,
        span_id = id,
        root_span_id = root,
        span_parents = parent is null ? null : new[] { parent },
        metadata,
        scores,
        metrics,
        input,
        span_attributes = new { type, name = id },
    };

    private static object[] ThreeTraces() =>
    [
        Span("t1", "t1", null, metadata: new { user = "ann" }, scores: new { acc = 1.0 }, metrics: new { start = 100.0, end = 110.0 }, input: "first question"),
        Span("t1-llm", "t1", "t1", scores: new { acc = 0.5 }, metrics: new { start = 101.0, end = 105.0, prompt_tokens = 10, completion_tokens = 5 }, type: "llm"),
        Span("t1-tool", "t1", "t1", metrics: new { start = 105.0, end = 106.0 }, type: "tool"),
        Span("t2", "t2", null, metadata: new { user = "bob" }, metrics: new { start = 200.0, end = 203.0 }),
        Span("t2-llm", "t2", "t2", metrics: new { start = 200.5, end = 202.0, prompt_tokens = 7, completion_tokens = 3 }, type: "llm"),
        Span("t3", "t3", null, metadata: new { user = "ann" }),
    ];

    [Fact]
    public async Task AnySpan_FetchesChildSpansByTheirRootsMetadata()
    {
        var (api, project) = await LogsAsync(app, ThreeTraces());

        var spans = await QueryAsync(api, $"select: id | from: project_logs('{project}') | filter: any_span(is_root and metadata.user = 'ann')");
        Assert.Equal(["t1", "t1-llm", "t1-tool", "t3"], Ids(spans));
    }

    [Fact]
    public async Task Traces_ReturnWholeTraces_CountTracesAgainstTheLimit_AndFilterSpansNarrows()
    {
        var (api, project) = await LogsAsync(app, ThreeTraces());

        var traces = await QueryAsync(api, $"SELECT * FROM project_logs('{project}', shape => 'traces') WHERE span_attributes.type = 'llm'");
        Assert.Equal(["t1", "t1-llm", "t1-tool", "t2", "t2-llm"], Ids(traces));

        var firstPage = await QueryAsync(api, $"select: id | from: project_logs('{project}') traces | limit: 1");
        var secondPage = await QueryAsync(api, $"select: id | from: project_logs('{project}') traces | limit: 1 | cursor: '{firstPage["cursor"]}'");
        var firstIds = Ids(firstPage);
        var secondIds = Ids(secondPage);
        Assert.Empty(firstIds.Intersect(secondIds));
        Assert.All([firstIds, secondIds], ids => Assert.Single(ids.Select(i => i.Split('-')[0]).Distinct()));

        var narrowed = await QueryAsync(api, $"select: id | from: project_logs('{project}') traces | filter: metadata.user = 'ann' and filter_spans(span_attributes.type = 'tool')");
        Assert.Equal(["t1-tool"], Ids(narrowed));
    }

    [Fact]
    public async Task Summary_AveragesScores_SumsTokens_AndHavingFiltersTraces()
    {
        var (api, project) = await LogsAsync(app, ThreeTraces());

        var summary = await QueryAsync(api, $"SELECT * FROM project_logs('{project}', shape => 'summary')");
        var rows = Data(summary).ToDictionary(r => (string)r["root_span_id"]!);
        Assert.Equal(3, rows.Count);
        var t1 = rows["t1"];
        Assert.Equal("t1", (string)t1["id"]!);
        Assert.Equal(0.75, (double)t1["scores"]!["acc"]!, 6);
        Assert.Equal(10, (int)t1["metrics"]!["prompt_tokens"]!);
        Assert.Equal(15, (int)t1["metrics"]!["total_tokens"]!);
        Assert.Equal(1, (int)t1["metrics"]!["llm_calls"]!);
        Assert.Equal(1, (int)t1["metrics"]!["tool_calls"]!);
        Assert.Equal(10.0, (double)t1["metrics"]!["duration"]!, 6);
        Assert.Equal("first question", (string)t1["input"]!);
        Assert.Equal(project, (string)t1["project_id"]!);

        var having = await QueryAsync(api, $"SELECT id FROM project_logs('{project}', shape => 'summary') HAVING metrics.prompt_tokens > 8");
        Assert.Equal(["t1"], Ids(having));
    }

    [Fact]
    public async Task Summary_PreviewsRootFields_AndSortsAndFiltersByScoresAndMetrics()
    {
        var (api, project) = await LogsAsync(app,
            new { id = "a", span_id = "a", root_span_id = "a", input = (string?)null, output = new { answer = 42 }, scores = new { acc = 0.2 }, metrics = new { prompt_tokens = 5 } },
            new { id = "b", span_id = "b", root_span_id = "b", input = "question", output = (string?)null, scores = new { acc = 0.9 }, metrics = new { prompt_tokens = 1 } },
            new { id = "c", span_id = "c", root_span_id = "c", input = "other", scores = new { acc = 0.5 }, metrics = new { prompt_tokens = 3 } });

        var rows = Data(await QueryAsync(api, $"select: * | from: project_logs('{project}') summary")).ToDictionary(r => (string)r["id"]!);
        // A JSON null is no preview at all, not the text "null"; a non-string value previews as its JSON text.
        Assert.Null(rows["a"]["input"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("{\"answer\":42}"), JsonNode.Parse((string)rows["a"]["output"]!)));
        Assert.Equal("question", (string)rows["b"]["input"]!);
        Assert.Null(rows["b"]["output"]);

        var byScore = await QueryAsync(api, $"select: id | from: project_logs('{project}') summary | sort: scores.acc desc");
        Assert.Equal(["b", "c", "a"], Data(byScore).Select(r => (string)r["id"]!));
        var byMetric = Data(await QueryAsync(api,
            $"SELECT id, metrics.prompt_tokens AS tokens FROM project_logs('{project}', shape => 'summary') HAVING metrics.prompt_tokens >= 3 ORDER BY metrics.prompt_tokens"));
        Assert.Equal(["c", "a"], byMetric.Select(r => (string)r["id"]!));
        Assert.Equal([3, 5], byMetric.Select(r => (int)r["tokens"]!));
    }

    [Fact]
    public async Task CastToTimestamp_ReadsIsoDatesAndZones_AndIsNullForAnythingElse()
    {
        var (api, project) = await LogsAsync(app,
            new { id = "utc", metadata = new { when = "2024-03-01T10:00:00Z" } },
            new { id = "offset", metadata = new { when = "2024-03-01 12:30:00+02:00" } },
            new { id = "no-zone", metadata = new { when = "2024-03-01T10:00:00" } },
            new { id = "date", metadata = new { when = "2024-03-01" } },
            new { id = "month-13", metadata = new { when = "2024-13-01T00:00:00Z" } },
            // Braid's own form, which PostgreSQL casts without the slower checking parser once it is a real date.
            new { id = "canonical", metadata = new { when = "2024-03-01T10:00:00.000Z" } },
            new { id = "canonical-month-13", metadata = new { when = "2024-13-01T10:00:00.000Z" } },
            new { id = "words", metadata = new { when = "yesterday" } });

        var rows = Data(await QueryAsync(api, $"SELECT id, CAST(metadata.when AS timestamp) AS t FROM project_logs('{project}')"))
            .ToDictionary(r => (string)r["id"]!, r => (string?)r["t"]);
        Assert.Equal("2024-03-01T10:00:00.000Z", rows["utc"]);
        Assert.Equal("2024-03-01T10:30:00.000Z", rows["offset"]);
        Assert.Equal("2024-03-01T10:00:00.000Z", rows["no-zone"]);
        Assert.Equal("2024-03-01T00:00:00.000Z", rows["date"]);
        Assert.Null(rows["month-13"]);
        Assert.Equal("2024-03-01T10:00:00.000Z", rows["canonical"]);
        Assert.Null(rows["canonical-month-13"]);
        Assert.Null(rows["words"]);
    }

    [Fact]
    public async Task DimensionsAndMeasures_GroupSpanRows()
    {
        var (api, project) = await LogsAsync(app,
            new { id = "a", created = "2024-03-01T10:00:00Z", metadata = new { model = "x" }, metrics = new { tokens = 10 } },
            // The day's last second, past its half: a bucket must not round it into the next day.
            new { id = "b", created = "2024-03-01T23:59:59.700Z", metadata = new { model = "y" }, metrics = new { tokens = 20 } },
            new { id = "c", created = "2024-03-02T00:00:01Z", metadata = new { model = "x" }, metrics = new { tokens = 30 } },
            new { id = "d", created = "2024-03-02T12:00:00Z", metadata = new { model = "x" }, metrics = new { tokens = 40 } });

        var byDay = Data(await QueryAsync(api, $"dimensions: day(created) as day | measures: count(1) as n, sum(metrics.tokens) as tokens, count_distinct(metadata.model) as models | from: project_logs('{project}')"));
        Assert.Equal(2, byDay.Count);
        Assert.Equal("2024-03-01T00:00:00.000Z", (string)byDay[0]["day"]!);
        Assert.Equal(2, (int)byDay[0]["n"]!);
        Assert.Equal(30, (int)byDay[0]["tokens"]!);
        Assert.Equal(2, (int)byDay[0]["models"]!);
        Assert.Equal(70, (int)byDay[1]["tokens"]!);

        var sql = Data(await QueryAsync(api, $"SELECT metadata.model AS model, count(*) AS n, avg(metrics.tokens) AS mean, percentile(metrics.tokens, 0.5) AS p50 FROM project_logs('{project}') GROUP BY 1 HAVING count(*) > 1 ORDER BY model"));
        var x = Assert.Single(sql);
        Assert.Equal("x", (string)x["model"]!);
        Assert.Equal(3, (int)x["n"]!);
        Assert.Equal(80.0 / 3, (double)x["mean"]!, 6);
        Assert.Equal(30.0, (double)x["p50"]!, 6);

        // Eight hours west of UTC, 2024-03-02T00:00:01Z is still March 1st.
        var local = Data(await QueryAsync(api, $"dimensions: day(created) as day | measures: count(1) as n | from: project_logs('{project}')", new { tz_offset = 480 }));
        Assert.Equal(["2024-03-01T08:00:00.000Z", "2024-03-02T08:00:00.000Z"], local.Select(r => (string)r["day"]!));
        Assert.Equal([3, 1], local.Select(r => (int)r["n"]!));
    }

    [Fact]
    public async Task Unpivot_AveragesEveryScoreOfSeveralExperiments_InOneQuery()
    {
        var (api, project) = await LogsAsync(app);
        var first = (string)(await api.CreateExperimentAsync(project, new { name = "first" }))["id"]!;
        var second = (string)(await api.CreateExperimentAsync(project, new { name = "second" }))["id"]!;
        await api.InsertAsync($"experiment/{first}",
            new { id = "a", scores = new { accuracy = 1.0, fluency = 0.5 } },
            new { id = "b", scores = new { accuracy = 0.5, skipped = (double?)null } });
        await api.InsertAsync($"experiment/{second}",
            new { id = "c", scores = new { accuracy = 0.25 } },
            new { id = "d", metadata = new { no = "scores" } });

        var rows = Data(await QueryAsync(api,
            $"from: experiment('{first}', '{second}') | unpivot: scores as (score, value) | dimensions: experiment_id, score | measures: avg(value) as avg, count(1) as n | sort: score, experiment_id"));
        var expected = new[] { (first, "accuracy", 0.75, 2), (second, "accuracy", 0.25, 1), (first, "fluency", 0.5, 1) }
            .OrderBy(r => r.Item2, StringComparer.Ordinal).ThenBy(r => r.Item1, StringComparer.Ordinal).ToList();
        Assert.Equal(expected, rows.Select(r => ((string)r["experiment_id"]!, (string)r["score"]!, (double)r["avg"]!, (int)r["n"]!)));

        // A row's own fields still filter and group beside the unpivoted ones.
        var filtered = Data(await QueryAsync(api,
            $"from: experiment('{first}') | unpivot: scores as (score, value) | filter: id = 'a' | dimensions: score | measures: max(value) as top"));
        Assert.Equal([("accuracy", 1.0), ("fluency", 0.5)], filtered.Select(r => ((string)r["score"]!, (double)r["top"]!)));

        var spans = await api.PostAsync("/btql", new JsonObject { ["query"] = $"select: * | from: experiment('{first}') | unpivot: scores as (score, value)" }.ToJsonString());
        spans.AssertError(HttpStatusCode.BadRequest, "unpivot");
    }

    [Fact]
    public async Task Match_FindsWholeWords_InLatinCyrillicAndChinese()
    {
        var (api, project) = await LogsAsync(app,
            new { id = "en", input = "The quick brown fox", output = "jumps" },
            new { id = "ru", input = "Быстрая коричневая лиса" },
            new { id = "zh", input = "敏捷的棕色狐狸" },
            new { id = "other", input = "quickly", output = "brown" });

        async Task<List<string>> Match(string filter) => Ids(await QueryAsync(api, $"select: id | from: project_logs('{project}') | filter: {filter}"));
        Assert.Equal(["en"], await Match("input MATCH 'quick'"));
        Assert.Equal(["en"], await Match("input MATCH 'BROWN fox'"));
        Assert.Equal(["ru"], await Match("input MATCH 'лиса'"));
        Assert.Equal(["zh"], await Match("input MATCH '狐狸'"));
        Assert.Equal(["other"], await Match("output MATCH 'brown'"));
        Assert.Equal(["other", "ru", "zh"], await Match("input NOT MATCH 'fox'"));
    }

    [Fact]
    public async Task Match_OnAFieldWithoutAnIndex_StillSearches_AndSaysItIsSlow()
    {
        var (api, project) = await LogsAsync(app,
            new { id = "a", context = new { caller = "The Fox Den" } },
            new { id = "b", context = new { caller = "Badger Sett" } });

        var result = await QueryAsync(api, $"select: id | from: project_logs('{project}') | filter: context.caller MATCH 'fox'");
        Assert.Equal(["a"], Ids(result));
        Assert.Contains(result["warnings"]!.AsArray(), w => (string)w!["code"]! == "match_not_indexed");
    }

    [Fact]
    public async Task Version_ReadsTheLogAsItWasThen()
    {
        var (api, project) = await LogsAsync(app, new { id = "a", input = "old" });
        var before = (string)Data(await QueryAsync(api, $"select: _xact_id | from: project_logs('{project}')"))[0]["_xact_id"]!;
        await api.InsertAsync($"project_logs/{project}", new { id = "a", input = "new" }, new { id = "b", input = "later" });

        var since = Ids(await QueryAsync(api, $"select: id | from: project_logs('{project}') | filter: _xact_id > '{before}'"));
        Assert.Equal(["a", "b"], since);
        Assert.Empty(Ids(await QueryAsync(api, $"select: id | from: project_logs('{project}') | filter: _xact_id <= '{before}'")));

        var now = Data(await QueryAsync(api, $"select: id, input | from: project_logs('{project}') | sort: id"));
        var then = Data(await QueryAsync(api, $"select: id, input | from: project_logs('{project}') | sort: id", new { version = before }));
        Assert.Equal(["new", "later"], now.Select(r => (string)r["input"]!));
        Assert.Equal("old", (string)Assert.Single(then)["input"]!);
    }

    [Fact]
    public async Task DatasetVersions_NewestFirst_APageAtATime_CountEveryRecordAVersionChanged()
    {
        // The dataset page's version picker: its transactions grouped, newest first, a page at a time, each next page
        // read below the oldest one shown. The grouping pages on the sort (see QueryCompiler.GroupOrder); the answer
        // must be the audit rows' own count per transaction, which a HAVING that keeps every group computes too.
        var api = await app.NewTenantAsync();
        var dataset = await api.CreateLogAsync("dataset");
        var other = await api.CreateLogAsync("dataset");
        await api.InsertAsync(dataset, new { id = "a", input = 1 });
        await api.InsertAsync(dataset, new { id = "a", input = 2 }, new { id = "b", input = 2 }, new { id = "c", input = 2 });
        await api.InsertAsync(other, new { id = "x", input = 1 });
        await api.InsertAsync(dataset, new { id = "b", _object_delete = true });
        await api.InsertAsync(dataset, new { id = "d", input = 4 }, new { id = "a", input = 4 });
        await api.InsertAsync(dataset, new { id = "e", input = 5 });
        var from = $"from: dataset('{dataset.Split('/')[1]}')";
        var audit = new { audit_log = true };
        var expected = Data(await QueryAsync(api, $"select: _xact_id | {from} | limit: 1000", audit))
            .GroupBy(r => (string)r["_xact_id"]!).OrderByDescending(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key}={g.Count()}").ToList();
        Assert.Equal([1, 2, 1, 3, 1], expected.Select(v => int.Parse(v.Split('=')[1], System.Globalization.CultureInfo.InvariantCulture)));
        string Versions(JsonObject result) => string.Join(" ", Data(result).Select(r => $"{(string)r["version"]!}={(int)r["changes"]!}"));
        string Query(string? before, string extra = "") =>
            $"dimensions: _xact_id as version | measures: count(1) as changes | {from}{(before is null ? "" : $" | filter: _xact_id < '{before}'")}{extra} | sort: version desc | limit: 2";
        // The same in SQL with a HAVING that keeps every group, which sorts and pages after grouping.
        string Having(string? before) =>
            $"SELECT _xact_id AS version, count(*) AS changes FROM dataset('{dataset.Split('/')[1]}'){(before is null ? "" : $" WHERE _xact_id < '{before}'")} GROUP BY 1 HAVING count(*) > 0 ORDER BY version DESC LIMIT 2";

        var shown = new List<string>();
        string? oldest = null;
        JsonObject page;
        do
        {
            page = await QueryAsync(api, Query(oldest), audit);
            Assert.Equal(Versions(await QueryAsync(api, Having(oldest), audit)), Versions(page));
            shown.AddRange(Data(page).Select(r => $"{(string)r["version"]!}={(int)r["changes"]!}"));
            oldest = (string?)Data(page).LastOrDefault()?["version"];
        }
        while (page["cursor"] is not null);

        // Pages of 2, 2 and 1; the version that changed three records is one entry, and the page below it starts after it.
        Assert.Equal(expected, shown);
        var belowTheBig = expected.FindIndex(v => v.EndsWith("=3", StringComparison.Ordinal));
        Assert.Equal(expected.Skip(belowTheBig + 1).Take(2),
            Data(await QueryAsync(api, Query(expected[belowTheBig].Split('=')[0]), audit)).Select(r => $"{(string)r["version"]!}={(int)r["changes"]!}"));

        // The cursor of a page continues at the same place as the bound does.
        var first = await QueryAsync(api, Query(null), audit);
        var second = await QueryAsync(api, Query(null, $" | cursor: '{(string)first["cursor"]!}'"), audit);
        Assert.Equal(expected.Skip(2).Take(2), Data(second).Select(r => $"{(string)r["version"]!}={(int)r["changes"]!}"));

        // Oldest first, and with no limit at all, still every version.
        Assert.Equal(expected.AsEnumerable().Reverse().Take(2),
            Data(await QueryAsync(api, $"dimensions: _xact_id as version | measures: count(1) as changes | {from} | sort: version | limit: 2", audit))
                .Select(r => $"{(string)r["version"]!}={(int)r["changes"]!}"));
    }

    [Fact]
    public async Task Sample_KeepsAboutThatShareOfRows_TheSameOnEveryRun()
    {
        var (api, project) = await LogsAsync(app, Enumerable.Range(0, 400).Select(i => (object)new { id = $"r{i:D3}" }).ToArray());

        var btql = Ids(await QueryAsync(api, $"select: id | from: project_logs('{project}') | sample: 25% | limit: 1000"));
        var sql = Ids(await QueryAsync(api, $"SELECT id FROM project_logs('{project}') TABLESAMPLE 25 PERCENT LIMIT 1000"));
        Assert.InRange(btql.Count, 60, 140);
        Assert.Equal(btql, sql);
        Assert.Equal(btql, Ids(await QueryAsync(api, $"select: id | from: project_logs('{project}') | sample: 25% | limit: 1000")));
        var counted = Data(await QueryAsync(api, $"measures: count(1) as n | from: project_logs('{project}') | sample: 25%"));
        Assert.Equal(btql.Count, (int)counted[0]["n"]!);
    }

    [Fact]
    public async Task SampleOfACount_KeepsThatManyMatchingRows_TheSameOnEveryPage()
    {
        var (api, project) = await LogsAsync(app, Enumerable.Range(0, 300).Select(i => (object)new
        {
            id = $"r{i:D3}",
            root_span_id = $"t{i / 3:D3}",
            span_id = $"r{i:D3}",
            metadata = new { even = i % 2 == 0 },
        }).ToArray());

        var btql = Ids(await QueryAsync(api, $"select: id | from: project_logs('{project}') | filter: metadata.even = true | sample: 40"));
        var sql = Ids(await QueryAsync(api, $"SELECT id FROM project_logs('{project}') WHERE metadata.even = true TABLESAMPLE 40 ROWS"));
        Assert.Equal(40, btql.Count);
        Assert.Equal(btql, sql);
        Assert.All(btql, id => Assert.Equal(0, int.Parse(id[1..], System.Globalization.CultureInfo.InvariantCulture) % 2));

        // Paging through the sample finds the same 40 rows, once each.
        var paged = new List<string>();
        string? cursor = null;
        do
        {
            var page = await QueryAsync(api, $"select: id | from: project_logs('{project}') | filter: metadata.even = true | sample: 40 | limit: 15" + (cursor is null ? "" : $" | cursor: '{cursor}'"));
            paged.AddRange(Data(page).Select(r => (string)r["id"]!));
            cursor = (string?)page["cursor"];
        }
        while (cursor is not null);
        Assert.Equal(btql, paged.Order(StringComparer.Ordinal).ToList());

        // For traces it counts traces; a count beyond the matches keeps them all.
        var traces = Data(await QueryAsync(api, $"select: root_span_id | from: project_logs('{project}') traces | sample: 7"));
        Assert.Equal(7, traces.Select(r => (string)r["root_span_id"]!).Distinct().Count());
        Assert.Equal(21, traces.Count);
        Assert.Equal(300, Data(await QueryAsync(api, $"select: id | from: project_logs('{project}') | sample: 5000")).Count);
    }

    [Fact]
    public async Task JsonLines_StreamOneRowPerLine()
    {
        var (api, project) = await LogsAsync(app, new { id = "a" }, new { id = "b" });

        var response = (await api.PostAsync("/btql", new { query = $"select: id | from: project_logs('{project}') | sort: id", fmt = "jsonl" })).AssertOk();
        Assert.Equal(["{\"id\":\"a\"}", "{\"id\":\"b\"}"], response.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Parquet_IsARealFile_ThatAnIndependentReaderReads()
    {
        var (api, project) = await LogsAsync(app,
            new { id = "a", input = "héllo", metadata = new { n = 1 }, scores = new { s = 0.5 } },
            new { id = "b", input = "wörld", metadata = new { n = 2 }, scores = new { s = 0.25 } });

        var projected = (await api.PostAsync("/btql", new { query = $"select: id, metadata.n as n, scores.s as s | from: project_logs('{project}') | sort: id", fmt = "parquet" })).AssertOk();
        var file = Parquet.ParquetFile.Read(projected.Bytes);
        Assert.Equal(["id", "n", "s"], file.Columns.Select(c => c.Name));
        Assert.Equal(2, file.RowCount);
        Assert.Equal(["a", "b"], file["id"]);
        Assert.Equal([1L, 2L], file["n"]);
        Assert.Equal([0.5, 0.25], file["s"]);

        var whole = (await api.PostAsync("/btql", new { query = $"select: * | from: project_logs('{project}') | sort: id | limit: 1", fmt = "parquet" })).AssertOk();
        var rows = Parquet.ParquetFile.Read(whole.Bytes);
        Assert.Equal(1, rows.RowCount);
        Assert.Equal("a", rows["id"][0]);
        Assert.Equal("héllo", (string)JsonNode.Parse((string)rows["input"][0]!)!);
        Assert.NotNull(whole.Header("x-bt-cursor"));
    }

    [Fact]
    public async Task Names_WorkInPlaceOfIds()
    {
        var api = await app.NewTenantAsync();
        var project = await api.CreateProjectAsync("named-project");
        await api.InsertAsync($"project_logs/{project["id"]}", new { id = "a" });

        Assert.Equal(["a"], Ids(await QueryAsync(api, "select: id | from: project_logs('named-project')")));
    }

    [Fact]
    public async Task Lint_WarnsOfAFullScanAndUnknownFields_AndLintModeDecidesWhatHappens()
    {
        var (api, project) = await LogsAsync(app, new { id = "a" });
        var query = $"select: id | from: project_logs('{project}') | filter: metdata.x = 1";

        var warned = await QueryAsync(api, query);
        var codes = warned["warnings"]!.AsArray().Select(w => (string)w!["code"]!).ToList();
        Assert.Contains("full_scan", codes);
        Assert.Contains("unknown_field", codes);
        var unknown = warned["warnings"]!.AsArray().First(w => (string)w!["code"]! == "unknown_field")!;
        Assert.Equal(1, (int)unknown["line"]!);
        Assert.Equal(query.IndexOf("metdata", StringComparison.Ordinal) + 1, (int)unknown["column"]!);

        Assert.Null((await QueryAsync(api, query, new { lint_mode = "off" }))["warnings"]);
        var missing = await QueryAsync(api, $"select: id | from: project_logs('{project}') | filter: id = 'a' and metadata.nosuch = 1");
        Assert.Contains(missing["warnings"]!.AsArray(), w => (string)w!["code"]! == "unknown_field" && ((string)w["message"]!).Contains("metadata.nosuch", StringComparison.Ordinal));
        (await api.PostAsync("/btql", new { query, lint_mode = "strict" })).AssertError(HttpStatusCode.BadRequest, "unknown_field");
        Assert.Null((await QueryAsync(api, $"select: id | from: project_logs('{project}') | filter: id = 'a'"))["warnings"]);
    }

    [Theory]
    [InlineData("SELECT * FROM project_logs('{0}') WHERE", "line 1, column")]
    [InlineData("select: * | from: project_logs('{0}') | filter: nosuch(1) = 1", "unknown function 'nosuch'")]
    [InlineData("select: * | from: project_logs('{0}') | filter: input = 'x'' OR 1=1 --'", "")]
    [InlineData("select: * | from: project_logs('{0}') | cursor: 'not-a-cursor'", "cursor")]
    [InlineData("select: * | from: project_logs('{0}') | filter: metadata.\"a\"\"b\" = 1", "not supported")]
    [InlineData("select: count(1) | from: project_logs('{0}')", "aggregate")]
    [InlineData("select: * | from: project_logs('{0}') | filter: input LIKE metadata.p", "pattern")]
    [InlineData("select: * | from: project_logs('{0}') | filter: date_trunc('fortnight', created) = '2024-01-01'", "unknown date_trunc unit")]
    public async Task BadQueries_Get400sThatSayWhy(string template, string mentions)
    {
        var (api, project) = await LogsAsync(app, new { id = "a", input = "x" });
        var response = await api.PostAsync("/btql", new { query = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, project) });
        if (mentions.Length == 0)
        {
            // An injection attempt is just a string that no row equals.
            Assert.Empty(Data(response.AssertOk().Object));
            return;
        }

        response.AssertError(HttpStatusCode.BadRequest, mentions);
    }

    [Fact]
    public async Task AnotherOrganizationsLog_IsNotFound()
    {
        var (_, project) = await LogsAsync(app, new { id = "secret" });
        var stranger = await app.NewTenantAsync();

        (await stranger.PostAsync("/btql", new { query = $"select: * | from: project_logs('{project}')" })).AssertError(HttpStatusCode.NotFound, "not found");
    }
}
