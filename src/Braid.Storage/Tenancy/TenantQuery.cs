using System.Globalization;
using System.Text;

namespace Braid.Storage.Tenancy;

/// <summary>
/// One page of a tenancy list (organizations, members, keys) with its optional filters. Lists run newest first by id:
/// ids are UUIDv7, so id order is creation order, and a cursor is just an id (it outlives what it names).
/// </summary>
public sealed record TenantQuery
{
    public int? Limit { get; init; }
    public string? StartingAfter { get; init; }
    public string? EndingBefore { get; init; }
    public string[]? Ids { get; init; }

    /// <summary>The organization's or the key's name.</summary>
    public string? Name { get; init; }

    public string[]? Emails { get; init; }
    public string[]? GivenNames { get; init; }
    public string[]? FamilyNames { get; init; }

    /// <summary>Appends the id filter, the cursor, the order and the limit to a statement ending in a WHERE clause.</summary>
    internal bool AppendPage(StringBuilder sql, SqlDialect dialect, string idColumn)
    {
        if (Ids is not null)
        {
            sql.Append(" AND ").Append(dialect.InList(idColumn, nameof(Ids)));
        }

        if (StartingAfter is not null)
        {
            sql.Append(" AND ").Append(idColumn).Append(" < @StartingAfter");
        }

        var backwards = EndingBefore is not null;
        sql.Append(backwards ? $" AND {idColumn} > @EndingBefore ORDER BY {idColumn} ASC" : $" ORDER BY {idColumn} DESC");
        if (Limit is { } limit)
        {
            sql.Append(" LIMIT ").Append(limit.ToString(CultureInfo.InvariantCulture));
        }

        return backwards;
    }

    /// <summary>Rows of a backwards page come oldest first from the store; lists show them newest first.</summary>
    internal static IReadOnlyList<T> InListOrder<T>(IEnumerable<T> rows, bool backwards) =>
        backwards ? [.. rows.Reverse()] : [.. rows];
}
