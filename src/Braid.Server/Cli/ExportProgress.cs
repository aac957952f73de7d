using System.Diagnostics;

namespace Braid.Server.Cli;

/// <summary>
/// An export's progress on standard error, never standard output (which may carry the rows): on a terminal a bar
/// redrawn in place a few times a second; otherwise (a file, a pipe, a CI log) a plain line every few seconds.
/// The total is the log's row count when the export started, so rows written meanwhile can take it past 100%.
/// </summary>
internal sealed class ExportProgress(long total, TextWriter error, bool redraw)
{
    private const int BarWidth = 30;
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LineInterval = TimeSpan.FromSeconds(5);

    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly long _interval = Ticks(redraw ? RedrawInterval : LineInterval);
    private long _next = Stopwatch.GetTimestamp() + Ticks(redraw ? RedrawInterval : LineInterval);
    private bool _drawn;

    public long Rows { get; private set; }

    /// <summary>Counts a row; reports when the interval has passed (a clock read per row costs nanoseconds).</summary>
    public void Advance(long bytes)
    {
        Rows++;
        var now = Stopwatch.GetTimestamp();
        if (now < _next)
        {
            return;
        }

        _next = now + _interval;
        var seconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        var rate = Rows / Math.Max(seconds, 0.001);
        var fraction = total == 0 ? 1.0 : Math.Min(1.0, (double)Rows / total);
        var percent = (int)(fraction * 100);
        if (redraw)
        {
            var filled = (int)(fraction * BarWidth);
            error.Write($"\r{percent,3}% [{new string('#', filled)}{new string('-', BarWidth - filled)}] {Rows:N0}/{total:N0} rows  {rate:N0} rows/s  {Size(bytes)}\u001b[K");
            _drawn = true;
        }
        else
        {
            error.WriteLine($"{Rows:N0} of {total:N0} rows ({percent}%), {rate:N0} rows/s, {Size(bytes)}, {seconds:F0} s");
        }
    }

    /// <summary>Erases the bar, if one is drawn, so the next line starts clean.</summary>
    public void Clear()
    {
        if (_drawn)
        {
            error.Write("\r\u001b[K");
            _drawn = false;
        }
    }

    public void Finish(long rows, long bytes, string destination)
    {
        Clear();
        var seconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        error.WriteLine($"Exported {rows:N0} rows, {bytes:N0} bytes ({Size(bytes)}) to {destination} in {seconds:F1} s ({rows / Math.Max(seconds, 0.001):N0} rows/s)");
    }

    private static long Ticks(TimeSpan interval) => (long)(interval.TotalSeconds * Stopwatch.Frequency);

    private static string Size(long bytes) => bytes switch
    {
        < 1L << 10 => $"{bytes} B",
        < 1L << 20 => $"{bytes / 1024.0:F1} KiB",
        < 1L << 30 => $"{bytes / (1024.0 * 1024):F1} MiB",
        _ => $"{bytes / (1024.0 * 1024 * 1024):F1} GiB",
    };
}
