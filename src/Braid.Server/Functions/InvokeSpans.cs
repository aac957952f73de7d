using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Braid.Server.AccessControl;
using Braid.Server.Events;
using Braid.Server.Http;
using Braid.Server.Otel;
using Braid.Storage.Events;
using Braid.Storage.Merge;
using Braid.Storage.Objects;
using Braid.Storage.Tenancy;

namespace Braid.Server.Functions;

/// <summary>Where an invocation's spans go: a log, the span they hang under (if any), and fields merged into each span.</summary>
public sealed record SpanParent(EventObject Log, string? SpanId, string? RootSpanId, JsonObject? Propagated);

/// <summary>One span an invocation writes; its ids are hex like the SDK's (16 digits, 32 for a trace).</summary>
public sealed class InvokeSpan
{
    public InvokeSpan(SpanParent parent, InvokeSpan? under, string name, string type, DateTimeOffset start)
    {
        SpanId = Hex(8);
        Row["id"] = SpanId;
        Row["span_id"] = SpanId;
        Row["root_span_id"] = under?.RootSpanId ?? parent.RootSpanId ?? Hex(16);
        if ((under?.SpanId ?? parent.SpanId) is { } parentSpan)
        {
            Row["span_parents"] = new JsonArray(parentSpan);
        }

        Row["span_attributes"] = new JsonObject { ["name"] = name, ["type"] = type };
        Row["metrics"] = new JsonObject { ["start"] = Seconds(start) };
        if (parent.Propagated is { } propagated)
        {
            JsonMerge.Into(Row, (JsonObject)propagated.DeepClone());
        }
    }

    public JsonObject Row { get; } = [];

    public string SpanId { get; }

    public string RootSpanId => (string)Row["root_span_id"]!;

    public JsonObject Metrics => (JsonObject)Row["metrics"]!;

    public void End(DateTimeOffset end) => Metrics["end"] = Seconds(end);

    public static double Seconds(DateTimeOffset at) => at.ToUnixTimeMilliseconds() / 1000.0;

    private static string Hex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));
}

/// <summary>
/// Reads an invoke's <c>parent</c> and writes its spans. A parent is an object reference
/// (<c>{object_type, object_id, row_ids?, propagated_event?}</c>) or a string: an SDK <c>export()</c>, or
/// <c>project_id:</c>/<c>project_name:</c>/<c>experiment_id:</c> as OTLP takes. Without one, the spans go to the
/// function's project logs when the caller may write there (a global or inline function without a parent is not logged).
/// </summary>
public static class InvokeSpans
{
    public static async Task<SpanParent?> ResolveAsync(JsonNode? parent, Principal principal, IServiceProvider services, string? defaultProjectId)
    {
        var access = services.GetRequiredService<Access>();
        var objects = services.GetRequiredService<ObjectStore>();
        switch (parent)
        {
            case null:
            case JsonValue v when v.TryGetValue<string>(out var empty) && empty.Length == 0:
                if (defaultProjectId is null)
                {
                    return null;
                }

                var log = await EventLogs.ResolveAsync(objects, principal, EventObjectType.ProjectLogs, defaultProjectId, "parent", access, Access.Read);
                return await access.AllowsAsync(principal, EventLogs.Target(principal.OrgId, log), Access.Update)
                    ? new SpanParent(log.Object, null, null, null)
                    : null;
            case JsonValue text when text.TryGetValue<string>(out var exported):
                var (resolved, error) = await new OtelParents(principal, objects, services).ResolveAsync(exported, "parent");
                var decoded = (resolved ?? throw error!).Exported;
                return new SpanParent(resolved.Log, decoded?.SpanId, decoded?.RootSpanId, null);
            case JsonObject reference:
                var type = (string?)reference["object_type"] switch
                {
                    "project_logs" => EventObjectType.ProjectLogs,
                    "experiment" => EventObjectType.Experiment,
                    "playground_logs" => throw ApiException.BadRequest("parent.object_type: playground logs are not stored by this server; use project_logs or experiment"),
                    var other => throw ApiException.BadRequest($"parent.object_type: must be project_logs or experiment, not '{other}'"),
                };
                var objectId = (string?)(reference["object_id"] as JsonValue)
                    ?? throw ApiException.BadRequest("parent.object_id: required, the id of the project (for project_logs) or experiment");
                var target = await ApiException.InBodyAsync(() => EventLogs.ResolveAsync(objects, principal, type, objectId, "parent.object_id", access, Access.Update));
                var rows = reference["row_ids"] as JsonObject;
                if (reference["row_ids"] is not null and not JsonObject)
                {
                    throw ApiException.BadRequest("parent.row_ids: must be an object {id, span_id, root_span_id}");
                }

                if (reference["propagated_event"] is not null and not JsonObject)
                {
                    throw ApiException.BadRequest("parent.propagated_event: must be an object of fields to merge into each span");
                }

                return new SpanParent(target.Object, (string?)rows?["span_id"], (string?)rows?["root_span_id"], reference["propagated_event"]?.DeepClone() as JsonObject);
            default:
                throw ApiException.BadRequest("parent: must be an exported span string or an object {object_type, object_id, row_ids?}");
        }
    }

    /// <summary>Writes the spans through the ingest queue and returns once they are committed.</summary>
    public static Task WriteAsync(IServiceProvider services, Principal principal, SpanParent parent, IEnumerable<InvokeSpan> spans, DateTimeOffset now) =>
        WriteAsync(services, principal, parent.Log, spans.Select(span => span.Row), now);

    /// <summary>Writes rows (spans, or merges into them) to a log through the ingest queue; returns once they are committed.</summary>
    public static async Task WriteAsync(IServiceProvider services, Principal principal, EventObject log, IEnumerable<JsonObject> rows, DateTimeOffset now)
    {
        var store = services.GetRequiredService<EventStore>();
        var ops = new List<EventOp>();
        var bytes = 0;
        foreach (var row in rows)
        {
            var prepared = store.Prepare(row, now);
            bytes += prepared?.Text.Length ?? 0;
            ops.Add(new InsertOp(log, row) { Prepared = prepared });
        }

        await services.GetRequiredService<IngestQueue>().WriteAsync(new WriteJob(ops, principal.UserId, bytes));
    }
}
