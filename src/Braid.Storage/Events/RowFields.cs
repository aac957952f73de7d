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

    /// <summary>Kept when a row is replaced or merged: they say where the span sits, and a merge never moves it.</summary>
    public static readonly string[] Placement = [SpanId, RootSpanId, SpanParents, IsRoot, Created];
}
