using System.Text.Json.Nodes;

namespace Braid.Storage.Events;

/// <summary>The three kinds of event log. Their stored names are part of the schema and never change.</summary>
public enum EventObjectType
{
    ProjectLogs,
    Experiment,
    Dataset,
}

/// <summary>One event log: a project's logs (id = the project id), an experiment or a dataset.</summary>
public sealed record EventObject(EventObjectType Type, string Id)
{
    public string TypeName => Type switch
    {
        EventObjectType.ProjectLogs => "project_logs",
        EventObjectType.Experiment => "experiment",
        _ => "dataset",
    };

    /// <summary>The object of a stored <c>object_type</c> name (<see cref="TypeName"/>) and id.</summary>
    public static EventObject Stored(string typeName, string id) => new(typeName switch
    {
        "project_logs" => EventObjectType.ProjectLogs,
        "experiment" => EventObjectType.Experiment,
        "dataset" => EventObjectType.Dataset,
        _ => throw new InvalidDataException($"unknown stored object_type '{typeName}'"),
    }, id);
}

/// <summary>A write to one log, applied in request order.</summary>
public abstract record EventOp(EventObject Object);

/// <summary>An inserted row with its control fields (<c>_is_merge</c>, <c>_object_delete</c>, ...); its <c>id</c> is set.</summary>
public sealed record InsertOp(EventObject Object, JsonObject Row) : EventOp(Object)
{
    /// <summary>
    /// For a plain insert, the row as it will be stored if its id is new (see <see cref="EventStore.Prepare"/>), readied by
    /// the request's thread so the single writer only writes it.
    /// </summary>
    public PreparedRow? Prepared { get; init; }
}

/// <summary>
/// A plain insert of a new id as the writer stores it: the row's JSON text (see <see cref="RowFields.Prepare"/>), its
/// <c>created</c> for <c>event_current</c> (see <see cref="Clock.NormalizeCreated"/>) and its search index entry.
/// </summary>
public sealed record PreparedRow(string Text, string? Created, SearchEntry Search);

/// <summary>A feedback item (<c>id</c>, <c>scores</c>, <c>expected</c>, <c>tags</c>, <c>comment</c>, <c>metadata</c>, <c>source</c>).</summary>
public sealed record FeedbackOp(EventObject Object, JsonObject Item) : EventOp(Object);

/// <summary>
/// One request's writes: applied atomically, in order, under one transaction id. Completes only after the
/// transaction that holds it has committed.
/// </summary>
public sealed class WriteJob(IReadOnlyList<EventOp> ops, string userId, long bytes)
{
    public IReadOnlyList<EventOp> Ops { get; } = ops;

    public string UserId { get; } = userId;

    /// <summary>The request's size, for the ingest queue's memory bound.</summary>
    public long Bytes { get; } = bytes;

    private readonly TaskCompletionSource<long> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The transaction id the job was committed under.</summary>
    public Task<long> Committed => _done.Task;

    internal void Complete(long xact) => _done.TrySetResult(xact);

    public void Fail(Exception error) => _done.TrySetException(error);
}

public enum StoreError
{
    /// <summary>The request names something that does not exist (a 404).</summary>
    NotFound,

    /// <summary>Try again later: the store is overloaded or shutting down (a 503).</summary>
    Busy,

    /// <summary>A query ran past its time limit and was stopped; asking again will not help, a narrower query will (a 400).</summary>
    TooLong,
}

/// <summary>An expected failure of one write, reported to its request without touching the others in its batch.</summary>
public sealed class StoreException(StoreError error, string message) : Exception(message)
{
    public StoreError Error { get; } = error;
}

/// <summary>A row as stored: its JSON (without the log's id fields) and the transaction that wrote this version.</summary>
public readonly record struct StoredEvent(string Data, long Xact);
