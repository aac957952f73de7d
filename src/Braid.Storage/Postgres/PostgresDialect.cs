using System.Data.Common;
using Dapper;
using Npgsql;

namespace Braid.Storage.Postgres;

/// <summary>PostgreSQL: many stateless Braid nodes share one database.</summary>
public sealed class PostgresDialect : SqlDialect, IAsyncDisposable
{
    // Arbitrary constant naming Braid's migration lock among the database's advisory locks.
    private const long MigrationLockKey = 0x42726169_64000001;

    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlConnectionStringBuilder _settings;

    public PostgresDialect(string databaseUrl)
    {
        _settings = new NpgsqlConnectionStringBuilder(PostgresUrl.ToConnectionString(databaseUrl));
        // The write path reuses a handful of statements for every row; let Npgsql prepare them.
        if (_settings.MaxAutoPrepare == 0)
        {
            _settings.MaxAutoPrepare = 32;
        }

        _dataSource = NpgsqlDataSource.Create(_settings);
    }

    public override string Name => "postgres";

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken = default) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);

    public override string JsonParameter(string name) => $"CAST(@{name} AS jsonb)";

    public override string JsonWithout(string column, string keyParameter) => $"({column} - CAST(@{keyParameter} AS text))";

    public override string ForUpdate => " FOR UPDATE";

    public override bool SupportsArrayParameters => true;

    public override bool HasSearchTokensColumn => true;

    public override string InList(string column, string parameter) => $"{column} = ANY(@{parameter})";

    public override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction) =>
        connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@key)", new { key = MigrationLockKey }, transaction);

    public override bool IsUniqueViolation(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    public override string Describe() => $"PostgreSQL database {_settings.Database} at {_settings.Host}:{_settings.Port}";

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
