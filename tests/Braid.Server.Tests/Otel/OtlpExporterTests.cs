using System.Diagnostics;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Braid.Server.Tests.Otel;

/// <summary>The real OpenTelemetry .NET SDK and its OTLP exporter (HTTP/protobuf) talking to the in-process server.</summary>
public sealed class OtlpExporterTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task OtlpExporter_ParentAndChildActivities_AreStoredAsOneLinkedTrace()
    {
        var (api, projectId) = await Otlp.NewProjectAsync(app);
        // A source of its own, so activities of tests running in parallel never reach this provider.
        var sourceName = ApiClient.Unique("braid-otel-test");
        using var source = new ActivitySource(sourceName, "1.2.3");
        var exports = new RecordingHandler();
        Activity parent, child;
        using (var tracing = OpenTelemetry.Sdk.CreateTracerProviderBuilder()
            .ConfigureResource(resource => resource.AddService("exporter-test-service"))
            .AddSource(sourceName)
            .AddOtlpExporter(otlp =>
            {
                otlp.Protocol = OtlpExportProtocol.HttpProtobuf;
                otlp.Endpoint = new Uri(app.Server.BaseAddress, Otlp.Path);
                otlp.Headers = $"Authorization=Bearer {api.Key!.Key},x-bt-parent=project_id:{projectId}";
                otlp.ExportProcessorType = ExportProcessorType.Simple;
                otlp.HttpClientFactory = () => app.CreateDefaultClient(exports);
            })
            .Build())
        {
            using (parent = source.StartActivity("chat gpt-4o-mini", ActivityKind.Client)!)
            {
                parent.SetTag("gen_ai.system", "openai");
                parent.SetTag("gen_ai.request.model", "gpt-4o-mini");
                parent.SetTag("gen_ai.usage.input_tokens", 12);
                parent.SetTag("gen_ai.usage.output_tokens", 5);
                parent.SetTag("gen_ai.prompt", """[{"role":"user","content":"What is 2+2?"}]""");
                parent.SetTag("gen_ai.completion", "4");
                parent.SetTag("app.attempt", 2);
                using (child = source.StartActivity("lookup")!)
                {
                    child.SetTag("db.rows", new[] { 1, 2 });
                    child.SetStatus(ActivityStatusCode.Error, "lookup failed");
                }
            }

            Assert.True(tracing.ForceFlush(10_000));
        }

        // The exporter swallows failures, so what the server answered is checked here.
        Assert.Equal(["200 application/x-protobuf", "200 application/x-protobuf"], exports.Answers);

        var rows = await api.FetchAllAsync($"project_logs/{projectId}");
        Assert.Equal(2, rows.Count);
        var traceId = parent.TraceId.ToHexString();
        var parentId = parent.SpanId.ToHexString();
        var childId = child.SpanId.ToHexString();
        Assert.Equal(traceId, child.TraceId.ToHexString());

        var parentRow = rows.Single(r => (string)r["id"]! == parentId);
        Assert.Equal(parentId, (string)parentRow["span_id"]!);
        Assert.Equal(traceId, (string)parentRow["root_span_id"]!);
        Assert.True((bool)parentRow["is_root"]!);
        Assert.Null(parentRow["span_parents"]);
        Assert.Equal("chat gpt-4o-mini", (string)parentRow["span_attributes"]!["name"]!);
        Assert.Equal("llm", (string)parentRow["span_attributes"]!["type"]!);
        AssertTimes(parentRow, parent);
        Assert.Equal(12, (double)parentRow["metrics"]!["prompt_tokens"]!);
        Assert.Equal(5, (double)parentRow["metrics"]!["completion_tokens"]!);
        Assert.Equal(17, (double)parentRow["metrics"]!["tokens"]!);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""[{"role":"user","content":"What is 2+2?"}]"""), parentRow["input"]), parentRow.ToJsonString());
        Assert.Equal("4", (string)parentRow["output"]!);
        var metadata = parentRow["metadata"]!;
        Assert.Equal("gpt-4o-mini", (string)metadata["model"]!);
        Assert.Equal("openai", (string)metadata["gen_ai.system"]!);
        Assert.Equal(2, (int)metadata["app.attempt"]!);
        Assert.Null(metadata["gen_ai.request.model"]);
        Assert.Null(metadata["gen_ai.prompt"]);
        Assert.Equal("exporter-test-service", (string)metadata["resource"]!["service.name"]!);
        Assert.Equal(sourceName, (string)metadata["scope"]!["name"]!);
        Assert.Equal("1.2.3", (string)metadata["scope"]!["version"]!);
        Assert.Null(parentRow["error"]);

        var childRow = rows.Single(r => (string)r["id"]! == childId);
        Assert.Equal(childId, (string)childRow["span_id"]!);
        Assert.Equal(traceId, (string)childRow["root_span_id"]!);
        Assert.Equal([parentId], childRow["span_parents"]!.AsArray().Select(p => (string)p!));
        Assert.False((bool)childRow["is_root"]!);
        Assert.Equal("task", (string)childRow["span_attributes"]!["type"]!);
        Assert.Equal("lookup failed", (string)childRow["error"]!);
        Assert.Equal([1, 2], childRow["metadata"]!["db.rows"]!.AsArray().Select(v => (int)v!));
        Assert.Null(childRow["metrics"]!["tokens"]);
        Assert.False(childRow.ContainsKey("input"));
        Assert.False(childRow.ContainsKey("output"));
        AssertTimes(childRow, child);
    }

    private static void AssertTimes(JsonObject row, Activity activity)
    {
        var start = new DateTimeOffset(activity.StartTimeUtc, TimeSpan.Zero);
        var startSeconds = (start - DateTimeOffset.UnixEpoch).TotalSeconds;
        Assert.Equal(startSeconds, (double)row["metrics"]!["start"]!, 0.001);
        Assert.Equal(startSeconds + activity.Duration.TotalSeconds, (double)row["metrics"]!["end"]!, 0.001);
        Assert.Equal(start.ToUnixTimeMilliseconds(), DateTimeOffset.Parse((string)row["created"]!, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds());
    }

    /// <summary>
    /// Records each export's answer (status and content type). It also carries the exporter's synchronous
    /// <c>HttpClient.Send</c> over to the asynchronous path, the only one the in-process test server takes.
    /// </summary>
    private sealed class RecordingHandler : DelegatingHandler
    {
        private readonly List<string> _answers = [];

        public IReadOnlyList<string> Answers
        {
            get
            {
                lock (_answers)
                {
                    return [.. _answers];
                }
            }
        }

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
            SendAsync(request, cancellationToken).GetAwaiter().GetResult();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            var body = response.IsSuccessStatusCode ? "" : " " + await response.Content.ReadAsStringAsync(cancellationToken);
            lock (_answers)
            {
                _answers.Add($"{(int)response.StatusCode} {response.Content.Headers.ContentType?.MediaType}{body}");
            }

            return response;
        }
    }
}
