using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Otel;

/// <summary>Spans that cannot be stored are counted in OTLP's partial success; the rest of the request still commits.</summary>
public sealed class OtlpPartialSuccessTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task ProtobufExport_SpanWithEmptySpanId_IsRejectedAndTheOtherStored()
    {
        var (api, projectId) = await Otlp.NewProjectAsync(app);
        var (trace, good) = (Otlp.NewTraceId(), Otlp.NewSpanId());
        var body = Otlp.ProtobufRequest(new TestSpan(trace, good, "good"), new TestSpan(trace, "", "no id"));

        var response = (await Otlp.PostAsync(api, Otlp.Protobuf(body), $"project_id:{projectId}")).AssertOk();

        Assert.Equal("application/x-protobuf", response.ContentType);
        var (rejected, message) = Otlp.ProtobufResponse(response.Bytes);
        Assert.Equal(1, rejected);
        Assert.Contains("spans[1]: span id is missing", message, StringComparison.Ordinal);
        var row = Assert.Single(await api.FetchAllAsync($"project_logs/{projectId}"));
        Assert.Equal(good, (string)row["id"]!);
        Assert.Equal("proto-test", (string)row["metadata"]!["resource"]!["service.name"]!);
        Assert.Equal("hand-built", (string)row["metadata"]!["scope"]!["name"]!);
    }

    [Fact]
    public async Task ProtobufExport_NothingRejected_AnswersTheEmptyMessage()
    {
        var (api, projectId) = await Otlp.NewProjectAsync(app);
        var response = (await Otlp.PostAsync(api, Otlp.Protobuf(Otlp.ProtobufRequest(new TestSpan(Otlp.NewTraceId(), Otlp.NewSpanId(), "ok"))), $"project_id:{projectId}")).AssertOk();

        Assert.Equal("application/x-protobuf", response.ContentType);
        Assert.Empty(response.Bytes);
        Assert.Single(await api.FetchAllAsync($"project_logs/{projectId}"));
    }

    [Fact]
    public async Task JsonExport_SpanWithEmptySpanId_IsRejectedAndTheOtherStored()
    {
        var (api, projectId) = await Otlp.NewProjectAsync(app);
        var (trace, good) = (Otlp.NewTraceId(), Otlp.NewSpanId());
        var body = Otlp.JsonRequest(new TestSpan(trace, "", "no id"), new TestSpan(trace, good, "good"));

        var response = (await Otlp.PostAsync(api, Otlp.Json(body), $"project_id:{projectId}")).AssertOk();

        var partial = response.Json["partialSuccess"]!;
        Assert.Equal(1, (long)partial["rejectedSpans"]!);
        Assert.Contains("spans[0]: span id is missing", (string)partial["errorMessage"]!, StringComparison.Ordinal);
        Assert.Equal([good], (await api.FetchAllAsync($"project_logs/{projectId}")).Select(r => (string)r["id"]!));
    }

    [Fact]
    public async Task UnusableIdsAndParents_AreEachRejected_WithTheirReason()
    {
        var alice = await app.NewTenantAsync();
        var bob = await app.NewTenantAsync();
        var projectId = (string)(await alice.CreateProjectAsync())["id"]!;
        var bobsProject = (string)(await bob.CreateProjectAsync())["id"]!;
        var trace = Otlp.NewTraceId();
        var good = Otlp.NewSpanId();
        var spans = new[]
        {
            new TestSpan(trace, good, "good"),
            new TestSpan(new string('0', 32), Otlp.NewSpanId(), "zero trace id"),
            new TestSpan("", Otlp.NewSpanId(), "no trace id"),
            new TestSpan(trace, "0000000000000000", "zero span id"),
            new TestSpan(trace, "abcd", "short span id"),
            new TestSpan(trace, Otlp.NewSpanId(), "other org", ("braintrust.parent", $"project_id:{bobsProject}")),
            new TestSpan(trace, Otlp.NewSpanId(), "bad syntax", ("braintrust.parent", "dataset_id:x")),
        };

        var response = (await Otlp.PostAsync(alice, Otlp.Json(Otlp.JsonRequest(spans)), $"project_id:{projectId}")).AssertOk();

        var partial = response.Json["partialSuccess"]!;
        Assert.Equal(6, (long)partial["rejectedSpans"]!);
        var message = (string)partial["errorMessage"]!;
        foreach (var reason in new[]
        {
            "spans[1]: trace id is all zeros", "spans[2]: trace id is missing", "spans[3]: span id is all zeros",
            "spans[4]: span id is 2 bytes, not 8", $"spans[5]: braintrust.parent: project '{bobsProject}' not found", "spans[6]: braintrust.parent: 'dataset_id:x'",
        })
        {
            Assert.Contains(reason, message, StringComparison.Ordinal);
        }

        Assert.Equal([good], (await alice.FetchAllAsync($"project_logs/{projectId}")).Select(r => (string)r["id"]!));
        Assert.Empty(await bob.FetchAllAsync($"project_logs/{bobsProject}"));
    }

    [Fact]
    public async Task EverySpanCarryingItsOwnParent_NeedsNoHeader()
    {
        var (api, projectId) = await Otlp.NewProjectAsync(app);
        var span = Otlp.NewSpanId();
        var body = Otlp.JsonRequest(new TestSpan(Otlp.NewTraceId(), span, "self-addressed", ("braintrust.parent", $"project_id:{projectId}")));

        var response = (await Otlp.PostAsync(api, Otlp.Json(body), parent: null)).AssertOk();

        Assert.True(JsonNode.DeepEquals(new JsonObject(), response.Json));
        Assert.Equal([span], (await api.FetchAllAsync($"project_logs/{projectId}")).Select(r => (string)r["id"]!));
    }
}
