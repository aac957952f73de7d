using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Braid.Server.Tests.Query.Golden;

/// <summary>
/// The golden corpus: every case of <c>corpus.jsonc</c> runs in each front end it is written in (SQL, BTQL, the SDK's
/// JSON form) against the fixture, on this run's store. Each front end must give the case's expected result, and all
/// of them must give the very same rows (differential). Both stores check against the same expectations, so SQLite and
/// PostgreSQL are compared through them.
/// </summary>
public sealed class GoldenCorpusTests(GoldenFixture golden, ITestOutputHelper output) : IClassFixture<GoldenFixture>
{
    private const double Tolerance = 1e-9;

    public static TheoryData<string> Cases => new(GoldenCase.All.Select(c => c.Name));

    [Fact]
    public void Corpus_HasAtLeast150Cases_InEveryFrontEnd()
    {
        var runs = GoldenCase.All.SelectMany(c => c.Queries().Select(q => q.FrontEnd)).ToList();
        output.WriteLine($"golden corpus: {GoldenCase.All.Count} cases, {runs.Count} executions per store "
            + string.Join(", ", runs.GroupBy(r => r).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}")));

        Assert.True(GoldenCase.All.Count >= 150, $"the corpus has {GoldenCase.All.Count} cases");
        Assert.Equal(GoldenCase.All.Count, GoldenCase.All.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.All(GoldenCase.All, c => Assert.NotEmpty(c.Queries()));
        Assert.All(GoldenCase.All, c => Assert.True(c.Spec["ids"] is not null || c.Spec["ordered"] is not null || c.Spec["rows"] is not null, $"{c.Name} expects nothing"));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Case_GivesItsExpectedRows_InEveryFrontEnd(string name)
    {
        var @case = GoldenCase.Get(name);
        var results = new List<(string FrontEnd, JsonArray Rows)>();
        foreach (var (frontEnd, template) in @case.Queries())
        {
            var query = Fill(template);
            var rows = (await RunAsync(query, @case.Settings, cursor: null)).Rows;
            AssertExpected(@case, frontEnd, rows, golden.Fill);
            if (@case.Page is { } limit)
            {
                var paged = await PageThroughAsync(@case, frontEnd, query, limit);
                Assert.True(JsonNode.DeepEquals(rows, paged), $"{name} [{frontEnd}]: pages of {limit} differ from one page\none: {rows.ToJsonString()}\npaged: {paged.ToJsonString()}");
            }

            results.Add((frontEnd, rows));
        }

        foreach (var (frontEnd, rows) in results.Skip(1))
        {
            Assert.True(JsonNode.DeepEquals(results[0].Rows, rows),
                $"{name}: {frontEnd} differs from {results[0].FrontEnd}\n{results[0].FrontEnd}: {results[0].Rows.ToJsonString()}\n{frontEnd}: {rows.ToJsonString()}");
        }

        output.WriteLine($"{name} on {TestStore.Name}: {string.Join(", ", results.Select(r => r.FrontEnd))} agree, {results[0].Rows.Count} rows");
    }

    private JsonNode Fill(JsonNode query) =>
        query is JsonValue ? golden.Fill((string)query!) : JsonNode.Parse(golden.Fill(query.ToJsonString()))!;

    private async Task<(JsonArray Rows, string? Cursor)> RunAsync(JsonNode query, JsonObject? settings, string? cursor)
    {
        var body = new JsonObject { ["query"] = query.DeepClone() };
        foreach (var (key, value) in settings ?? [])
        {
            body[key] = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? golden.Fill((string)v!) : value?.DeepClone();
        }

        var result = (await golden.Api.PostAsync("/btql", body.ToJsonString())).AssertOk().Object;
        return (result["data"]!.AsArray(), (string?)result["cursor"]);
    }

    private async Task<JsonArray> PageThroughAsync(GoldenCase @case, string frontEnd, JsonNode query, int limit)
    {
        var all = new JsonArray();
        string? cursor = null;
        for (var pages = 0; ; pages++)
        {
            Assert.True(pages < 100, $"{@case.Name} [{frontEnd}]: more than 100 pages of {limit}");
            var (rows, next) = await RunAsync(GoldenCase.Paged(frontEnd, query, limit, cursor), @case.Settings, cursor: null);
            foreach (var row in rows)
            {
                all.Add(row?.DeepClone());
            }

            if (next is null)
            {
                return all;
            }

            cursor = next;
        }
    }

    private static void AssertExpected(GoldenCase @case, string frontEnd, JsonArray rows, Func<string, string> fill)
    {
        var where = $"{@case.Name} [{frontEnd}, {TestStore.Name}]";
        var ids = rows.Select(r => (string?)r?["id"]).ToList();
        if (@case.Spec["ids"] is JsonArray unordered)
        {
            var expected = unordered.Select(i => (string?)i).Order(StringComparer.Ordinal).ToList();
            Assert.True(expected.SequenceEqual(ids.Order(StringComparer.Ordinal)),
                $"{where}: expected ids {string.Join(", ", expected)}\n but got {string.Join(", ", ids.Order(StringComparer.Ordinal))}");
        }
        else if (@case.Spec["ordered"] is JsonArray ordered)
        {
            var expected = ordered.Select(i => (string?)i).ToList();
            Assert.True(expected.SequenceEqual(ids), $"{where}: expected ids in order {string.Join(", ", expected)}\n but got {string.Join(", ", ids)}");
        }
        else
        {
            var expected = JsonNode.Parse(fill(@case.Spec["rows"]!.ToJsonString()))!.AsArray();
            var difference = Difference(expected, rows, "$");
            Assert.True(difference is null, $"{where}: {difference}\nexpected: {expected.ToJsonString()}\n  actual: {rows.ToJsonString()}");
        }
    }

    /// <summary>Where two JSON values differ, or null when they are equal; numbers may differ by a rounding error.</summary>
    private static string? Difference(JsonNode? expected, JsonNode? actual, string path)
    {
        switch (expected, actual)
        {
            case (null, null):
                return null;
            case (JsonObject e, JsonObject a):
                var keys = e.Select(p => p.Key).Union(a.Select(p => p.Key)).Order(StringComparer.Ordinal);
                foreach (var key in keys)
                {
                    if (e.ContainsKey(key) != a.ContainsKey(key))
                    {
                        return $"{path}.{key} is {(e.ContainsKey(key) ? "missing" : "unexpected")}";
                    }

                    if (Difference(e[key], a[key], $"{path}.{key}") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case (JsonArray e, JsonArray a):
                if (e.Count != a.Count)
                {
                    return $"{path} has {a.Count} items, not {e.Count}";
                }

                return e.Select((item, i) => Difference(item, a[i], $"{path}[{i}]")).FirstOrDefault(d => d is not null);
            case (JsonValue e, JsonValue a) when e.GetValueKind() == JsonValueKind.Number && a.GetValueKind() == JsonValueKind.Number:
                var x = (double)e;
                var y = (double)a;
                return Math.Abs(x - y) <= Tolerance * Math.Max(1, Math.Abs(x)) ? null
                    : $"{path} is {y.ToString(CultureInfo.InvariantCulture)}, not {x.ToString(CultureInfo.InvariantCulture)}";
            default:
                return JsonNode.DeepEquals(expected, actual) ? null : $"{path} is {actual?.ToJsonString() ?? "null"}, not {expected?.ToJsonString() ?? "null"}";
        }
    }
}
