using System.Net;
using System.Text;
using Braid.Server.Tests.Infrastructure;
using Google.Protobuf;

namespace Braid.Server.Tests.Otel;

public sealed class SmallBodyApp : IAsyncLifetime
{
    public BraidApp App { get; } = new BraidApp().With("Braid:MaxRequestBodyBytes", "4096");

    public Task InitializeAsync() => ((IAsyncLifetime)App).InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)App).DisposeAsync();
}

/// <summary>Requests refused whole: each a 4xx with a JSON error that says what to fix, never a 500, and nothing written.</summary>
public sealed class OtlpErrorsTests(SmallBodyApp fixture) : IClassFixture<SmallBodyApp>
{
    private BraidApp App => fixture.App;

    private static string OneSpan() => Otlp.JsonRequest(new TestSpan(Otlp.NewTraceId(), Otlp.NewSpanId(), "s"));

    [Fact]
    public async Task Export_WithoutParentHeader_Is400SayingHowToSetIt()
    {
        var api = await App.NewTenantAsync();
        (await Otlp.PostAsync(api, Otlp.Json(OneSpan()), parent: null)).AssertError(HttpStatusCode.BadRequest, "x-bt-parent: header is required");
        (await Otlp.PostAsync(api, Otlp.Protobuf(Otlp.ProtobufRequest(new TestSpan(Otlp.NewTraceId(), Otlp.NewSpanId(), "s"))), parent: null))
            .AssertError(HttpStatusCode.BadRequest, "project_name:");
    }

    [Theory]
    [InlineData("project")]
    [InlineData("experiment")]
    public async Task Export_UnknownParentId_Is404(string kind)
    {
        var api = await App.NewTenantAsync();
        (await Otlp.PostAsync(api, Otlp.Json(OneSpan()), $"{kind}_id:{Guid.NewGuid()}")).AssertError(HttpStatusCode.NotFound, $"x-bt-parent: {kind} '");
    }

    [Fact]
    public async Task Export_IntoAnotherOrganizationsProject_Is404AndWritesNothing()
    {
        var alice = await App.NewTenantAsync();
        var bob = await App.NewTenantAsync();
        var projectId = (string)(await alice.CreateProjectAsync())["id"]!;

        (await Otlp.PostAsync(bob, Otlp.Json(OneSpan()), $"project_id:{projectId}")).AssertError(HttpStatusCode.NotFound, projectId);

        Assert.Empty(await alice.FetchAllAsync($"project_logs/{projectId}"));
    }

    [Theory]
    [InlineData("project_id:not-a-uuid", "x-bt-parent: 'not-a-uuid' is not a valid UUID")]
    [InlineData("dataset_id:0191b6a7-0000-7000-8000-000000000000", "x-bt-parent: 'dataset_id:")]
    [InlineData("project_name:", "x-bt-parent: 'project_name:'")]
    [InlineData("my-project", "x-bt-parent: 'my-project' names no parent")]
    public async Task Export_MalformedParentHeader_Is400(string parent, string mentions)
    {
        var api = await App.NewTenantAsync();
        (await Otlp.PostAsync(api, Otlp.Json(OneSpan()), parent)).AssertError(HttpStatusCode.BadRequest, mentions);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/protobuf+json")]
    [InlineData("")]
    public async Task Export_OtherContentType_Is415(string contentType)
    {
        var (api, projectId) = await Otlp.NewProjectAsync(App);
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(OneSpan()));
        if (contentType.Length > 0)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        (await Otlp.PostAsync(api, content, $"project_id:{projectId}")).AssertError(HttpStatusCode.UnsupportedMediaType, "application/x-protobuf or application/json");
        Assert.Empty(await api.FetchAllAsync($"project_logs/{projectId}"));
    }

    [Fact]
    public async Task Export_UnsupportedContentEncoding_Is415()
    {
        var (api, projectId) = await Otlp.NewProjectAsync(App);
        (await Otlp.PostAsync(api, Otlp.Json(OneSpan()), $"project_id:{projectId}", new Dictionary<string, string> { ["Content-Encoding"] = "br" }))
            .AssertStatus(HttpStatusCode.UnsupportedMediaType);
    }

    public static TheoryData<string, byte[], string> MalformedProtobuf => new()
    {
        // resource_spans says 16 bytes follow, but only one does.
        { "truncated", [0x0A, 0x10, 0x01], "longer than the rest of the body" },
        // 'n' is field 13 with wire type 6, which does not exist.
        { "text", Encoding.UTF8.GetBytes("not protobuf"), "ExportTraceServiceRequest (protobuf)" },
        // A span of 2 bytes whose trace_id says 5 bytes follow: it reads on into the enclosing ScopeSpans.
        { "overrun", Otlp.Message(o => Otlp.Embedded(o, 1, Otlp.Message(rs => Otlp.Embedded(rs, 2, [0x12, 0x02, 0x0A, 0x05, 1, 2, 3, 4, 5])))), "runs past the end of its message" },
        { "nested too deep", DeepArrayValue(100), "nest deeper than 32" },
        // Content-Encoding: gzip on a body that was never compressed.
        { "not gzip", Otlp.ProtobufRequest(new TestSpan(Otlp.NewTraceId(), Otlp.NewSpanId(), "plain")), "not valid gzip" },
    };

