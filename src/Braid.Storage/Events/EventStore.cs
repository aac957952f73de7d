namespace Braid.Storage.Events;

/// <summary>
/// The rows of project logs, experiments and datasets, with every version kept. Writes arrive in batches
/// from the ingest queue (<see cref="ApplyAsync"/>); reads page through traces (<see cref="FetchAsync"/>).
/// </summary>
public sealed partial class EventStore(Database database, TimeProvider time)
{
    private SqlDialect Dialect => database.Dialect;
}
