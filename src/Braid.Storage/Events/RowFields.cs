using System.Text.Json;
using System.Text.Json.Nodes;

namespace Braid.Storage.Events;

/// <summary>Field names the event store itself reads or writes in a row.</summary>
public static class RowFields
{
    public const string Id = "id";
    public const string Created = "created";
    public const string SpanId = "span_id";
    public const string RootSpanId = "root_span_id";
    public const string SpanParents = "span_parents";
    public const string IsRoot = "is_root";
    public const string Comments = "comments";
    public const string AuditData = "audit_data";

    public const string IsMerge = "_is_merge";
    public const string ObjectDelete = "_object_delete";
    public const string MergePaths = "_merge_paths";
    public const string ArrayDelete = "_array_delete";
    public const string ParentId = "_parent_id";

    /// <summary>Write-only controls: they steer a write and are never stored.</summary>
    public static readonly string[] Controls = [IsMerge, ObjectDelete, MergePaths, ArrayDelete, ParentId, "_xact_id", "_pagination_key"];

    /// <summary>
    /// The log's identity fields. Fetch adds them from the log itself, so a row never stores its own copy
    /// (and cannot claim to belong to another log).
    /// </summary>
    public static readonly string[] Identity = ["org_id", "project_id", "experiment_id", "dataset_id", "log_id"];

    /// <summary>
    /// Fills what the server owns in a plain (non-merge, non-delete) row: <c>span_id</c> (the row id),
    /// <c>root_span_id</c> (its own span), <c>is_root</c> (no parents). Control and identity fields are dropped.
    /// </summary>
    public static void FillPlacement(JsonObject row)
    {
        RemoveControlsAndIdentity(row);
        row[SpanId] ??= row[Id]!.DeepClone();
        row[RootSpanId] ??= row[SpanId]!.DeepClone();
        row[IsRoot] = row[SpanParents] is not JsonArray { Count: > 0 };
    }

    public static void RemoveControlsAndIdentity(JsonObject row)
    {
        foreach (var field in Controls)
        {
            row.Remove(field);
        }

        foreach (var field in Identity)
        {
            row.Remove(field);
        }
    }

    /// <summary>
    /// Readies a plain insert of a new id for storage ahead of the writer, or returns null when the row needs the
    /// writer's knowledge (a merge, a delete, a <c>_parent_id</c> to resolve). <c>created</c> defaults to
    /// <paramref name="now"/> in the text only, so a replace of an existing row can still keep that row's own.
    /// </summary>
    public static string? Prepare(JsonObject row, DateTimeOffset now)
    {
        if (row[IsMerge]?.GetValueKind() == JsonValueKind.True || row[ObjectDelete]?.GetValueKind() == JsonValueKind.True || row[ParentId] is not null)
        {
            return null;
        }

        FillPlacement(row);
        if (row[Created] is not null)
        {
            return row.ToJsonString();
        }

        row[Created] = Clock.Format(now);
        var text = row.ToJsonString();
        row.Remove(Created);
        return text;
    }

    /// <summary>Kept when a row is replaced or merged: they say where the span sits, and a merge never moves it.</summary>
    public static readonly string[] Placement = [SpanId, RootSpanId, SpanParents, IsRoot, Created];
}
