namespace Braid.Server.Http;

/// <summary>Control-plane ids are UUIDs, compared in their lower-case hyphenated form.</summary>
public static class Ids
{
    public static bool TryNormalize(string? value, out string id)
    {
        if (value is not null && Guid.TryParseExact(value, "D", out var guid))
        {
            id = guid.ToString();
            return true;
        }

        id = "";
        return false;
    }

    public static string Normalize(string value) =>
        TryNormalize(value, out var id) ? id : throw new ArgumentException($"'{value}' is not a UUID", nameof(value));

    /// <summary>A path id, or a 404-free 400 naming the parameter when it is not a UUID.</summary>
    public static string FromPath(string value, string parameter) =>
        TryNormalize(value, out var id) ? id : throw ApiException.BadRequest($"{parameter}: '{value}' is not a valid UUID");

    public static string New() => Guid.CreateVersion7().ToString();
}
