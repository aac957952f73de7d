using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Otel;

/// <summary>OTLP JSON written by hand, as a client without an SDK (or a collector's otlphttp exporter) sends it.</summary>
public sealed class OtlpJsonTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task JsonExport_EveryValueKind_MapsToTheRow()
    {
        var (api, projectId) = await Otlp.NewProjectAsync(app);
        // Upper-case hex ids, 64-bit integers as strings and as numbers, every AnyValue kind, an event and an error.
        var body = """
            {"resourceSpans":[{
              "resource":{"attributes":[{"key":"service.name","value":{"stringValue":"json-svc"}},
                                        {"key":"host.cores","value":{"intValue":"8"}}]},
              "scopeSpans":[{
                "scope":{"name":"manual","version":"0.1"},
                "spans":[{
                  "traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174","parentSpanId":"EEE19B7EC3C1B173",
                  "name":"generate","kind":3,
                  "startTimeUnixNano":"1700000000250000000","endTimeUnixNano":1700000002000000000,
                  "attributes":[
                    {"key":"gen_ai.response.model","value":{"stringValue":"claude-x"}},
                    {"key":"gen_ai.usage.prompt_tokens","value":{"intValue":"30"}},
                    {"key":"gen_ai.usage.completion_tokens","value":{"intValue":12}},
                    {"key":"braintrust.input_json","value":{"stringValue":"{\"question\":\"why?\"}"}},
                    {"key":"braintrust.output","value":{"stringValue":"because"}},
                    {"key":"flag","value":{"boolValue":true}},
                    {"key":"ratio","value":{"doubleValue":0.25}},
                    {"key":"not.a.number","value":{"doubleValue":"NaN"}},
                    {"key":"list","value":{"arrayValue":{"values":[{"stringValue":"a"},{"intValue":"3"},{}]}}},
                    {"key":"map","value":{"kvlistValue":{"values":[{"key":"inner","value":{"kvlistValue":{"values":[{"key":"deep","value":{"boolValue":false}}]}}}]}}},
                    {"key":"raw","value":{"bytesValue":"AQID"}},
                    {"key":"empty","value":{}}],
                  "events":[{"timeUnixNano":"1700000001000000000","name":"retry","attributes":[{"key":"attempt","value":{"intValue":"2"}}]}],
                  "status":{"code":2},
                  "futureField":{"ignored":true}
                }]
              }]
            }]}
            """;
        var response = (await Otlp.PostAsync(api, Otlp.Json(body), $"project_id:{projectId}")).AssertOk();
        Assert.Equal("{}", response.Body);
        Assert.Equal("application/json", response.ContentType);

        var row = Assert.Single(await api.FetchAllAsync($"project_logs/{projectId}"));
        Assert.Equal("eee19b7ec3c1b174", (string)row["id"]!);
        Assert.Equal("eee19b7ec3c1b174", (string)row["span_id"]!);
        Assert.Equal("5b8efff798038103d269b633813fc60c", (string)row["root_span_id"]!);
        Assert.Equal(["eee19b7ec3c1b173"], row["span_parents"]!.AsArray().Select(p => (string)p!));
        Assert.False((bool)row["is_root"]!);
        Assert.Equal("2023-11-14T22:13:20.250Z", (string)row["created"]!);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"name":"generate","type":"llm"}"""), row["span_attributes"]), row.ToJsonString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"start":1700000000.25,"end":1700000002,"prompt_tokens":30,"completion_tokens":12,"tokens":42}"""), row["metrics"]), row.ToJsonString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"question":"why?"}"""), row["input"]));
        Assert.Equal("because", (string)row["output"]!);
        Assert.Equal("error", (string)row["error"]!);

        var expectedMetadata = JsonNode.Parse("""
            {"flag":true,"ratio":0.25,"not.a.number":"NaN","list":["a",3,null],"map":{"inner":{"deep":false}},"raw":"AQID","empty":null,
             "model":"claude-x",
             "resource":{"service.name":"json-svc","host.cores":8},
             "scope":{"name":"manual","version":"0.1"},
             "events":[{"name":"retry","time":1700000001,"attributes":{"attempt":2}}]}
            """);
        Assert.True(JsonNode.DeepEquals(expectedMetadata, row["metadata"]), row["metadata"]!.ToJsonString());
    }

    [Fact]
    public async Task BraintrustParentAttribute_OverridesTheHeader_ForThatSpanOnly()
    {
        var (api, projectId) = await Otlp.NewProjectAsync(app);
        var experimentId = (string)(await api.CreateExperimentAsync(projectId))["id"]!;
        var trace = Otlp.NewTraceId();
        var (toProject, toExperiment) = (Otlp.NewSpanId(), Otlp.NewSpanId());
        var body = Otlp.JsonRequest(
            new TestSpan(trace, toProject, "stays"),
            new TestSpan(trace, toExperiment, "moves", ("braintrust.parent", $"experiment_id:{experimentId}")) { ParentSpanId = toProject });

        (await Otlp.PostAsync(api, Otlp.Json(body), $"project_id:{projectId}")).AssertOk();

        var logged = Assert.Single(await api.FetchAllAsync($"project_logs/{projectId}"));
        Assert.Equal(toProject, (string)logged["id"]!);
        var experimentRow = Assert.Single(await api.FetchAllAsync($"experiment/{experimentId}"));
        Assert.Equal(toExperiment, (string)experimentRow["id"]!);
        Assert.Equal(experimentId, (string)experimentRow["experiment_id"]!);
        Assert.Equal(trace, (string)experimentRow["root_span_id"]!);
        Assert.Null(experimentRow["metadata"]!["braintrust.parent"]);
    }

    [Fact]
    public async Task ProjectNameParent_RegistersTheProjectOnce_AndLogsIntoIt()
    {
        var api = await app.NewTenantAsync();
        var name = ApiClient.Unique("otel-project");
        var first = Otlp.NewSpanId();
        var second = Otlp.NewSpanId();

        (await Otlp.PostAsync(api, Otlp.Json(Otlp.JsonRequest(new TestSpan(Otlp.NewTraceId(), first, "one"))), $"project_name:{name}")).AssertOk();
        (await Otlp.PostAsync(api, Otlp.Json(Otlp.JsonRequest(new TestSpan(Otlp.NewTraceId(), second, "two"))), $"project_name:{name}")).AssertOk();

        var project = Assert.Single((await api.GetAsync($"/v1/project?project_name={name}")).AssertOk().Objects);
        Assert.Equal(api.OrgId, (string)project["org_id"]!);
        var rows = await api.FetchAllAsync($"project_logs/{(string)project["id"]!}");
        Assert.Equal(new[] { first, second }.Order(), rows.Select(r => (string)r["id"]!).Order());
    }

    [Fact]
    public async Task GzipBody_IsInflatedBeforeDecoding()
    {
        var (api, projectId) = await Otlp.NewProjectAsync(app);
        var (jsonSpan, protoSpan) = (Otlp.NewSpanId(), Otlp.NewSpanId());

        (await Otlp.PostAsync(api, Otlp.Json(Otlp.JsonRequest(new TestSpan(Otlp.NewTraceId(), jsonSpan, "json")), gzip: true), $"project_id:{projectId}")).AssertOk();
        (await Otlp.PostAsync(api, Otlp.Protobuf(Otlp.ProtobufRequest(new TestSpan(Otlp.NewTraceId(), protoSpan, "proto")), gzip: true), $"project_id:{projectId}")).AssertOk();

        var rows = await api.FetchAllAsync($"project_logs/{projectId}");
        Assert.Equal(new[] { jsonSpan, protoSpan }.Order(), rows.Select(r => (string)r["id"]!).Order());
    }

    [Fact]
    public async Task ReExport_OfTheSameSpan_ReplacesItsRow()
    {
        var (api, projectId) = await Otlp.NewProjectAsync(app);
        var (trace, span) = (Otlp.NewTraceId(), Otlp.NewSpanId());

        // Exporters retry a batch they saw fail: the second copy must not add a row or merge into the first.
        (await Otlp.PostAsync(api, Otlp.Json(Otlp.JsonRequest(new TestSpan(trace, span, "s", ("a", "1"), ("b", "2")))), $"project_id:{projectId}")).AssertOk();
        (await Otlp.PostAsync(api, Otlp.Json(Otlp.JsonRequest(new TestSpan(trace, span, "s", ("a", "1")))), $"project_id:{projectId}")).AssertOk();

        var row = Assert.Single(await api.FetchAllAsync($"project_logs/{projectId}"));
        Assert.Equal("1", (string)row["metadata"]!["a"]!);
        Assert.Null(row["metadata"]!["b"]);
    }
}
