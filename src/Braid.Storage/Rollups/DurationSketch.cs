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

    /// <summary>
    /// A bucket: its sign ('p' positive, 'n' negative, 'z' zero) and index. Held as a struct, not as its stored name, so
    /// reading and merging a month of hourly sketches hashes two small values per bucket rather than a string.
    /// </summary>
    private readonly record struct Bucket(char Sign, int Index)
    {
        public static Bucket Of(double value) => Math.Abs(value) < Zero
            ? new('z', 0)
            : new(value > 0 ? 'p' : 'n', (int)Math.Ceiling(Math.Log(Math.Abs(value)) / LogGamma));

        /// <summary>The stored name ("p47", "n3", "z"), or null for a name this layout does not have.</summary>
        public static Bucket? Parse(ReadOnlySpan<char> name) =>
            name is "z" ? new('z', 0)
            : name.Length > 1 && name[0] is 'p' or 'n' && int.TryParse(name[1..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var index)
                ? new(name[0], index)
                : null;

        public string Name => Sign == 'z' ? "z" : Sign + Index.ToString(CultureInfo.InvariantCulture);

        /// <summary>The value the bucket stands for: within 1% of every value in it.</summary>
        public double Value
        {
            get
            {
                if (Sign == 'z')
                {
                    return 0;
                }

                var magnitude = 2 * Math.Pow(Gamma, Index) / (Gamma + 1);
                return Sign == 'p' ? magnitude : -magnitude;
            }
        }
    }

    private readonly Dictionary<Bucket, long> _counts = [];

    public long Count { get; private set; }

    public void Add(double value)
    {
        var bucket = Bucket.Of(value);
        _counts[bucket] = _counts.GetValueOrDefault(bucket) + 1;
        Count++;
    }

    public void Add(DurationSketch other)
    {
        foreach (var (bucket, count) in other._counts)
        {
            _counts[bucket] = _counts.GetValueOrDefault(bucket) + count;
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

        var ordered = _counts.Select(p => (p.Key.Value, p.Value)).OrderBy(b => b.Item1).ToList();
        var rank = fraction * (Count - 1);
        var low = (long)Math.Floor(rank);
        var lower = At(ordered, low);
        var upper = At(ordered, Math.Min(low + 1, Count - 1));
        return lower + ((rank - low) * (upper - lower));
    }

    public JsonObject ToJson()
    {
        var json = new JsonObject();
        foreach (var (name, count) in _counts.Select(p => (p.Key.Name, p.Value)).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            json[name] = count;
        }

        return json;
    }

    /// <summary>The stored form back; null when a bucket's name is not one this layout writes.</summary>
    public static DurationSketch? FromJson(JsonElement json)
    {
        var sketch = new DurationSketch();
        foreach (var stored in json.EnumerateObject())
        {
            if (Bucket.Parse(stored.Name) is not { } bucket)
            {
                return null;
            }

            var count = stored.Value.GetInt64();
            sketch._counts[bucket] = count;
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
}
