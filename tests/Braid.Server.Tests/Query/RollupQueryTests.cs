using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;
using Braid.Storage;
using Braid.Storage.Events;
using Braid.Storage.Rollups;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Query;

/// <summary>
/// Grouped queries over a log by hour or day are answered from its hourly rollups: each is checked against the same
/// query made ineligible for rollups (an extra "1 = 1" in the filter), which the compiled SQL answers from the raw rows.
/// </summary>
public sealed class RollupQueryTests(BraidApp app) : IClassFixture<BraidApp>
{
    private const string Measures =
        "count(1) as spans, sum(metrics.tokens) as tokens, avg(metrics.tokens) as mean_tokens, min(metrics.tokens) as least, " +
        "max(metrics.estimated_cost) as cost, avg(scores.quality) as quality, avg(metrics.end - metrics.start) as duration";

    private static object Span(string id, string created, int? tokens = null, double? quality = null, string? parent = null, double seconds = 1) => new
    {
        id,
        span_id = id,
        root_span_id = parent ?? id,
        span_parents = parent is null ? null : new[] { parent },
        created,
        metrics = new { tokens, estimated_cost = tokens / 1000.0, start = 1000.0, end = 1000.0 + seconds },
        scores = quality is null ? null : new { quality },
    };

    private static async Task<List<JsonObject>> QueryAsync(ApiClient api, string query, int tzOffset = 0)
    {
        var body = new JsonObject { ["query"] = query, ["tz_offset"] = tzOffset };
        return [.. (await api.PostAsync("/btql", body.ToJsonString())).AssertOk().Object["data"]!.AsArray().Select(r => r!.AsObject())];
    }

    /// <summary>The query's answer, asserted equal to the raw rows' answer to the same question.</summary>
    private static async Task<List<JsonObject>> BothAsync(ApiClient api, string project, string dimension, string filter, int tzOffset = 0)
    {
        string Query(string f) => $"dimensions: {dimension} | measures: {Measures} | from: project_logs('{project}') | filter: {f}";
        var fromRollups = await QueryAsync(api, Query(filter), tzOffset);
        var raw = await QueryAsync(api, Query(filter + " and 1 = 1"), tzOffset);
        Assert.Equal(Show(raw), Show(fromRollups));
        return fromRollups;
    }

    private static string Show(List<JsonObject> rows) => string.Join("\n", rows.Select(r => r.ToJsonString()));

