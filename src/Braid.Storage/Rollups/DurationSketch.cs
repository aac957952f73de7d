using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Braid.Storage.Rollups;

/// <summary>
/// Counts of values by logarithmic bucket: bucket k holds (γ^(k−1), γ^k] with γ = 1.02, read back as 2γ^k/(γ+1), which
/// is within 1% of every value in the bucket. So any percentile of the values counted (and of several sketches added
/// together) is known within 1%, from a few hundred counts however many values there were. Negative values are
/// counted by magnitude under "n", values within 1e-9 of zero under "z". Keys are part of the stored rollup layout.
/// </summary>
public sealed class DurationSketch
{
    private const double Gamma = 1.02;
    private const double Zero = 1e-9;
    private static readonly double LogGamma = Math.Log(Gamma);

    private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);

    public long Count { get; private set; }

    public void Add(double value)
    {
        var key = Math.Abs(value) < Zero
            ? "z"
            : (value > 0 ? "p" : "n") + ((int)Math.Ceiling(Math.Log(Math.Abs(value)) / LogGamma)).ToString(CultureInfo.InvariantCulture);
        _counts[key] = _counts.GetValueOrDefault(key) + 1;
        Count++;
    }

    public void Add(DurationSketch other)
    {
        foreach (var (key, count) in other._counts)
        {
            _counts[key] = _counts.GetValueOrDefault(key) + count;
        }

        Count += other.Count;
    }

    /// <summary>
    /// The percentile as PostgreSQL's percentile_cont defines it (between the two values around rank p·(n−1), by
    /// how far the rank is past the first), each value read from its bucket; null when nothing was counted.
    /// </summary>
    public double? Percentile(double fraction)
    {
        if (Count == 0)
        {
            return null;
        }

        var ordered = _counts.Select(p => (Value: Value(p.Key), p.Value)).OrderBy(b => b.Value).ToList();
        var rank = fraction * (Count - 1);
        var low = (long)Math.Floor(rank);
        var lower = At(ordered, low);
        var upper = At(ordered, Math.Min(low + 1, Count - 1));
        return lower + ((rank - low) * (upper - lower));
    }

    public JsonObject ToJson()
    {
        var json = new JsonObject();
        foreach (var (key, count) in _counts.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            json[key] = count;
        }

        return json;
    }

    public static DurationSketch FromJson(JsonElement json)
    {
        var sketch = new DurationSketch();
        foreach (var bucket in json.EnumerateObject())
        {
            var count = bucket.Value.GetInt64();
            sketch._counts[bucket.Name] = count;
            sketch.Count += count;
        }

        return sketch;
    }

    /// <summary>The value at 0-based position <paramref name="index"/> in order.</summary>
    private static double At(List<(double Value, long Count)> ordered, long index)
    {
        foreach (var (value, count) in ordered)
        {
            if (index < count)
            {
                return value;
            }

            index -= count;
        }

        return ordered[^1].Value;
    }

    private static double Value(string key)
    {
        if (key == "z")
        {
            return 0;
        }

        var magnitude = 2 * Math.Pow(Gamma, int.Parse(key.AsSpan(1), CultureInfo.InvariantCulture)) / (Gamma + 1);
        return key[0] == 'p' ? magnitude : -magnitude;
    }
}
