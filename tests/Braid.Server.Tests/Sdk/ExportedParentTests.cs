using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Server.Sdk;
using Braid.Server.Tests.Infrastructure;
using Braid.Server.Tests.Otel;

namespace Braid.Server.Tests.Sdk;

/// <summary>The SDK's exported <c>parent</c> string (sdk-protocol §6): decoded, and accepted wherever a parent is given (OTLP).</summary>
public sealed class ExportedParentTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public void V4SpanExport_DecodesPackedHexIdsAndTheJsonTail()
    {
        var parent = ExportedParent.TryDecode(
            "BAICA1jhd1rAnVnoBEy9Z4nX5r9cPYm1wFqn/jB7Im9iamVjdF9pZCI6IjUxZjZhYTQwLTU3YmQtNGM5OC1hNDNhLTBjNTA4ZDg5ZWUzOCIsInJvd19pZCI6IjZlYWNiMmM2MWVmM2RkNmYifQ==")!;
        Assert.Equal(ExportedParentType.ProjectLogs, parent.Type);
        Assert.Equal("51f6aa40-57bd-4c98-a43a-0c508d89ee38", parent.ObjectId);
        Assert.Equal("6eacb2c61ef3dd6f", parent.RowId);
        Assert.Equal("58e1775ac09d59e8", parent.SpanId);
        Assert.Equal("4cbd6789d7e6bf5c3d89b5c05aa7fe30", parent.RootSpanId);

        var logger = ExportedParent.TryDecode("BAIAeyJvYmplY3RfaWQiOiI1MWY2YWE0MC01N2JkLTRjOTgtYTQzYS0wYzUwOGQ4OWVlMzgifQ==")!;
        Assert.Equal("51f6aa40-57bd-4c98-a43a-0c508d89ee38", logger.ObjectId);
        Assert.Null(logger.SpanId);
    }

    [Fact]
    public void V3Export_DecodesPackedUuids_InTheirOwnByteOrder()
    {
        var objectId = "01234567-89ab-cdef-0123-456789abcdef";
        var bytes = new List<byte> { 3, 1, 1, 1 };
        bytes.AddRange(Convert.FromHexString(objectId.Replace("-", "", StringComparison.Ordinal)));
        bytes.AddRange(Encoding.UTF8.GetBytes("""{"row_id":"r1"}"""));
        var parent = ExportedParent.TryDecode(Convert.ToBase64String([.. bytes]))!;
        Assert.Equal(ExportedParentType.Experiment, parent.Type);
        Assert.Equal(objectId, parent.ObjectId);
        Assert.Equal("r1", parent.RowId);
    }

    [Theory]
    [InlineData("project_id:abc")]
    [InlineData("not base64!")]
    [InlineData("AQID")] // version 1
    [InlineData("BAIB")] // one packed id promised, none there
    [InlineData("BAIAe30")] // a JSON tail cut short
    public void NotAnExport_DecodesToNull(string text) => Assert.Null(ExportedParent.TryDecode(text));

    [Fact]
    public async Task OtlpParent_TakesALoggerOrExperimentExport()
    {
        var (api, projectId) = await Otlp.NewProjectAsync(app);
        var experimentId = (string)(await api.CreateExperimentAsync(projectId))["id"]!;
        var (toLogs, toExperiment, toNamed) = (Otlp.NewSpanId(), Otlp.NewSpanId(), Otlp.NewSpanId());

        (await Otlp.PostAsync(api, Otlp.Json(Otlp.JsonRequest(new TestSpan(Otlp.NewTraceId(), toLogs, "s"))), Export(2, new { object_id = projectId }))).AssertOk();
        (await Otlp.PostAsync(api, Otlp.Json(Otlp.JsonRequest(new TestSpan(Otlp.NewTraceId(), toExperiment, "s"))), Export(1, new { object_id = experimentId }))).AssertOk();
        var name = ApiClient.Unique("exported");
        (await Otlp.PostAsync(api, Otlp.Json(Otlp.JsonRequest(new TestSpan(Otlp.NewTraceId(), toNamed, "s"))),
            Export(2, new { compute_object_metadata_args = new { project_name = name } }))).AssertOk();

        Assert.Equal(toLogs, (string)Assert.Single(await api.FetchAllAsync($"project_logs/{projectId}"))["id"]!);
        Assert.Equal(toExperiment, (string)Assert.Single(await api.FetchAllAsync($"experiment/{experimentId}"))["id"]!);
        var named = (await api.GetAsync($"/v1/project?project_name={name}")).AssertOk().Objects.Single();
        Assert.Equal(toNamed, (string)Assert.Single(await api.FetchAllAsync($"project_logs/{(string)named["id"]!}"))["id"]!);

        // Another organization's experiment is not found; a playground export is not supported.
        var other = await app.NewTenantAsync();
        (await Otlp.PostAsync(other, Otlp.Json(Otlp.JsonRequest(new TestSpan(Otlp.NewTraceId(), Otlp.NewSpanId(), "s"))), Export(1, new { object_id = experimentId })))
            .AssertStatus(HttpStatusCode.NotFound);
        (await Otlp.PostAsync(api, Otlp.Json(Otlp.JsonRequest(new TestSpan(Otlp.NewTraceId(), Otlp.NewSpanId(), "s"))), Export(3, new { object_id = Guid.NewGuid() })))
            .AssertError(HttpStatusCode.BadRequest, "playground");
    }

    [Fact]
    public async Task OtlpRootSpan_UnderAnExportedSpan_BecomesItsChild_InItsTrace()
    {
        var (api, projectId) = await Otlp.NewProjectAsync(app);
        // A span the SDK logged through /logs3, the root of its trace.
        var (spanId, rootSpanId) = (Otlp.NewSpanId(), Otlp.NewTraceId());
        var logged = new { id = "sdk-row", span_id = spanId, root_span_id = rootSpanId, project_id = projectId, log_id = "g", span_attributes = new { name = "sdk" } };
        (await api.PostAsync("/logs3", new { rows = new[] { logged }, api_version = 2 })).AssertOk();

        // Its span.export() (V4: span id and root span id packed as hex bytes), as the header; then, as a span's
        // attribute, the same span named in the JSON tail.
        byte[] packed = [4, 2, 2, 3, .. Convert.FromHexString(spanId), 4, .. Convert.FromHexString(rootSpanId)];
        var header = Convert.ToBase64String([.. packed, .. JsonSerializer.SerializeToUtf8Bytes(new { object_id = projectId, row_id = "sdk-row" })]);
        var attribute = Export(2, new { object_id = projectId, row_id = "sdk-row", span_id = spanId, root_span_id = rootSpanId });
        var (trace, root, child, other) = (Otlp.NewTraceId(), Otlp.NewSpanId(), Otlp.NewSpanId(), Otlp.NewSpanId());
        (await Otlp.PostAsync(api, Otlp.Json(Otlp.JsonRequest(
            new TestSpan(trace, root, "otel root"), new TestSpan(trace, child, "otel child") { ParentSpanId = root })), header)).AssertOk();
        (await Otlp.PostAsync(api, Otlp.Json(Otlp.JsonRequest(
            new TestSpan(Otlp.NewTraceId(), other, "by attribute", ("braintrust.parent", attribute)))), null)).AssertOk();

        var rows = (await api.PostAsync("/btql", new
            {
                query = $"select: id, span_id, root_span_id, span_parents | from: project_logs('{projectId}') | filter: root_span_id = '{rootSpanId}'",
            }))
            .AssertOk().Json["data"]!.AsArray().ToDictionary(r => (string)r!["id"]!, r => r!);
        Assert.Equal(new[] { "sdk-row", child, other, root }.Order(StringComparer.Ordinal), rows.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([spanId], Parents(rows[root]!));
        Assert.Equal(root, (string)rows[root]!["span_id"]!);
        Assert.Equal([root], Parents(rows[child]!));
        Assert.Equal([spanId], Parents(rows[other]!));
        Assert.Null(rows["sdk-row"]!["span_parents"]);

        // A logger's export names no span: the OTLP root stays the root of its own trace.
        var (loneTrace, lone) = (Otlp.NewTraceId(), Otlp.NewSpanId());
        (await Otlp.PostAsync(api, Otlp.Json(Otlp.JsonRequest(new TestSpan(loneTrace, lone, "lone"))), Export(2, new { object_id = projectId }))).AssertOk();
        var loneRow = (await api.FetchAllAsync($"project_logs/{projectId}")).Single(r => (string)r["id"]! == lone);
        Assert.Equal(loneTrace, (string)loneRow["root_span_id"]!);
        Assert.Null(loneRow["span_parents"]);
    }

    private static string[] Parents(JsonNode row) => [.. row["span_parents"]!.AsArray().Select(p => (string)p!)];

    // A V4 export with no packed ids: [4, type, 0] + the JSON fields.
    private static string Export(byte type, object json) => Convert.ToBase64String([4, type, 0, .. JsonSerializer.SerializeToUtf8Bytes(json)]);
}
