using System.Text;
using Braid.Server.Tests.Infrastructure;
using Braid.Storage;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Braid.Server.Tests.Secrets;

/// <summary>
/// Looks for a value anywhere a server keeps state: on SQLite every byte of every file under the data directory
/// (the database, its -wal and -shm, blobs); on PostgreSQL every row of every table, as text (json, jsonb and
/// text columns as written, bytea as hex).
/// </summary>
public static class StoreScan
{
    /// <summary>An object's document as stored, deleted or not.</summary>
    public static async Task<string> StoredDocumentAsync(BraidApp app, string id)
    {
        await using var connection = await app.Services.GetRequiredService<Database>().OpenAsync();
        return await connection.ExecuteScalarAsync<string>("SELECT data FROM objects WHERE id = @id", new { id }) ?? "";
    }

    public static async Task<bool> ContainsAsync(BraidApp app, string value) =>
        TestStore.IsPostgres ? await PostgresContainsAsync(app.DatabaseUrl!, value) : FilesContain(app.DataDirectory, value);

    private static bool FilesContain(string directory, string value)
    {
        var needle = Encoding.UTF8.GetBytes(value);
        foreach (var path in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            // The server has the database open: share it for reading while it writes.
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            file.CopyTo(copy);
            if (copy.GetBuffer().AsSpan(0, (int)copy.Length).IndexOf(needle) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    private static async Task<bool> PostgresContainsAsync(string connectionString, string value)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(
            """
            SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables
            WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
            """,
            connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        Assert.NotEmpty(tables);
        var hex = Convert.ToHexStringLower(Encoding.UTF8.GetBytes(value));
        foreach (var table in tables)
        {
            // Table names come from the catalog, quoted by quote_ident; the searched value is a parameter.
            await using var search = new NpgsqlCommand(
                $"SELECT EXISTS (SELECT 1 FROM {table} t WHERE strpos(t::text, @value) > 0 OR strpos(t::text, @hex) > 0)", connection);
            search.Parameters.AddWithValue("value", value);
            search.Parameters.AddWithValue("hex", hex);
            if ((bool)(await search.ExecuteScalarAsync())!)
            {
                return true;
            }
        }

        return false;
    }
}
