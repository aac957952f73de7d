using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Server.AccessControl;
using Braid.Server.Auth;
using Braid.Server.Blobs;
using Braid.Server.Events;
using Braid.Server.Http;
using Braid.Server.RateLimits;
using Braid.Storage.Blobs;
using Braid.Storage.Events;
using Braid.Storage.Objects;
using Microsoft.Extensions.Options;

namespace Braid.Server.Sdk;

/// <summary>
/// The SDK's write path (sdk-protocol §4): <c>GET /version</c> and <c>POST /logs3</c>, a batch of rows for any mix of
/// experiments, datasets and project logs, each routed by its id fields. A batch is one atomic write through the
/// <see cref="IngestQueue"/> like <c>POST /v1/insert</c>, so a 200 means committed.
/// </summary>
public static class Logs3Api
{
    // Feedback fields of a logFeedback merge row; anything else in it is a span update the SDK merged in.
    private static readonly string[] FeedbackFields = ["scores", "expected", "tags"];
    private const string AuditSource = "_audit_source";
    private const string AuditMetadata = "_audit_metadata";

    public static IEndpointRouteBuilder MapLogs3Api(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/version", Version);
        routes.MapPost("/logs3", WriteAsync).RateLimited(EndpointClass.Ingest);
        return routes;
    }

    /// <summary>
    /// Advertising <c>logs3_payload_max_bytes</c> makes the SDK send a payload over it through <c>/logs3/overflow</c>
    /// instead of a request Braid would refuse with a 413.
    /// </summary>
    private static IResult Version(IOptions<ServerOptions> options) =>
        JsonResults.Ok(new JsonObject
        {
            ["version"] = typeof(Logs3Api).Assembly.GetName().Version?.ToString() ?? "0",
            ["logs3_payload_max_bytes"] = options.Value.MaxRequestBodyBytes,
        });

    private static async Task<IResult> WriteAsync(HttpContext http, ObjectStore objects)
    {
        var (node, bytes) = await JsonBody.ReadAsync(http);
        var body = Batch(node, "request body");
        var rows = body["rows"];
        string? overflowBlob = null;
        if (rows is JsonObject reference)
        {
            (rows, bytes, overflowBlob) = ReadOverflow(http, reference);
        }

        if (rows is not JsonArray list)
        {
            throw ApiException.BadRequest($"rows: must be an array of rows or an overflow reference, not {JsonBody.Describe(rows)}");
        }

        var principal = http.GetPrincipal();
        var logs = new Dictionary<(EventObjectType, string), EventLog>();
        var ops = new List<EventOp>(list.Count);
        var rowIds = new JsonArray();
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < list.Count; i++)
        {
            var where = $"rows[{i}]";
            rowIds.Add(EventValidation.Row(list[i], where));
            var row = list[i]!.AsObject();
            var (type, id, field) = Target(row, where);
            if (!logs.TryGetValue((type, id), out var log))
            {
                logs[(type, id)] = log = await EventLogs.ResolveAsync(objects, principal, type, id, $"{where}.{field}", EventsApi.AccessOf(http), Access.Update);
            }

            AddOps(http, log, row, where, bytes, now, ops);
        }

        await EventsApi.CommitAsync(http, ops, bytes);
        if (overflowBlob is not null)
        {
            // Its rows are committed: the upload has served its purpose. (A retry of this same reference now finds
            // nothing, which is a 400 for rows that are already stored.)
            http.RequestServices.GetRequiredService<BlobStore>().Delete(overflowBlob);
        }

