using System.Globalization;

namespace Braid.Storage.Xact;

/// <summary>
/// Transaction ids (<c>_xact_id</c>): 19-digit decimal strings, strictly increasing across the deployment.
/// The value is 10^18 + (unix milliseconds &lt;&lt; 16) + a counter, so ids sort as numbers and as strings,
/// tell roughly when they were written, and stay 19 digits wide until the year 5000.
/// Persisted in rows and cursors: this encoding never changes (a test pins it).
/// </summary>
public static class XactId
{
    private const long Offset = 1_000_000_000_000_000_000;

    /// <summary>The next id after <paramref name="last"/>: time-based, but never behind the last one handed out.</summary>
    public static long Next(long last, DateTimeOffset now) =>
        Math.Max(last + 1, Offset + (now.ToUnixTimeMilliseconds() << 16));

    public static string Format(long xact) => xact.ToString("D19", CultureInfo.InvariantCulture);

    public static bool TryParse(string? text, out long xact)
    {
        xact = 0;
        return text is { Length: > 0 and <= 19 } &&
            long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out xact);
    }

    /// <summary>When an id was handed out (to the millisecond).</summary>
    public static DateTimeOffset Time(long xact) => DateTimeOffset.FromUnixTimeMilliseconds((xact - Offset) >> 16);
}
