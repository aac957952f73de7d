using System.Reflection;
using Dapper;

namespace Braid.Storage.Migrations;

/// <summary>
/// Applies the numbered, embedded <c>.sql</c> files of one dialect in order, each in its own transaction,
/// and records them in <c>braid_migrations</c>. Migrations are append-only: a file once released is never
/// edited (a test pins their hashes); change the schema by adding the next number.
/// </summary>
public sealed class Migrator(SqlDialect dialect)
{
    private const string Ledger = """
        CREATE TABLE IF NOT EXISTS braid_migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )
        """;

    public sealed record Migration(int Version, string Name, string Sql);

    /// <summary>The migrations shipped for a dialect, ordered by version.</summary>
    public static IReadOnlyList<Migration> For(string dialectName)
    {
        var assembly = typeof(Migrator).Assembly;
        var prefix = $"{typeof(Migrator).Namespace}.{char.ToUpperInvariant(dialectName[0])}{dialectName[1..]}.";
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(prefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            var name = resource[prefix.Length..^".sql".Length];
            var version = int.Parse(name.AsSpan(0, name.IndexOf('_')), System.Globalization.CultureInfo.InvariantCulture);
            migrations.Add(new Migration(version, name, Read(assembly, resource)));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        return migrations;
    }

    public async Task<int> ApplyAsync(CancellationToken cancellationToken)
    {
        var migrations = For(dialect.Name);
        var latest = migrations.Count == 0 ? 0 : migrations[^1].Version;
        await using var connection = await dialect.OpenAsync(cancellationToken);

        while (true)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await dialect.LockForMigrationAsync(connection, transaction);
            await connection.ExecuteAsync(Ledger, transaction: transaction);
            var current = await connection.ExecuteScalarAsync<int?>(
                "SELECT MAX(version) FROM braid_migrations", transaction: transaction) ?? 0;
            if (current > latest)
            {
                throw new InvalidOperationException(
                    $"The database schema is at version {current}, newer than this Braid build knows ({latest}). Upgrade Braid.");
            }

            var next = migrations.FirstOrDefault(m => m.Version > current);
            if (next is null)
            {
                await transaction.CommitAsync(cancellationToken);
                return current;
            }

            await connection.ExecuteAsync(next.Sql, transaction: transaction);
            await connection.ExecuteAsync(
                "INSERT INTO braid_migrations (version, name, applied_at) VALUES (@Version, @Name, @AppliedAt)",
                new { next.Version, next.Name, AppliedAt = Clock.Format(DateTimeOffset.UtcNow) },
                transaction);
            await transaction.CommitAsync(cancellationToken);
        }
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