        // The SDK parses every answer as JSON and retries any that is not (sdk-protocol §7.1).
        return JsonResults.Ok(new JsonObject { ["row_ids"] = rowIds });
    }

    /// <summary>The batch object; the SDK builds it as a string, and a client that JSON-encodes that string again is unwrapped.</summary>
    private static JsonObject Batch(JsonNode? node, string what)
    {
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            try
            {
                node = JsonNode.Parse(value.GetValue<string>());
            }
            catch (JsonException e)
            {
                throw ApiException.BadRequest($"{what}: a string that is not JSON: {e.Message}");
            }
        }

        return node as JsonObject ?? throw ApiException.BadRequest($"{what}: must be an object {{\"rows\": [...]}}, not {JsonBody.Describe(node)}");
    }

    /// <summary>
    /// <c>{"type": "logs3_overflow", "key": ...}</c>: the batch was uploaded to the signed URL that <c>/logs3/overflow</c>
    /// handed out under the caller's organization, so another organization's key names nothing.
    /// </summary>
    private static (JsonNode? Rows, long Bytes, string Blob) ReadOverflow(HttpContext http, JsonObject reference)
    {
        if ((string?)(reference["type"] as JsonValue) is not "logs3_overflow")
        {
            throw ApiException.BadRequest("rows.type: must be 'logs3_overflow' when rows is an object");
        }

        var key = reference["key"] is JsonValue k && k.GetValueKind() == JsonValueKind.String ? k.GetValue<string>() : null;
        if (key is null || key.Contains('/', StringComparison.Ordinal) || !BlobStore.IsValidKey(key))
        {
            throw ApiException.BadRequest("rows.key: must be the key /logs3/overflow returned");
        }

        var blobs = http.RequestServices.GetRequiredService<BlobStore>();
        var blob = BlobsApi.OverflowBlob(http.GetPrincipal().OrgId, key);
        using var stream = blobs.OpenRead(blob)
            ?? throw ApiException.BadRequest($"rows.key: no uploaded payload '{key}' (was the upload finished?)");
        JsonNode? payload;
        try
        {
            payload = JsonNode.Parse(stream);
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"rows.key: the uploaded payload is not JSON: {e.Message}");
        }

        return (Batch(payload, "uploaded payload")["rows"], stream.Length, blob);
    }

    /// <summary>Which log a row belongs to, by its id fields (sdk-protocol §4).</summary>
    private static (EventObjectType Type, string Id, string Field) Target(JsonObject row, string where)
    {
        if (IdField(row, "experiment_id", where) is { } experiment)
        {
            return (EventObjectType.Experiment, experiment, "experiment_id");
        }

        if (IdField(row, "dataset_id", where) is { } dataset)
        {
            return (EventObjectType.Dataset, dataset, "dataset_id");
        }

        if (row["prompt_session_id"] is not null)
        {
            throw ApiException.BadRequest($"{where}.prompt_session_id: playground logs are not supported by this server");
        }

        if (IdField(row, "project_id", where) is { } project)
        {
            var logId = IdField(row, "log_id", where);
            return logId is "g"
                ? (EventObjectType.ProjectLogs, project, "project_id")
                : throw ApiException.BadRequest($"{where}.log_id: project logs rows carry log_id 'g', not '{logId}'");
        }

        throw ApiException.BadRequest($"{where}: names no object; give experiment_id, dataset_id, or project_id with log_id 'g'");
    }

    private static string? IdField(JsonObject row, string field, string where) => row[field] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        var other => throw ApiException.BadRequest($"{where}.{field}: must be a string, not {JsonBody.Describe(other)}"),
    };

    /// <summary>
    /// A row becomes the write it stands for. <c>logFeedback</c> sends feedback as a merge row with <c>_audit_source</c>
    /// and a comment as a new row with <c>origin.id</c> and <c>comment.text</c>: both become the feedback that
    /// <c>POST /v1/.../feedback</c> applies (scores merged, comments and the audit trail on the target row). Every
    /// other row is an insert, merge or delete as its control fields say.
    /// </summary>
    private static void AddOps(HttpContext http, EventLog log, JsonObject row, string where, long bytes, DateTimeOffset now, List<EventOp> ops)
    {
        var source = row[AuditSource]?.DeepClone();
        var auditMetadata = row[AuditMetadata]?.DeepClone();
        row.Remove(AuditSource);
        row.Remove(AuditMetadata);
        if (source is null)
        {
            ops.Add(EventsApi.PrepareInsert(http, log, row, where, bytes, now));
            return;
        }

        var feedback = new JsonObject { ["source"] = source, ["metadata"] = auditMetadata };
        if (row["comment"] is JsonObject comment && row["origin"] is JsonObject { } origin)
        {
            feedback["id"] = origin["id"]?.DeepClone();
            feedback["comment"] = comment["text"]?.DeepClone();
            ops.Add(new FeedbackOp(log.Object, EventValidation.Feedback(feedback, where, log.IsDataset)));
            return;
        }

        feedback["id"] = row["id"]!.DeepClone();
        foreach (var field in FeedbackFields)
        {
            if (row.TryGetPropertyValue(field, out var value))
            {
                feedback[field] = value?.DeepClone();
            }
        }

        // The SDK merges an update of the same row in the same flush into the feedback row: apply it as a merge first.
        if (row.Any(p => !IsFeedbackOrIdentity(p.Key)))
        {
            ops.Add(EventsApi.PrepareInsert(http, log, row, where, bytes, now));
        }

        ops.Add(new FeedbackOp(log.Object, EventValidation.Feedback(feedback, where, log.IsDataset)));
    }

    private static bool IsFeedbackOrIdentity(string field) =>
        FeedbackFields.Contains(field) || RowFields.Identity.Contains(field) || RowFields.Controls.Contains(field) ||
        field is RowFields.Id or RowFields.SpanId or RowFields.RootSpanId or RowFields.SpanParents;
}
