using Braid.Query.Planning;
using Braid.Storage.Events;
using Microsoft.Data.Sqlite;

namespace Braid.Storage.Query;

/// <summary>Runs compiled queries against the store, streaming rows as they are read.</summary>
public sealed class QueryRunner(Database database, TimeSpan? timeout = null)
{
    /// <summary>The longest a query may run by default, as on Braintrust (30 s).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public TimeSpan Timeout { get; } = timeout ?? DefaultTimeout;

    public QueryDialect Dialect { get; } = database.Dialect.Name == "sqlite" ? QueryDialect.Sqlite : QueryDialect.Postgres;

    /// <summary>
    /// Runs the query, handing each row to <paramref name="emit"/>; returns the next page's cursor, or null after the
    /// last page. <paramref name="identityByObject"/> holds each log's identity fields, spliced into whole rows.
    /// </summary>
    public async Task<string?> RunAsync(
        CompiledQuery query, IReadOnlyDictionary<string, string> identityByObject, Func<string, ValueTask> emit, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(Timeout);
        try
        {
            return await RunWithinAsync(query, identityByObject, emit, limit.Token);
        }
        catch (Exception e) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested && IsStop(e))
        {
            throw new StoreException(StoreError.TooLong,
                $"the query ran longer than the {Timeout.TotalSeconds:0} s limit and was stopped: narrow it (a range of created or _xact_id, a filter on an id or a tag) or ask for fewer rows");
        }
    }

    /// <summary>How each store reports a statement stopped by the limit: cancelled, interrupted (SQLite) or timed out (Npgsql).</summary>
    private static bool IsStop(Exception e) =>
        e is OperationCanceledException or SqliteException { SqliteErrorCode: SQLitePCL.raw.SQLITE_INTERRUPT } or Npgsql.NpgsqlException { InnerException: TimeoutException };

    private async Task<string?> RunWithinAsync(
        CompiledQuery query, IReadOnlyDictionary<string, string> identityByObject, Func<string, ValueTask> emit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);

        // SQLite checks no token while a statement runs (its CommandTimeout only bounds waiting for a lock): the limit
        // interrupts the connection. Registered after the connection is opened, so disposed before it goes back to the
        // pool, where an interrupt could stop another request's statement.
        using var interrupt = connection is SqliteConnection open
            ? cancellationToken.Register(static state => SQLitePCL.raw.sqlite3_interrupt(((SqliteConnection)state!).Handle), open)
            : default;
        if (connection is SqliteConnection sqlite)
        {
            Percentile.Register(sqlite);
        }

        // PostgreSQL: Npgsql prepares a statement it has seen a few times, and after five runs PostgreSQL may plan a
        // prepared statement once for any parameters. A query's best plan depends on them (how large the log is, how
        // many rows the limit asks for): the generic plan of a summary's first page, its limit taken as a tenth of the
        // traces, started parallel workers and hashed thousands of traces (450 ms, against 25 ms planned for the
        // values). Planning for the actual values, in this transaction only, costs a millisecond or two per query.
        await using var transaction = connection is SqliteConnection ? null : await connection.BeginTransactionAsync(cancellationToken);
        if (transaction is not null)
        {
            await using var setting = connection.CreateCommand();
            setting.Transaction = transaction;
            setting.CommandText = "SET LOCAL plan_cache_mode = force_custom_plan";
            await setting.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = query.Sql;
        command.CommandTimeout = (int)Math.Ceiling(Timeout.TotalSeconds);
        // Microsoft.Data.Sqlite finds each parameter by name, scanning the statement's list of names, and looks a name
        // without its '@' up four times (bare, then with ':', '@' and '$' to rule out ambiguity): a query with 20,000
        // values took 8 s to bind, with the '@' 3 s.
        var prefix = connection is SqliteConnection ? "@" : "";
        foreach (var (name, value) in query.Parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = prefix + name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        string? cursor;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            cursor = await new ResultReader(query, identityByObject).ReadAsync(reader, emit, cancellationToken);
        }

        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }

        return cursor;
    }
}

/// <summary>
/// <c>braid_percentile(x, p)</c> for SQLite, which has no percentile aggregate in its default build: the continuous
/// percentile (linear interpolation between the two nearest values), as PostgreSQL's percentile_cont computes it.
/// </summary>
internal static class Percentile
{
    public static void Register(SqliteConnection connection) =>
        connection.CreateAggregate<double?, double, Accumulator?, double?>(
            "braid_percentile",
            null,
            static (accumulator, value, fraction) =>
            {
                // The seed is shared by every group, so each group starts its own accumulator.
                accumulator ??= new Accumulator(fraction);
                if (value is { } v)
                {
                    accumulator.Values.Add(v);
                }

                return accumulator;
            },
            static accumulator => accumulator?.Result(),
            isDeterministic: true);

    internal sealed class Accumulator(double fraction)
    {
        public List<double> Values { get; } = [];

        public double? Result()
        {
            if (Values.Count == 0)
            {
                return null;
            }

            Values.Sort();
            var position = fraction * (Values.Count - 1);
            var lower = (int)Math.Floor(position);
            var upper = (int)Math.Ceiling(position);
            return Values[lower] + ((Values[upper] - Values[lower]) * (position - lower));
        }
    }
}
