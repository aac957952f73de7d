using System.Net;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Events;

public sealed class InsertFetchTests(BraidApp app) : IClassFixture<BraidApp>
{
    public static TheoryData<string> Logs => new() { "project_logs", "experiment", "dataset" };

    private static string WithoutXact(JsonObject row)
    {
        var copy = row.DeepClone().AsObject();
        copy.Remove("_xact_id");
        return copy.ToJsonString();
    }

    private static JsonObject Row(List<JsonObject> rows, string id) => rows.Single(r => (string)r["id"]! == id);

    [Theory]
    [MemberData(nameof(Logs))]
    public async Task Insert_FillsServerFields_AndFetchReturnsTheRowWithItsIdentity(string kind)
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync(kind);
        var ids = await api.InsertAsync(log, new { input = new { q = "2+2" }, expected = 4, metadata = new { model = "m" }, tags = new[] { "t" } }, new { id = "free-form id ✓", input = "x" });

        Assert.True(Guid.TryParse(ids[0], out _));
        Assert.Equal("free-form id ✓", ids[1]);
        var rows = await api.FetchAllAsync(log);
        var row = Row(rows, ids[0]);
        Assert.Equal(ids[0], (string)row["span_id"]!);
        Assert.Equal(ids[0], (string)row["root_span_id"]!);
        Assert.True((bool)row["is_root"]!);
        Assert.Equal(19, ((string)row["_xact_id"]!).Length);
        Assert.True(DateTimeOffset.TryParse((string)row["created"]!, out _));
        Assert.Equal("2+2", (string)row["input"]!["q"]!);
        Assert.Equal(4, (int)row["expected"]!);
        Assert.Equal("m", (string)row["metadata"]!["model"]!);
        var parts = log.Split('/');
        var identity = kind switch { "project_logs" => "project_id", "experiment" => "experiment_id", _ => "dataset_id" };
        Assert.Equal(parts[1], (string)row[identity]!);
        Assert.Equal("x", (string)Row(rows, "free-form id ✓")["input"]!);
    }

    [Fact]
    public async Task Insert_WithSameIdReplacesTheRow_AndKeepsCreated()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("project_logs");
        await api.InsertAsync(log, new { id = "r", input = 1, output = 1, metadata = new { a = 1 } });
        var first = Row(await api.FetchAllAsync(log), "r");
        await api.InsertAsync(log, new { id = "r", input = 2 });
        var second = Row(await api.FetchAllAsync(log), "r");

        Assert.Equal(2, (int)second["input"]!);
        Assert.Null(second["output"]);
        Assert.Null(second["metadata"]);
        Assert.Equal((string)first["created"]!, (string)second["created"]!);
        Assert.True(string.CompareOrdinal((string)second["_xact_id"]!, (string)first["_xact_id"]!) > 0);
    }

    [Fact]
    public async Task Merge_FollowsTheSpecExamples()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("experiment");
        await api.InsertAsync(log, new { id = "m", input = new { a = 5, b = 10 } });
        await api.InsertAsync(log, new { id = "m", _is_merge = true, input = new { b = 11, c = 20 } });
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"a":5,"b":11,"c":20}"""), Row(await api.FetchAllAsync(log), "m")["input"]));

        // The spec's _merge_paths example: the merge stops at input.a and at output.
        await api.InsertAsync(log, new { id = "p", input = new { a = new { b = 10 }, c = new { d = 20 } }, output = new { a = 20 } });
        await api.SendAsync(HttpMethod.Post, $"/v1/{log}/insert", """
            {"events":[{"id":"p","_is_merge":true,"_merge_paths":[["input","a"],["output"]],
                        "input":{"a":{"q":30},"c":{"e":30},"bar":"baz"},"output":{"d":40}}]}
            """);
        var merged = Row(await api.FetchAllAsync(log), "p");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"a":{"q":30},"c":{"d":20,"e":30},"bar":"baz"}"""), merged["input"]), merged.ToJsonString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"d":40}"""), merged["output"]));

        // _array_delete removes values from arrays, at the top level and nested.
        await api.InsertAsync(log, new { id = "t", tags = new[] { "foo", "bar", "keep" }, metadata = new { categories = new[] { "x", "y" } } });
        await api.InsertAsync(log, new { id = "t", _is_merge = true, _array_delete = new object[] { new { path = new[] { "tags" }, delete = new[] { "foo", "bar" } }, new { path = new[] { "metadata", "categories" }, delete = new[] { "x" } } } });
        var trimmed = Row(await api.FetchAllAsync(log), "t");
        Assert.Equal(["keep"], trimmed["tags"]!.AsArray().Select(t => (string)t!));
        Assert.Equal(["y"], trimmed["metadata"]!["categories"]!.AsArray().Select(t => (string)t!));
    }

    [Fact]
    public async Task Merge_NeverMovesTheSpan_AndAMergeWithoutARowInsertsIt()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("project_logs");
        await api.InsertAsync(log, new { id = "root", span_id = "s-root", root_span_id = "trace-1" });
        await api.InsertAsync(log, new { id = "root", _is_merge = true, span_id = "other", root_span_id = "trace-2", span_parents = new[] { "x" }, output = "done" });
        await api.InsertAsync(log, new { id = "lonely", _is_merge = true, output = "first" });

        var rows = await api.FetchAllAsync(log);
        var root = Row(rows, "root");
        Assert.Equal("s-root", (string)root["span_id"]!);
        Assert.Equal("trace-1", (string)root["root_span_id"]!);
        Assert.True((bool)root["is_root"]!);
        Assert.Equal("done", (string)root["output"]!);
        Assert.Equal("first", (string)Row(rows, "lonely")["output"]!);
    }

    [Fact]
    public async Task SameIdTwiceInOneRequest_TheLaterRowWins()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("project_logs");
        await api.InsertAsync(log, new { id = "d", input = 1, output = "first" }, new { id = "other" }, new { id = "d", input = 2 });
        var rows = await api.FetchAllAsync(log);
        Assert.Equal(2, rows.Count);
        var d = Row(rows, "d");
        Assert.Equal(2, (int)d["input"]!);
        Assert.Null(d["output"]);
    }

    [Fact]
    public async Task MergesInOneRequest_ApplyInOrder()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("project_logs");
        await api.InsertAsync(log,
            new { id = "o", input = 1, metadata = new { step = 0 } },
            new { id = "o", _is_merge = true, metadata = new { step = 1, a = true } },
            new { id = "o", _is_merge = true, metadata = new { step = 2 } });
        var row = Row(await api.FetchAllAsync(log), "o");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"step":2,"a":true}"""), row["metadata"]), row.ToJsonString());
        Assert.Single(await api.FetchAllAsync(log));
    }

    [Fact]
    public async Task ReplayedRequests_LeaveTheSameResult()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("project_logs");
        var insert = ApiClient.Serialize(new { events = new object[] { new { id = "a", input = 1, tags = new[] { "x" } }, new { id = "b", span_parents = new[] { "a" }, root_span_id = "a" } } });
        var merge = ApiClient.Serialize(new { events = new object[] { new { id = "a", _is_merge = true, metadata = new { n = 1 }, tags = new[] { "x", "y" } } } });
        var feedback = ApiClient.Serialize(new { feedback = new object[] { new { id = "a", scores = new { good = 1 }, comment = "ok", source = "api" } } });

        // Clients retry a request they saw fail, so each request may arrive several times in a row.
        foreach (var (path, body) in new[] { ("insert", insert), ("insert", merge), ("feedback", feedback) })
        {
            (await api.SendAsync(HttpMethod.Post, $"/v1/{log}/{path}", body)).AssertOk();
            var once = await api.FetchAllAsync(log);
            (await api.SendAsync(HttpMethod.Post, $"/v1/{log}/{path}", body)).AssertOk();
            (await api.SendAsync(HttpMethod.Post, $"/v1/{log}/{path}", body)).AssertOk();
            var thrice = await api.FetchAllAsync(log);
            Assert.True(once.Count == thrice.Count && once.Zip(thrice).All(p => JsonNode.DeepEquals(JsonNode.Parse(WithoutXact(p.First)), JsonNode.Parse(WithoutXact(p.Second)))),
                $"{path} replayed changed the rows:\n{string.Join("\n", once.Select(WithoutXact))}\nvs\n{string.Join("\n", thrice.Select(WithoutXact))}");
        }

        {
            var rows = await api.FetchAllAsync(log);
            Assert.Equal(2, rows.Count);
            var a = Row(rows, "a");
            Assert.Equal(["x", "y"], a["tags"]!.AsArray().Select(t => (string)t!));
            Assert.Equal(1, (int)a["metadata"]!["n"]!);
            Assert.Equal(1.0, (double)a["scores"]!["good"]!);
            Assert.Single(a["comments"]!.AsArray());
            Assert.Single(a["audit_data"]!.AsArray());
        }
    }

    [Fact]
    public async Task ObjectDelete_TombstonesTheRow_AndItNeverComesBack()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("project_logs");
        await api.InsertAsync(log, new { id = "keep" }, new { id = "gone" }, new { id = "child", span_parents = new[] { "keep" }, root_span_id = "keep" });
        await api.InsertAsync(log, new { id = "gone", _object_delete = true }, new { id = "child", _object_delete = true }, new { id = "never-existed", _object_delete = true });

        var rows = await api.FetchAllAsync(log);
        Assert.Equal(["keep"], rows.Select(r => (string)r["id"]!));

        // A deleted trace takes no slot: paging one trace at a time still finds the live one, with no empty page.
        var page = (await api.PostAsync($"/v1/{log}/fetch", new { limit = 1 })).AssertOk().Json;
        Assert.Equal("keep", (string)page["events"]![0]!["id"]!);
        await api.InsertAsync(log, new { id = "gone", input = "reborn" });
        Assert.Equal("reborn", (string)Row(await api.FetchAllAsync(log), "gone")["input"]!);
    }

    [Fact]
    public async Task Limit_CountsTraces_AndCursorPagesNewestFirstWithoutGapsOrDuplicates()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("project_logs");
        for (var t = 0; t < 7; t++)
        {
            await api.InsertAsync(log, new { id = $"t{t}", span_id = $"t{t}", root_span_id = $"t{t}" }, new { id = $"t{t}-child", span_parents = new[] { $"t{t}" }, root_span_id = $"t{t}" });
        }

        var first = (await api.PostAsync($"/v1/{log}/fetch", new { limit = 2 })).AssertOk().Json;
        Assert.Equal(4, first["events"]!.AsArray().Count);
        Assert.Equal(["t6", "t5"], first["events"]!.AsArray().Select(e => (string)e!["root_span_id"]!).Distinct());

        // Rows keep arriving while a client pages: old traces are updated, new traces are added.
        var seen = first["events"]!.AsArray().Select(e => (string)e!["id"]!).ToList();
        var cursor = (string?)first["cursor"];
        var round = 0;
        while (cursor is not null)
        {
            await api.InsertAsync(log, new { id = $"new{round}" }, new { id = "t0", _is_merge = true, output = round }, new { id = "t6-child", _is_merge = true, output = round });
            round++;
            var page = (await api.PostAsync($"/v1/{log}/fetch", new { limit = 2, cursor })).AssertOk().Json;
            seen.AddRange(page["events"]!.AsArray().Select(e => (string)e!["id"]!));
            cursor = (string?)page["cursor"];
        }

        var expected = Enumerable.Range(0, 7).SelectMany(t => new[] { $"t{t}", $"t{t}-child" }).Order();
        Assert.Equal(expected, seen.Order());
    }

    [Fact]
    public async Task Version_ReadsADatasetAsItWasAtThatTransaction()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("dataset");
        await api.InsertAsync(log, new { id = "a", input = "v1", expected = 1 }, new { id = "b", input = "b1" });
        var v1 = (await api.FetchAllAsync(log)).Max(r => (string)r["_xact_id"]!)!;
        await api.InsertAsync(log, new { id = "a", _is_merge = true, expected = 2 }, new { id = "c", input = "c1" }, new { id = "b", _object_delete = true });
        var v2 = (await api.FetchAllAsync(log)).Max(r => (string)r["_xact_id"]!)!;
        await api.InsertAsync(log, new { id = "a", input = "v3" });

        var atV1 = await api.FetchAllAsync(log, extra: new { version = v1 });
        Assert.Equal(["a", "b"], atV1.Select(r => (string)r["id"]!).Order());
        Assert.Equal(1, (int)Row(atV1, "a")["expected"]!);
        Assert.Equal("v1", (string)Row(atV1, "a")["input"]!);

        var atV2 = await api.FetchAllAsync(log, pageLimit: 1, extra: new { version = v2 });
        Assert.Equal(["a", "c"], atV2.Select(r => (string)r["id"]!).Order());
        Assert.Equal(2, (int)Row(atV2, "a")["expected"]!);

        var byGet = (await api.GetAsync($"/v1/{log}/fetch?version={v1}&limit=10")).AssertOk().Json["events"]!.AsArray();
        Assert.Equal(2, byGet.Count);
        Assert.Equal("v3", (string)Row(await api.FetchAllAsync(log), "a")["input"]!);
    }

    [Fact]
    public async Task XactIds_StrictlyIncreaseAcrossRequests()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("project_logs");
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => api.InsertAsync(log, new { id = $"r{i}" })));
        var xacts = (await api.FetchAllAsync(log)).Select(r => (string)r["_xact_id"]!).ToList();
        Assert.Equal(20, xacts.Distinct().Count());
        Assert.All(xacts, x => Assert.Matches("^[0-9]{19}$", x));
    }

    [Fact]
    public async Task MaxXactIdAndMaxRootSpanId_PageLikeTheDeprecatedCursor()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("project_logs");
        for (var i = 0; i < 4; i++)
        {
            await api.InsertAsync(log, new { id = $"r{i}" });
        }

        var first = (await api.GetAsync($"/v1/{log}/fetch?limit=2")).AssertOk().Json["events"]!.AsArray();
        var min = first.Select(e => ((string)e!["_xact_id"]!, (string)e["root_span_id"]!)).Min();
        var second = (await api.GetAsync($"/v1/{log}/fetch?limit=2&max_xact_id={min.Item1}&max_root_span_id={min.Item2}")).AssertOk().Json["events"]!.AsArray();
        Assert.Equal(["r3", "r2"], first.Select(e => (string)e!["id"]!));
        Assert.Equal(["r1", "r0"], second.Select(e => (string)e!["id"]!));
    }

    [Fact]
    public async Task LegacyPathLookupFilters_SelectRows()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("dataset");
        await api.InsertAsync(log, new { id = "a", metadata = new { split = "test" } }, new { id = "b", metadata = new { split = "train" } });
        var rows = (await api.PostAsync($"/v1/{log}/fetch", new { filters = new[] { new { type = "path_lookup", path = new[] { "metadata", "split" }, value = "test" } } })).AssertOk().Json["events"]!.AsArray();
        Assert.Equal(["a"], rows.Select(r => (string)r!["id"]!));
    }

    [Fact]
    public async Task EmptyLog_FetchesNoEventsAndNoCursor()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("experiment");
        var page = (await api.GetAsync($"/v1/{log}/fetch")).AssertOk().Json;
        Assert.Empty(page["events"]!.AsArray());
        Assert.Null(page["cursor"]);
        Assert.Empty((await api.PostAsync($"/v1/{log}/insert", new { events = Array.Empty<object>() })).AssertOk().Json["row_ids"]!.AsArray());
    }

    [Theory]
    [InlineData("{}", "events")]
    [InlineData("{\"events\":{}}", "events")]
    [InlineData("{\"events\":[1]}", "events[0]")]
    [InlineData("{\"events\":[{\"id\":5}]}", "events[0].id")]
    [InlineData("{\"events\":[{},{\"scores\":{\"acc\":1.5}}]}", "events[1].scores.acc")]
    [InlineData("{\"events\":[{\"scores\":{\"acc\":\"high\"}}]}", "events[0].scores.acc")]
    [InlineData("{\"events\":[{\"scores\":[1]}]}", "events[0].scores")]
    [InlineData("{\"events\":[{\"metrics\":{\"tokens\":\"5\"}}]}", "events[0].metrics.tokens")]
    [InlineData("{\"events\":[{\"tags\":[1]}]}", "events[0].tags")]
    [InlineData("{\"events\":[{\"span_parents\":\"a\"}]}", "events[0].span_parents")]
    [InlineData("{\"events\":[{\"metadata\":\"m\"}]}", "events[0].metadata")]
    [InlineData("{\"events\":[{\"created\":\"yesterday\"}]}", "events[0].created")]
    [InlineData("{\"events\":[{\"_is_merge\":\"yes\"}]}", "events[0]._is_merge")]
    [InlineData("{\"events\":[{\"_merge_paths\":[\"input\"]}]}", "events[0]._merge_paths[0]")]
    [InlineData("{\"events\":[{\"_array_delete\":[{\"path\":\"tags\"}]}]}", "events[0]._array_delete[0]")]
    public async Task Insert_BadRows_Are400NamingTheRowAndField(string body, string mentions)
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("project_logs");
        (await api.SendAsync(HttpMethod.Post, $"/v1/{log}/insert", body)).AssertError(HttpStatusCode.BadRequest, mentions);
        Assert.Empty(await api.FetchAllAsync(log));
    }

    [Theory]
    [InlineData("limit=-1", "limit")]
    [InlineData("limit=5000", "limit")]
    [InlineData("version=abc", "version")]
    [InlineData("max_xact_id=1.5", "max_xact_id")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    public async Task Fetch_BadArguments_Are400(string query, string mentions)
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("project_logs");
        (await api.GetAsync($"/v1/{log}/fetch?{query}")).AssertError(HttpStatusCode.BadRequest, mentions);
        (await api.SendAsync(HttpMethod.Post, $"/v1/{log}/fetch", "{\"limit\":\"ten\"}")).AssertError(HttpStatusCode.BadRequest, "limit");
        (await api.SendAsync(HttpMethod.Post, $"/v1/{log}/fetch", "{\"filters\":[{\"type\":\"sql\"}]}")).AssertError(HttpStatusCode.BadRequest, "filters[0]");
    }

    [Theory]
    [MemberData(nameof(Logs))]
    public async Task AnotherOrganizationsLog_Is404ForEveryOperation(string kind)
    {
        var alice = await app.NewTenantAsync();
        var bob = await app.NewTenantAsync();
        var log = await alice.CreateLogAsync(kind);
        await alice.InsertAsync(log, new { id = "secret", input = "alice's" });

        (await bob.PostAsync($"/v1/{log}/insert", new { events = new[] { new { id = "secret", input = "bob's" } } })).AssertStatus(HttpStatusCode.NotFound);
        (await bob.GetAsync($"/v1/{log}/fetch")).AssertStatus(HttpStatusCode.NotFound);
        (await bob.PostAsync($"/v1/{log}/fetch", new { })).AssertStatus(HttpStatusCode.NotFound);
        (await bob.PostAsync($"/v1/{log}/feedback", new { feedback = new[] { new { id = "secret", comment = "bob was here" } } })).AssertStatus(HttpStatusCode.NotFound);
        var id = log.Split('/')[1];
        (await bob.PostAsync("/v1/insert", new JsonObject { [kind] = new JsonObject { [id] = new JsonObject { ["events"] = new JsonArray(new JsonObject { ["id"] = "secret" }) } } })).AssertStatus(HttpStatusCode.NotFound);
        if (kind != "project_logs")
        {
            (await bob.GetAsync($"/v1/{log}/summarize")).AssertStatus(HttpStatusCode.NotFound);
        }

        var row = Row(await alice.FetchAllAsync(log), "secret");
        Assert.Equal("alice's", (string)row["input"]!);
        Assert.Null(row["comments"]);
        Assert.Empty(await bob.FetchAllAsync(await bob.CreateLogAsync(kind)));
    }

    [Fact]
    public async Task CrossObjectInsert_WritesEventsAndFeedbackToSeveralLogs()
    {
        var api = await app.NewTenantAsync();
        var experiment = (await api.CreateLogAsync("experiment")).Split('/')[1];
        var dataset = (await api.CreateLogAsync("dataset")).Split('/')[1];
        var project = (await api.CreateLogAsync("project_logs")).Split('/')[1];
        await api.InsertAsync($"project_logs/{project}", new { id = "existing" });

        var body = new JsonObject
        {
            ["experiment"] = new JsonObject { [experiment] = new JsonObject { ["events"] = new JsonArray(new JsonObject { ["id"] = "e1", ["scores"] = new JsonObject { ["s"] = 1 } }) } },
            ["dataset"] = new JsonObject { [dataset] = new JsonObject { ["events"] = new JsonArray(new JsonObject { ["input"] = "d" }) } },
            ["project_logs"] = new JsonObject { [project] = new JsonObject { ["feedback"] = new JsonArray(new JsonObject { ["id"] = "existing", ["comment"] = "c" }) } },
        };
        var response = (await api.PostAsync("/v1/insert", body.ToJsonString())).AssertOk().Json;
        Assert.Equal("e1", (string)response["experiment"]![experiment]!["row_ids"]![0]!);
        var datasetRowId = (string)response["dataset"]![dataset]!["row_ids"]![0]!;

        Assert.Equal(1.0, (double)Row(await api.FetchAllAsync($"experiment/{experiment}"), "e1")["scores"]!["s"]!);
        Assert.Equal("d", (string)Row(await api.FetchAllAsync($"dataset/{dataset}"), datasetRowId)["input"]!);
        Assert.Single(Row(await api.FetchAllAsync($"project_logs/{project}"), "existing")["comments"]!.AsArray());
    }

    [Fact]
    public async Task CrossObjectInsert_IsAtomic_AFailingPartWritesNothing()
    {
        var api = await app.NewTenantAsync();
        var experiment = (await api.CreateLogAsync("experiment")).Split('/')[1];
        var body = new JsonObject
        {
            ["experiment"] = new JsonObject
            {
                [experiment] = new JsonObject
                {
                    ["events"] = new JsonArray(new JsonObject { ["id"] = "written?" }),
                    ["feedback"] = new JsonArray(new JsonObject { ["id"] = "no-such-row", ["comment"] = "x" }),
                },
            },
        };
        (await api.PostAsync("/v1/insert", body.ToJsonString())).AssertError(HttpStatusCode.NotFound, "no-such-row");
        Assert.Empty(await api.FetchAllAsync($"experiment/{experiment}"));
    }
}
