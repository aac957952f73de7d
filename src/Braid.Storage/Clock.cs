using System.Globalization;

namespace Braid.Storage;

/// <summary>The one timestamp format Braid stores and returns: ISO-8601 UTC with milliseconds.</summary>
public static class Clock
{
    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
