using Npgsql;

namespace Braid.Storage.Postgres;

/// <summary>Accepts both <c>postgres://user:pass@host:port/db?sslmode=..</c> URLs and Npgsql connection strings.</summary>
public static class PostgresUrl
{
    public static string ToConnectionString(string value)
    {
        if (!value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) &&
            !value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return new NpgsqlConnectionStringBuilder(value).ConnectionString;
        }

        var uri = new Uri(value);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
        };
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                builder.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]);
            var val = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
            // libpq spells it sslmode; Npgsql accepts "SSL Mode" and most other libpq keywords as they are.
            builder[key.Equals("sslmode", StringComparison.OrdinalIgnoreCase) ? "SSL Mode" : key] = val;
        }

        if (string.IsNullOrEmpty(builder.Database))
        {
            builder.Database = "postgres";
        }

        return builder.ConnectionString;
    }
}
