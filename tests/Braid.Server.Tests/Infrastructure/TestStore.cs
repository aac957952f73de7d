using Npgsql;

namespace Braid.Server.Tests.Infrastructure;

/// <summary>
/// Which store the suite runs on: <c>BRAID_TEST_STORE=sqlite</c> (default) or <c>postgres</c>, the latter on the
/// server named by <c>BRAID_TEST_POSTGRES</c> (an admin connection string; <c>./test.sh</c> starts one).
/// Each app gets its own fresh database there, so tests never see each other's rows.
/// </summary>
public static class TestStore
{
    public static bool IsPostgres =>
        string.Equals(Environment.GetEnvironmentVariable("BRAID_TEST_STORE"), "postgres", StringComparison.OrdinalIgnoreCase);

    public static string Name => IsPostgres ? "postgres" : "sqlite";

    private static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("BRAID_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "BRAID_TEST_STORE=postgres needs BRAID_TEST_POSTGRES (an admin connection string); ./test.sh provides both.");

    /// <summary>Creates an empty database and returns its connection string, or null on SQLite.</summary>
    public static async Task<string?> CreateDatabaseAsync()
    {
        if (!IsPostgres)
        {
            return null;
        }

        var name = "braid_test_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string? connectionString)
    {
        if (connectionString is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
