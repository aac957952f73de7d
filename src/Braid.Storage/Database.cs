using System.Data.Common;
using Braid.Storage.Migrations;
using Braid.Storage.Postgres;
using Braid.Storage.Sqlite;

namespace Braid.Storage;

/// <summary>The store Braid runs on: an embedded SQLite file unless a PostgreSQL URL is configured.</summary>
public sealed class Database : IAsyncDisposable
{
    private Database(SqlDialect dialect) => Dialect = dialect;

    public SqlDialect Dialect { get; }

    public static Database Open(string dataDirectory, string? databaseUrl)
    {
        if (!string.IsNullOrWhiteSpace(databaseUrl))
        {
            return new Database(new PostgresDialect(databaseUrl));
        }

        Directory.CreateDirectory(dataDirectory);
        return new Database(new SqliteDialect(Path.Combine(dataDirectory, "braid.db")));
    }

    public ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken = default) =>
        Dialect.OpenAsync(cancellationToken);

    /// <summary>Applies pending schema migrations; returns the schema version now in force.</summary>
    public Task<int> MigrateAsync(CancellationToken cancellationToken = default) =>
        new Migrator(Dialect).ApplyAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Dialect is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }
}