    [Theory]
    [MemberData(nameof(MalformedProtobuf))]
    public async Task Export_MalformedProtobuf_Is400(string name, byte[] body, string mentions)
    {
        var (api, projectId) = await Otlp.NewProjectAsync(App);
        var headers = name == "not gzip" ? new Dictionary<string, string> { ["Content-Encoding"] = "gzip" } : null;

        (await Otlp.PostAsync(api, Otlp.Protobuf(body), $"project_id:{projectId}", headers)).AssertError(HttpStatusCode.BadRequest, mentions);
        Assert.Empty(await api.FetchAllAsync($"project_logs/{projectId}"));
    }

    [Theory]
    [InlineData("{\"resourceSpans\":[", "not valid JSON")]
    [InlineData("[]", "request body: must be a JSON object")]
    [InlineData("{\"resourceSpans\":{}}", "resourceSpans: must be an array")]
    [InlineData("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"W47/95gDgQPSabYzgT/GDA==\"}]}]}]}", "resourceSpans[0].scopeSpans[0].spans[0].traceId: must be a hex string")]
    [InlineData("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"startTimeUnixNano\":\"soon\"}]}]}]}", "spans[0].startTimeUnixNano: must be an unsigned 64-bit integer")]
    [InlineData("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"key\":\"k\",\"value\":{\"intValue\":1.5}}]}]}]}]}", "spans[0].attributes[0].value.intValue")]
    [InlineData("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"status\":{\"code\":\"BAD\"}}]}]}]}", "spans[0].status.code")]
    public async Task Export_MalformedJson_Is400NamingTheField(string body, string mentions)
    {
        var (api, projectId) = await Otlp.NewProjectAsync(App);
        (await Otlp.PostAsync(api, Otlp.Json(body), $"project_id:{projectId}")).AssertError(HttpStatusCode.BadRequest, mentions);
    }

    [Fact]
    public async Task Export_WithoutApiKey_Is401()
    {
        (await Otlp.PostAsync(App.Anonymous(), Otlp.Json(OneSpan()), $"project_id:{Guid.NewGuid()}")).AssertError(HttpStatusCode.Unauthorized, "API key");
        (await Otlp.PostAsync(App.Anonymous("sk-wrong"), Otlp.Json(OneSpan()), $"project_id:{Guid.NewGuid()}")).AssertError(HttpStatusCode.Unauthorized, "invalid API key");
    }

    [Fact]
    public async Task Export_BodyOverTheLimit_Is413_AlsoWhenOnlyItsInflatedSizeIs()
    {
        var (api, projectId) = await Otlp.NewProjectAsync(App);
        var big = Otlp.JsonRequest(new TestSpan(Otlp.NewTraceId(), Otlp.NewSpanId(), "big", ("padding", new string('x', 10_000))));

        (await Otlp.PostAsync(api, Otlp.Json(big), $"project_id:{projectId}")).AssertError(HttpStatusCode.RequestEntityTooLarge, "4096 bytes");
        // Compressed, the same body is far below the limit; inflated it is not.
        var gzipped = Otlp.Json(big, gzip: true);
        Assert.True((await gzipped.ReadAsByteArrayAsync()).Length < 4096);
        (await Otlp.PostAsync(api, gzipped, $"project_id:{projectId}")).AssertError(HttpStatusCode.RequestEntityTooLarge, "4096 bytes");
        Assert.Empty(await api.FetchAllAsync($"project_logs/{projectId}"));
    }

    /// <summary>A span attribute whose value is an array in an array, <paramref name="depth"/> times over.</summary>
    private static byte[] DeepArrayValue(int depth)
    {
        var value = Otlp.Message(any =>
        {
            any.WriteTag(1, WireFormat.WireType.LengthDelimited);
            any.WriteString("bottom");
        });
        for (var i = 0; i < depth; i++)
        {
            var inner = value;
            value = Otlp.Message(any => Otlp.Embedded(any, 5, Otlp.Message(array => Otlp.Embedded(array, 1, inner))));
        }

        var keyValue = Otlp.Message(kv =>
        {
            kv.WriteTag(1, WireFormat.WireType.LengthDelimited);
            kv.WriteString("deep");
            Otlp.Embedded(kv, 2, value);
        });
        var span = Otlp.Message(s =>
        {
            s.WriteTag(1, WireFormat.WireType.LengthDelimited);
            s.WriteBytes(ByteString.CopyFrom(Convert.FromHexString(Otlp.NewTraceId())));
            s.WriteTag(2, WireFormat.WireType.LengthDelimited);
            s.WriteBytes(ByteString.CopyFrom(Convert.FromHexString(Otlp.NewSpanId())));
            Otlp.Embedded(s, 9, keyValue);
        });
        return Otlp.Message(o => Otlp.Embedded(o, 1, Otlp.Message(rs => Otlp.Embedded(rs, 2, Otlp.Message(ss => Otlp.Embedded(ss, 2, span))))));
    }
}
