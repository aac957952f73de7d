using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Braid.Storage;

/// <summary>The one timestamp format Braid stores and returns: ISO-8601 UTC with milliseconds.</summary>
public static class Clock
{
    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// A row's <c>created</c> as <c>event_current.created</c> holds it, so that sorting and comparing the column as
    /// text orders instants: a date-time in <see cref="Format"/>'s form (offsets folded to UTC), any other string as
    /// given, and null when <c>created</c> is missing or not a string. The row's own JSON keeps what the client sent.
    /// </summary>
    public static string? NormalizeCreated(JsonNode? created)
    {
        if (created is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
        {
            return null;
        }

        var text = value.GetValue<string>();
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? Format(time)
            : text;
    }
}
