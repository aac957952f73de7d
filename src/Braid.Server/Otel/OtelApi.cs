using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Server.Auth;
using Braid.Server.Events;
using Braid.Server.Http;
using Braid.Server.RateLimits;
using Braid.Storage.Events;
using Braid.Storage.Objects;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Braid.Server.Otel;

/// <summary>
/// <c>POST /otel/v1/traces</c>: OTLP/HTTP trace export, protobuf or JSON, into project logs or experiments. All of a
/// request's spans are written through the <see cref="IngestQueue"/> as one job, so a 200 means they are committed.
/// Spans that cannot be stored are counted in OTLP's partial success rather than failing the request: exporters do
/// not retry a partial success, and would retry forever a request refused for one bad span.
/// </summary>
public static class OtelApi
{
    public const string ProtobufContentType = "application/x-protobuf";

    // Enough of the reasons to find the bad spans without echoing a whole batch back.
    private const int ReportedProblems = 10;

    public static IEndpointRouteBuilder MapOtelApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/otel/v1/traces", ExportTracesAsync).WithTags("otel").RateLimited(EndpointClass.Ingest);
        return routes;
    }

    private static async Task<IResult> ExportTracesAsync(HttpContext http, ObjectStore objects, EventStore store, IngestQueue queue, IOptions<ServerOptions> options)
    {
        var protobuf = IsProtobuf(http.Request);
        var body = await RequestBody.ReadAsync(http, IsGzip(http.Request));
        var spans = Flatten(protobuf ? OtlpProtobuf.ReadRequest(body) : OtlpJson.ReadRequest(body));
        var principal = http.GetPrincipal();
        var parents = new OtelParents(principal, objects, http.RequestServices);
        var headerParent = await HeaderParentAsync(http.Request, parents, spans);

        var maxRowBytes = options.Value.MaxRowBytes;
        var ops = new List<EventOp>();
        var problems = new List<string>();
        foreach (var at in spans)
        {
            var span = at.Span;
            if (SpanRows.Problem(span) is { } problem)
            {
                problems.Add($"{at.Path}: {problem}");
                continue;
            }

            var target = headerParent;
            if (span.Attributes[OtelParents.Attribute] is { } attribute)
            {
                var (parent, error) = attribute.GetValueKind() == JsonValueKind.String
                    ? await parents.ResolveAsync(attribute.GetValue<string>(), OtelParents.Attribute)
                    : (null, ApiException.BadRequest($"{OtelParents.Attribute}: must be a string"));
                if (parent is null)
                {
                    problems.Add($"{at.Path}: {error!.Message}");
                    continue;
                }

                target = parent;
            }

            var row = SpanRows.ToRow(span, at.Resource, at.Scope);
            if (target!.Span is { } under)
            {
                SpanRows.PlaceUnder(row, under.SpanId, under.RootSpanId);
            }

            var prepared = store.Prepare(row, DateTimeOffset.UtcNow)!;
            if (Encoding.UTF8.GetByteCount(prepared.Text) is var size && size > maxRowBytes)
            {
                problems.Add($"{at.Path}: the span's row is {size} bytes, over the limit of {maxRowBytes} bytes");
                continue;
            }

            // Without a header every span has its own parent (HeaderParentAsync saw to it).
            ops.Add(new InsertOp(target.Log, row) { Prepared = prepared });
        }

        if (ops.Count > 0)
        {
            await queue.WriteAsync(new WriteJob(ops, principal.UserId, body.Count));
        }

        return Respond(protobuf, problems, spans.Count);
    }

    private static List<SpanAt> Flatten(IReadOnlyList<OtlpResourceSpans> request)
    {
        var spans = new List<SpanAt>();
        for (var r = 0; r < request.Count; r++)
        {
            for (var s = 0; s < request[r].ScopeSpans.Count; s++)
            {
                var scope = request[r].ScopeSpans[s];
                for (var k = 0; k < scope.Spans.Count; k++)
                {
                    spans.Add(new SpanAt(request[r], scope, scope.Spans[k], r, s, k));
                }
            }
        }

        return spans;
    }

    /// <summary>Where the <c>x-bt-parent</c> header sends spans (a 400 or 404 when it names nowhere), or null when there is none to name.</summary>
    private static async Task<OtelParent?> HeaderParentAsync(HttpRequest request, OtelParents parents, List<SpanAt> spans)
    {
        var header = request.Headers[OtelParents.Header].ToString().Trim();
        if (header.Length > 0)
        {
            var (parent, error) = await parents.ResolveAsync(header, OtelParents.Header);
            return parent ?? throw error!;
        }

        if (spans.Any(s => !s.Span.Attributes.ContainsKey(OtelParents.Attribute)))
        {
            throw ApiException.BadRequest(
                $"{OtelParents.Header}: header is required to say where spans go: 'project_id:<uuid>', 'project_name:<name>' or " +
                $"'experiment_id:<uuid>' (e.g. OTEL_EXPORTER_OTLP_HEADERS=\"Authorization=Bearer <api key>,{OtelParents.Header}=project_name:my-project\"), " +
                $"unless every span sets the attribute {OtelParents.Attribute}");
        }

        return null;
    }

    private static IResult Respond(bool protobuf, List<string> problems, int spanCount)
    {
        var message = problems.Count == 0 ? ""
            : $"{problems.Count} of {spanCount} spans rejected: {string.Join("; ", problems.Take(ReportedProblems))}"
              + (problems.Count > ReportedProblems ? "; ..." : "");
        if (protobuf)
        {
            return Results.Bytes(OtlpProtobuf.WriteResponse(problems.Count, message), ProtobufContentType);
        }

        return JsonResults.Ok(problems.Count == 0 ? new JsonObject() : new JsonObject
        {
            ["partialSuccess"] = new JsonObject { ["rejectedSpans"] = problems.Count, ["errorMessage"] = message },
        });
    }

    private static bool IsProtobuf(HttpRequest request)
    {
        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var type))
        {
            if (type.MediaType.Equals(ProtobufContentType, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        throw ApiException.UnsupportedMediaType(
            $"Content-Type '{request.ContentType}' is not OTLP/HTTP: send {ProtobufContentType} or application/json");
    }

    private static bool IsGzip(HttpRequest request) => request.Headers.ContentEncoding.ToString().Trim().ToLowerInvariant() switch
    {
        "" or "identity" => false,
        "gzip" => true,
        var other => throw ApiException.UnsupportedMediaType($"Content-Encoding '{other}' is not supported: send gzip or no encoding"),
    };

    /// <summary>A span with the resource and scope it shares with its neighbours, and where it sits in the request.</summary>
    private readonly record struct SpanAt(OtlpResourceSpans Resource, OtlpScopeSpans Scope, OtlpSpan Span, int R, int S, int K)
    {
        public string Path => $"resourceSpans[{R}].scopeSpans[{S}].spans[{K}]";
    }
}
