using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Server.AccessControl;
using Braid.Server.Auth;
using Braid.Server.Http;
using Braid.Server.RateLimits;
using Braid.Storage.Events;
using Braid.Storage.Objects;
using Braid.Storage.Xact;
using Microsoft.Extensions.Options;

namespace Braid.Server.Events;

/// <summary>
/// Insert, fetch and feedback for project logs, experiments and datasets (inventory §4), and the cross-object
/// <c>POST /v1/insert</c>. Writes go through the <see cref="IngestQueue"/>: a 200 means the rows are committed.
/// </summary>
public static class EventsApi
{
    /// <summary>Traces per fetch page when the request sets no limit, and the most it may ask for.</summary>
    public const int DefaultFetchLimit = 1000;

    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder routes)
    {
        foreach (var (type, segment, idParameter) in EventLogs.Routes)
        {
            var group = routes.MapGroup($"/v1/{segment}/{{{idParameter}}}").WithTags(segment);
            group.MapPost("insert", (HttpContext http, ObjectStore objects) => InsertAsync(http, objects, type, idParameter))
                .RateLimited(EndpointClass.Ingest);
            group.MapGet("fetch", (HttpContext http, ObjectStore objects) => FetchAsync(http, objects, type, idParameter, fromBody: false))
                .RateLimited(EndpointClass.Query);
            group.MapPost("fetch", (HttpContext http, ObjectStore objects) => FetchAsync(http, objects, type, idParameter, fromBody: true))
                .RateLimited(EndpointClass.Query);
            group.MapPost("feedback", (HttpContext http, ObjectStore objects) => FeedbackAsync(http, objects, type, idParameter))
                .RateLimited(EndpointClass.Ingest);
        }

        routes.MapGet("/v1/experiment/{experiment_id}/summarize", Summaries.ExperimentAsync);
        routes.MapGet("/v1/dataset/{dataset_id}/summarize", Summaries.DatasetAsync);
        routes.MapPost("/v1/insert", CrossObjectInsertAsync).RateLimited(EndpointClass.Ingest);
        return routes;
    }

    public static Task<EventLog> ResolveAsync(HttpContext http, ObjectStore objects, EventObjectType type, string idParameter, string permission) =>
        EventLogs.ResolveAsync(objects, http.GetPrincipal(), type, (string)http.GetRouteValue(idParameter)!, idParameter, AccessOf(http), permission);

    public static Access AccessOf(HttpContext http) => http.RequestServices.GetRequiredService<Access>();

    private static async Task<IResult> InsertAsync(HttpContext http, ObjectStore objects, EventObjectType type, string idParameter)
    {
        var log = await ResolveAsync(http, objects, type, idParameter, Access.Update);
        var (body, bytes) = await JsonBody.ReadSizedObjectAsync(http);
        var ops = new List<EventOp>();
        var rowIds = InsertOps(http, log, EventValidation.Array(body, "events"), "events", bytes, ops);
        await CommitAsync(http, ops, bytes);
        return JsonResults.Ok(new JsonObject { ["row_ids"] = rowIds });
    }

    private static async Task<IResult> FeedbackAsync(HttpContext http, ObjectStore objects, EventObjectType type, string idParameter)
    {
        var log = await ResolveAsync(http, objects, type, idParameter, Access.Update);
        var (body, bytes) = await JsonBody.ReadSizedObjectAsync(http);
        var ops = new List<EventOp>();
        FeedbackOps(log, EventValidation.Array(body, "feedback"), "feedback", ops);
        await CommitAsync(http, ops, bytes);
        return JsonResults.Ok(new JsonObject { ["status"] = "success" });
    }

    /// <summary>
    /// <c>POST /v1/insert</c>: events and feedback for many logs in one atomic request,
    /// <c>{"experiment": {"&lt;id&gt;": {"events": [...], "feedback": [...]}}, "dataset": {...}, "project_logs": {...}}</c>.
    /// </summary>
    private static async Task<IResult> CrossObjectInsertAsync(HttpContext http, ObjectStore objects)
    {
        var (body, bytes) = await JsonBody.ReadSizedObjectAsync(http);
        var ops = new List<EventOp>();
        var response = new JsonObject();
        foreach (var (type, segment, idParameter) in EventLogs.Routes)
        {
            if (body[segment] is null)
            {
                continue;
            }

            if (body[segment] is not JsonObject logs)
            {
                throw ApiException.BadRequest($"{segment}: must be an object mapping ids to {{events, feedback}}");
            }

            var results = new JsonObject();
            foreach (var (id, entry) in logs)
            {
                var where = $"{segment}.{id}";
                var log = await EventLogs.ResolveAsync(objects, http.GetPrincipal(), type, id, where, AccessOf(http), Access.Update);
                if (entry is not JsonObject writes)
                {
                    throw ApiException.BadRequest($"{where}: must be an object with 'events' and/or 'feedback'");
                }

                if (writes["events"] is not null)
                {
                    var rowIds = InsertOps(http, log, EventValidation.Array(writes, "events"), $"{where}.events", bytes, ops);
                    results[id] = new JsonObject { ["row_ids"] = rowIds };
                }

                if (writes["feedback"] is not null)
                {
                    FeedbackOps(log, EventValidation.Array(writes, "feedback"), $"{where}.feedback", ops);
                }
            }

            response[segment] = results;
        }

        await CommitAsync(http, ops, bytes);
        return JsonResults.Ok(response);
    }

    private static JsonArray InsertOps(HttpContext http, EventLog log, JsonArray events, string where, long bytes, List<EventOp> ops)
    {
        var rowIds = new JsonArray();
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < events.Count; i++)
        {
            rowIds.Add(EventValidation.Row(events[i], $"{where}[{i}]"));
            ops.Add(PrepareInsert(http, log, events[i]!.AsObject(), $"{where}[{i}]", bytes, now));
        }

        return rowIds;
    }

    /// <summary>
    /// The write of one row already checked by <see cref="EventValidation.Row"/>: readied for the writer, and a 413 naming
    /// it when it is over the row size limit.
    /// </summary>
    public static InsertOp PrepareInsert(HttpContext http, EventLog log, JsonObject row, string where, long requestBytes, DateTimeOffset now)
    {
        var maxRow = http.RequestServices.GetRequiredService<IOptions<ServerOptions>>().Value.MaxRowBytes;
        var prepared = http.RequestServices.GetRequiredService<EventStore>().Prepare(row, now);

        // No row can exceed the limit when the whole request is below it; otherwise measure what will be stored.
        if (requestBytes > maxRow && (prepared is null ? JsonSerializer.SerializeToUtf8Bytes(row).Length : Encoding.UTF8.GetByteCount(prepared.Text)) is var size && size > maxRow)
        {
            throw ApiException.TooLarge($"{where}: row is {size} bytes, over the limit of {maxRow} bytes");
        }

        return new InsertOp(log.Object, row) { Prepared = prepared };
    }

    private static void FeedbackOps(EventLog log, JsonArray items, string where, List<EventOp> ops)
    {
        for (var i = 0; i < items.Count; i++)
        {
            ops.Add(new FeedbackOp(log.Object, EventValidation.Feedback(items[i], $"{where}[{i}]", log.IsDataset)));
        }
    }

    /// <summary>Queues one request's writes as one atomic job; once committed, returns its transaction id (null when there was nothing to write).</summary>
    public static async Task<long?> CommitAsync(HttpContext http, List<EventOp> ops, long bytes)
    {
        if (ops.Count == 0)
        {
            return null;
        }

        var queue = http.RequestServices.GetRequiredService<IngestQueue>();
        return await queue.WriteAsync(new WriteJob(ops, http.GetPrincipal().UserId, bytes));
    }

    private static async Task FetchAsync(HttpContext http, ObjectStore objects, EventObjectType type, string idParameter, bool fromBody)
    {
        var log = await ResolveAsync(http, objects, type, idParameter, Access.Read);
        var args = fromBody ? await JsonBody.ReadObjectAsync(http) : QueryAsJson(http.Request);
        var request = new FetchRequest(Limit(args["limit"]))
        {
            Version = Xact(args["version"], "version"),
            MaxXact = Xact(args["max_xact_id"], "max_xact_id"),
            MaxRootSpanId = OptionalString(args["max_root_span_id"], "max_root_span_id"),
            After = OptionalString(args["cursor"], "cursor") is { } token
                ? FetchCursor.TryDecode(token) ?? throw ApiException.BadRequest("cursor: not a cursor returned by a fetch of this API")
                : null,
        };
        var filters = PathFilter.Parse(args["filters"]);
        var page = await http.RequestServices.GetRequiredService<EventStore>().FetchAsync(log.Object, request);

        http.Response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(http.Response.BodyWriter, JsonResults.WriterOptions);
        writer.WriteStartObject();
        writer.WriteStartArray("events");
        foreach (var row in page.Rows)
        {
            if (filters is null || filters.Matches(row.Data))
            {
                EventLogs.WriteRow(writer, log, row);
            }
        }

        writer.WriteEndArray();
        if (page.Next is { } next)
        {
            writer.WriteString("cursor", next.Encode());
        }

        writer.WriteEndObject();
    }

    private static JsonObject QueryAsJson(HttpRequest request)
    {
        var args = new JsonObject();
        foreach (var name in new[] { "limit", "version", "max_xact_id", "max_root_span_id", "cursor" })
        {
            if (QueryArgs.Single(request, name) is { Length: > 0 } value)
            {
                args[name] = name == "limit" ? JsonValue.Create(QueryArgs.NonNegativeInt(request, name)) : value;
            }
        }

        return args;
    }

    private static int Limit(JsonNode? value)
    {
        if (value is null)
        {
            return DefaultFetchLimit;
        }

        if (value.GetValueKind() != JsonValueKind.Number || !value.AsValue().TryGetValue<int>(out var limit) || limit < 0)
        {
            throw ApiException.BadRequest($"limit: must be a non-negative integer, not {value.ToJsonString()}");
        }

        return limit <= DefaultFetchLimit
            ? limit
            : throw ApiException.BadRequest($"limit: at most {DefaultFetchLimit} traces per page; follow the cursor for more");
    }

    private static long? Xact(JsonNode? value, string name)
    {
        var text = OptionalString(value, name);
        if (text is null)
        {
            return null;
        }

        return XactId.TryParse(text, out var xact) ? xact : throw ApiException.BadRequest($"{name}: '{text}' is not a transaction id (_xact_id)");
    }

    private static string? OptionalString(JsonNode? value, string name) => value switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        // Transaction ids are numbers in disguise; some clients send them unquoted.
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString(),
        _ => throw ApiException.BadRequest($"{name}: must be a string, not {JsonBody.Describe(value)}"),
    };
}