    private async Task<(ApiClient Api, string Project)> LogAsync(params object[] spans)
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        await api.InsertAsync($"project_logs/{project}", spans);
        return (api, project);
    }

    private static object[] Day() =>
    [
        Span("a", "2026-03-01T10:05:00.000Z", tokens: 10, quality: 1, seconds: 2),
        Span("a1", "2026-03-01T10:06:00.000Z", tokens: 30, parent: "a", seconds: 0.5),
        Span("b", "2026-03-01T10:59:59.999Z", tokens: 20, quality: 0.5, seconds: 4),
        Span("c", "2026-03-01T11:00:00.000Z", quality: 0, seconds: 1),
        Span("d", "2026-03-01T23:30:00.000Z", tokens: 5),
        Span("e", "2026-03-02T01:00:00.000Z", tokens: 7, quality: 0.25),
    ];

    [Fact]
    public async Task HourlyAndDailyCharts_AnswerAsTheRawRowsDo_WithBoundsRootsAndTimeZones()
    {
        var (api, project) = await LogAsync(Day());

        var hours = await BothAsync(api, project, "hour(created) as bucket", "created >= '2026-03-01T00:00:00.000Z'");
        Assert.Equal(["2026-03-01T10:00:00.000Z", "2026-03-01T11:00:00.000Z", "2026-03-01T23:00:00.000Z", "2026-03-02T01:00:00.000Z"],
            hours.Select(r => (string)r["bucket"]!));
        Assert.Equal(3, (int)hours[0]["spans"]!);
        Assert.Equal(60, (double)hours[0]["tokens"]!);
        Assert.Null(hours[1]["tokens"]);

        await BothAsync(api, project, "hour(created) as bucket", "is_root and created >= '2026-03-01T10:00:00.000Z' and created < '2026-03-01T23:00:00.000Z'");
        await BothAsync(api, project, "day(created) as bucket", "created >= '2026-02-28T00:00:00.000Z'");
        // Eight hours west of UTC and one hour east: days start at local midnight.
        await BothAsync(api, project, "day(created) as bucket", "created >= '2026-02-28T00:00:00.000Z'", tzOffset: 480);
        await BothAsync(api, project, "day(created) as bucket", "is_root = true and created >= '2026-02-28T00:00:00.000Z'", tzOffset: -60);
    }

    [Fact]
    public async Task UnpivotedScoresByHour_AnswerAsTheRawRowsDo()
    {
        var (api, project) = await LogAsync([.. Day(),
            new { id = "s1", created = "2026-03-01T10:20:00.000Z", scores = new { accuracy = 1, quality = 0.5 } },
            new { id = "s2", created = "2026-03-01T23:20:00.000Z", scores = new { accuracy = 0.25, unset = (double?)null } }]);
        async Task<List<JsonObject>> Both(string dimensions)
        {
            string Query(string extra) =>
                $"from: project_logs('{project}') | unpivot: scores as (score, value) | dimensions: {dimensions} | " +
                $"measures: avg(value) as mean, count(1) as n, min(value) as least, max(value) as most, sum(value) as total | filter: created >= '2026-03-01T00:00:00.000Z'{extra}";
            var fromRollups = await QueryAsync(api, Query(""));
            var raw = await QueryAsync(api, Query(" and 1 = 1"));
            Assert.Equal(Show(raw), Show(fromRollups));
            return fromRollups;
        }

        var rows = await Both("hour(created) as bucket, score");
        Assert.Equal(["2026-03-01T10:00:00.000Z accuracy 1", "2026-03-01T10:00:00.000Z quality 3"],
            rows.Take(2).Select(r => $"{r["bucket"]} {r["score"]} {r["n"]}"));
        await Both("day(created) as day, score as name");
    }

    [Fact]
    public async Task MergedReplacedDeletedAndPurgedSpans_AreCountedAgain()
    {
        var (api, project) = await LogAsync(Day());
        const string Filter = "created >= '2026-03-01T00:00:00.000Z'";
        const string Hour = "hour(created) as bucket";
        await BothAsync(api, project, Hour, Filter);

        await api.InsertAsync($"project_logs/{project}", new { id = "b", _is_merge = true, metrics = new { tokens = 200 } });
        var merged = await BothAsync(api, project, Hour, Filter);
        Assert.Equal(240, (double)merged[0]["tokens"]!);

        // A replace that moves a span to another hour takes it out of the first.
        await api.InsertAsync($"project_logs/{project}", Span("c", "2026-03-01T23:10:00.000Z", tokens: 1));
        var moved = await BothAsync(api, project, Hour, Filter);
        Assert.DoesNotContain(moved, r => (string)r["bucket"]! == "2026-03-01T11:00:00.000Z");

        await api.InsertAsync($"project_logs/{project}", new { id = "d", _object_delete = true });
        await api.InsertAsync($"project_logs/{project}", Span("f", "2026-03-01T10:30:00.000Z", tokens: 1000, quality: 0.75));
        var changed = await BothAsync(api, project, Hour, Filter);
        Assert.Equal(4, (int)changed[0]["spans"]!);

        // Retention removes whole traces without a new version; the hours they were counted in are counted again.
        var events = app.Services.GetRequiredService<EventStore>();
        await events.PurgeAsync(new EventObject(EventObjectType.ProjectLogs, project), "2026-03-01T10:31:00.000Z", 100);
        var purged = await BothAsync(api, project, Hour, Filter);
        Assert.Equal(1, (int)purged[0]["spans"]!);

        // Several readers at once (on PostgreSQL, several refreshes waiting on one another) agree.
        await api.InsertAsync($"project_logs/{project}", Enumerable.Range(0, 50).Select(i => Span($"g{i}", "2026-03-01T12:00:00.000Z", tokens: i)).ToArray());
        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => BothAsync(api, project, Hour, Filter)));
        Assert.All(answers, a => Assert.Equal(Show(answers[0]), Show(a)));
        Assert.Equal(50, (int)answers[0].Single(r => (string)r["bucket"]! == "2026-03-01T12:00:00.000Z")["spans"]!);
    }

    [Fact]
    public async Task Answers_ComeFromTheRollups_AndRollupsOfANewerLayoutAreLeftToTheRawRows()
    {
        var (api, project) = await LogAsync(Day());
        var query = $"dimensions: day(created) as bucket | measures: count(1) as spans | from: project_logs('{project}')";
        Assert.Equal([5, 1], (await QueryAsync(api, query)).Select(r => (int)r["spans"]!));

        var database = app.Services.GetRequiredService<Database>();
        await using (var connection = await database.OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE log_rollups SET spans = spans + 1000 WHERE object_id = @project", new { project });
        }

        // Four rows hold March 1st (roots and children of 10:00, roots of 11:00 and 23:00), one March 2nd.
        Assert.Equal([4005, 1001], (await QueryAsync(api, query)).Select(r => (int)r["spans"]!));

        await using (var connection = await database.OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE log_rollups SET measures = '{\"v\":2}' WHERE object_id = @project", new { project });
        }

        Assert.Equal([5, 1], (await QueryAsync(api, query)).Select(r => (int)r["spans"]!));
    }

    [Fact]
    public async Task CreatedWithAnOffset_IsCountedInItsUtcHour_AndAnInvalidHourLeavesTheAnswerToTheRawRows()
    {
        // Python's SDK writes created as "+00:00", other clients may send any offset or a space for the T.
        var (api, project) = await LogAsync(
            Span("a", "2026-03-01T12:05:00+02:00", tokens: 1),
            Span("b", "2026-03-01T10:30:00.123456+00:00", tokens: 2),
            Span("c", "2026-03-01 11:00:00", tokens: 4),
            Span("d", "2026-03-01T11:59:59.999Z", tokens: 8));
        const string Filter = "created >= '2026-03-01T00:00:00.000Z'";
        var hours = await BothAsync(api, project, "hour(created) as bucket", Filter);
        Assert.Equal(["2026-03-01T10:00:00.000Z 3", "2026-03-01T11:00:00.000Z 12"], hours.Select(r => $"{r["bucket"]} {r["tokens"]}"));

        var database = app.Services.GetRequiredService<Database>();
        await using (var connection = await database.OpenAsync())
        {
            Assert.Equal(["2026-03-01T10", "2026-03-01T11"],
                await connection.QueryAsync<string>("SELECT DISTINCT hour FROM log_rollups WHERE object_id = @project ORDER BY hour", new { project }));
            // Rollups holding spans they could not place (created no timestamp) cannot say which bucket those fall in.
            await connection.ExecuteAsync("UPDATE log_rollups SET hour = 'invalid' WHERE object_id = @project AND hour = '2026-03-01T11'", new { project });
        }

        Assert.Equal(2, (await BothAsync(api, project, "hour(created) as bucket", Filter)).Count);
    }

    [Fact]
    public async Task ExperimentListQueries_AnswerAsTheRawRowsDo_AndFollowDeletesAndMerges()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var ids = new List<string>();
        foreach (var name in new[] { "first", "second", "empty" })
        {
            ids.Add((string)(await api.CreateExperimentAsync(project, new { name }))["id"]!);
        }

        await api.InsertAsync($"experiment/{ids[0]}", Day());
        await api.InsertAsync($"experiment/{ids[1]}",
            new { id = "x", created = "2026-03-04T09:00:00.000Z", scores = new { quality = 0.5, accuracy = 1 }, metrics = new { tokens = 3 } },
            new { id = "x1", root_span_id = "x", span_parents = new[] { "x" }, created = "2026-03-04T09:01:00.000Z", scores = new { accuracy = 0 } });
        var from = $"from: experiment({string.Join(", ", ids.Select(i => $"'{i}'"))})";
        async Task<List<JsonObject>> Both(string query)
        {
            var fromRollups = await QueryAsync(api, query);
            var raw = await QueryAsync(api, query.Contains("filter: ", StringComparison.Ordinal)
                ? query.Replace("filter: is_root", "filter: is_root and 1 = 1", StringComparison.Ordinal)
                : query + " | filter: 1 = 1");
            Assert.Equal(Show(raw), Show(fromRollups));
            return fromRollups;
        }

        var averages = $"{from} | unpivot: scores as (score, value) | dimensions: experiment_id, score | measures: avg(value) as avg, count(1) as n";
        var rows = $"{from} | dimensions: experiment_id | measures: count(1) as rows, sum(metrics.tokens) as tokens";
        var roots = $"{from} | dimensions: experiment_id | measures: count(1) as rows";
        Assert.Equal(new[] { $"{ids[0]} quality 4", $"{ids[1]} accuracy 2", $"{ids[1]} quality 1" }.Order(StringComparer.Ordinal),
            (await Both(averages)).Select(r => $"{r["experiment_id"]} {r["score"]} {r["n"]}").Order(StringComparer.Ordinal));
        await Both($"{from} | unpivot: scores as (score, value) | dimensions: score as name, experiment_id as experiment | measures: max(value) as best");
        await Both(rows);
        Assert.Equal([5, 1], (await Both(roots.Replace(" | dimensions", " | filter: is_root | dimensions", StringComparison.Ordinal)))
            .OrderBy(r => (string)r["experiment_id"]! == ids[0] ? 0 : 1).Select(r => (int)r["rows"]!));
        await Both($"{from} | dimensions: day(created) as day, experiment_id | measures: count(1) as spans | sort: experiment_id, day");
        Assert.Equal(8, (int)(await Both($"{from} | measures: count(1) as spans, avg(scores.quality) as quality")).Single()["spans"]!);
        Assert.Equal(0, (int)(await Both($"from: experiment('{ids[2]}') | measures: count(1) as spans")).Single()["spans"]!);

        // Deleting a span and merging into another mark their hours to be counted again, as for logs.
        await api.InsertAsync($"experiment/{ids[0]}", new { id = "b", _object_delete = true });
        await api.InsertAsync($"experiment/{ids[1]}", new { id = "x", _is_merge = true, scores = new { quality = 0 } });
        var quality = (await Both(averages)).Where(r => (string)r["score"]! == "quality").ToDictionary(r => (string)r["experiment_id"]!, r => (double)r["avg"]!);
        Assert.Equal(1.25 / 3, quality[ids[0]], 6);
        Assert.Equal(0, quality[ids[1]]);
        await Both(rows);

        var database = app.Services.GetRequiredService<Database>();
        await using (var connection = await database.OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE log_rollups SET spans = spans + 1000 WHERE object_id = @id", new { id = ids[1] });
        }

        // Answered from rollups, a query reads no history, so it is not warned of a full scan as the raw query is.
        async Task<JsonNode?> WarningsAsync(string query) =>
            (await api.PostAsync("/btql", new JsonObject { ["query"] = query }.ToJsonString())).AssertOk().Object["warnings"];
        Assert.Null(await WarningsAsync(roots));
        Assert.Contains("full_scan", (await WarningsAsync(roots + " | filter: 1 = 1"))!.ToJsonString(), StringComparison.Ordinal);

        // The tampered count shows that the answer came from the rollups (two rows: the 09:00 root and its child).
        Assert.Equal(2002, (int)(await QueryAsync(api, $"from: experiment('{ids[1]}') | measures: count(1) as spans")).Single()["spans"]!);
    }

    [Fact]
    public void TheStoredLayout_IsVersionOne_WithSumCountMinMaxPerField()
    {
        var measures = new RollupMeasures();
        measures.Add(JsonNode.Parse("""{"metrics": {"tokens": 3, "start": 10, "end": 12.5, "note": "x"}, "scores": {"q": 0.5, "r": null}}""")!.AsObject());
        measures.Add(JsonNode.Parse("""{"metrics": {"tokens": 5}}""")!.AsObject());

        Assert.Equal(
            """{"v":1,"stats":{"duration":[2.5,1,2.5,2.5],"metrics.end":[12.5,1,12.5,12.5],"metrics.start":[10,1,10,10],"metrics.tokens":[8,2,3,5],"scores.q":[0.5,1,0.5,0.5]},"durations":{"p47":1}}""",
            measures.ToJson());
        Assert.Equal(2, RollupMeasures.FromJson(2, measures.ToJson())!.Spans);
        Assert.Null(RollupMeasures.FromJson(2, """{"v":2,"stats":{}}"""));
        // A bucket name this layout never writes is not read as some other bucket.
        Assert.Null(RollupMeasures.FromJson(2, """{"v":1,"stats":{},"durations":{"q7":1}}"""));
        Assert.Equal(2, RollupMeasures.FromJson(2, """{"v":1,"stats":{},"durations":{"p-3":1,"z":1}}""")!.Durations.Count);
    }

    [Fact]
    public async Task ApproximatePercentilesOfDuration_AreWithinOnePercentOfTheExactOnes()
    {
        var random = new Random(7);
        var spans = Enumerable.Range(0, 400).Select(i => Span($"t{i}", $"2026-03-01T{10 + (i % 3)}:{i % 60:00}:00.000Z",
            seconds: Math.Round(0.01 + (random.NextDouble() * random.NextDouble() * 30), 3))).ToArray();
        var (api, project) = await LogAsync(spans);
        string Query(string function, string extra) =>
            $"dimensions: hour(created) as bucket | measures: {function}(metrics.end - metrics.start, 0.5) as p50, " +
            $"{function}(metrics.end - metrics.start, 0.95) as p95, {function}(metrics.end - metrics.start, 1) as top | " +
            $"from: project_logs('{project}') | filter: is_root and created >= '2026-03-01T00:00:00.000Z'{extra}";

        var approximate = await QueryAsync(api, Query("approx_percentile", ""));
        var exact = await QueryAsync(api, Query("percentile", ""));
        var rawApproximate = await QueryAsync(api, Query("approx_percentile", " and 1 = 1"));
        Assert.Equal(3, approximate.Count);
        Assert.Equal(Show(exact), Show(rawApproximate));
        foreach (var (a, e) in approximate.Zip(exact))
        {
            foreach (var name in new[] { "p50", "p95", "top" })
            {
                Assert.InRange((double)a[name]!, (double)e[name]! * 0.99, (double)e[name]! * 1.01);
            }
        }
    }
}
