using System.Data.Common;

namespace Braid.Storage;

/// <summary>
/// The one seam between the two stores: how to connect, and the few SQL spellings that differ.
/// Everything else is shared SQL with named parameters (<c>@name</c>), which both drivers accept.
/// </summary>
public abstract class SqlDialect
{
    /// <summary>"sqlite" or "postgres"; also the folder of this dialect's migrations.</summary>
    public abstract string Name { get; }

    public abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken = default);

    /// <summary>A parameter holding JSON text, written so the column's JSON type accepts it.</summary>
    public abstract string JsonParameter(string name);

    /// <summary>
    /// <c>column IN (list)</c> for a list-valued parameter. Dapper expands lists into one parameter per item on
    /// SQLite but passes them as one array to Npgsql, where the spelling is <c>= ANY(@list)</c>.
    /// </summary>
    public abstract string InList(string column, string parameter);

    /// <summary>Whether array parameters (<c>unnest(@list)</c>) are available for bulk statements.</summary>
    public virtual bool SupportsArrayParameters => false;

    /// <summary>
    /// Where a row version's search tokens go (migration 0004): a <c>text[]</c> column of <c>event_history</c> under a GIN
    /// index (PostgreSQL), or otherwise a row of the <c>event_search</c> full-text table (SQLite FTS5) keyed by its seq.
    /// </summary>
    public virtual bool HasSearchTokensColumn => false;

    /// <summary>A JSON column's document without one top-level key (named by a parameter holding the key).</summary>
    public abstract string JsonWithout(string column, string keyParameter);

    /// <summary>Appended to a SELECT that must lock its rows until commit (nothing on SQLite, whose writers are serial).</summary>
    public abstract string ForUpdate { get; }

    /// <summary>Serializes schema migrations when several nodes start at once.</summary>
    public abstract Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction);

    public abstract bool IsUniqueViolation(Exception exception);

    /// <summary>A short description for start-up logs; never includes a password.</summary>
    public abstract string Describe();
}
