using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Braid.Storage.Sqlite;

/// <summary>The embedded default: one WAL-mode SQLite file under the data directory.</summary>
public sealed class SqliteDialect : SqlDialect
{
    private readonly string _connectionString;

    public SqliteDialect(string databaseFile)
    {
        DatabaseFile = Path.GetFullPath(databaseFile);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabaseFile,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            // Seconds a statement waits on a locked database before failing (writers queue up).
            DefaultTimeout = 30,
        }.ToString();
    }

    public string DatabaseFile { get; }

    public override string Name => "sqlite";

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // synchronous=FULL: a 200 means the write survived even a power cut, not just a crash.
        // temp_store=MEMORY: savepoint sub-journals stay in memory instead of a temporary file per write.
        await connection.ExecuteAsync("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;");
        return connection;
    }

    public override string JsonParameter(string name) => "@" + name;

    public override string ForUpdate => "";

    public override string InList(string column, string parameter) => $"{column} IN @{parameter}";

    // SQLite takes the write lock for the whole transaction (BEGIN IMMEDIATE), which already serializes migrators.
    public override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction) => Task.CompletedTask;

    public override bool IsUniqueViolation(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: 19 };

    public override string Describe() => $"SQLite file {DatabaseFile}";
}
