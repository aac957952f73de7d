namespace Braid.Query.Planning;

/// <summary>
/// One log a query reads: a project's logs (id = the project id), an experiment or a dataset; for prompts and
/// functions, the project (or the organization) whose objects are read.
/// </summary>
public sealed record SourceObject(string Id, string ProjectId);

/// <summary>
/// A query's source with its names and ids already resolved to logs of the caller's organization (the server does
/// that, so the compiler never sees another organization's objects). All objects are of one type.
/// </summary>
public sealed record QuerySource(string ObjectType, string OrgId, IReadOnlyList<SourceObject> Objects)
{
    /// <summary>The stored names of the three log types (the event store's <c>object_type</c>).</summary>
    public static readonly IReadOnlySet<string> ObjectTypes = new HashSet<string>(["project_logs", "experiment", "dataset"], StringComparer.Ordinal);

    /// <summary>The control-plane kinds a query can read as rows (<c>project_prompts</c>, <c>org_functions</c>, <c>org_audit_logs</c>, ...).</summary>
    public static readonly IReadOnlySet<string> DocumentKinds = new HashSet<string>(["prompt", "function", "audit_event"], StringComparer.Ordinal);

    /// <summary>Rows are control-plane documents (prompts, functions, audit events), not log events.</summary>
    public bool IsDocuments => DocumentKinds.Contains(ObjectType);

    /// <summary>For documents: every project of the organization (<c>org_prompts</c>), not the listed ones.</summary>
    public bool OrgWide { get; init; }
}

/// <summary>The request's settings that change what a query means.</summary>
public sealed record QueryOptions
{
    /// <summary>Read the logs as they were right after this transaction.</summary>
    public long? Version { get; init; }

    /// <summary>Minutes the user's clock is behind UTC, as JavaScript's getTimezoneOffset (480 for PST); date functions work in that zone.</summary>
    public int TzOffsetMinutes { get; init; }

    /// <summary>The time <c>now()</c> stands for; fixed per query so every row sees the same instant.</summary>
    public DateTimeOffset Now { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>No default row limit (an explicit limit still applies).</summary>
    public bool DisableLimit { get; init; }

    /// <summary>
    /// Read every version of each row instead of the current ones, each with <c>audit_data</c> (prompts and functions;
    /// the SDK lists prompt versions this way).
    /// </summary>
    public bool AuditLog { get; init; }

    /// <summary>Characters of input/output/expected/error kept in summary rows.</summary>
    public int PreviewLength { get; init; } = 124;
}
