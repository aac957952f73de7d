using System.Text.Json;
using System.Text.Json.Nodes;

namespace Braid.Storage.Rollups;

/// <summary>Sum, count, min and max of one numeric field over some spans; the count is of spans where it is a number.</summary>
public sealed record RollupStat(double Sum, long Count, double Min, double Max)
{
    public static RollupStat Of(double value) => new(value, 1, value, value);

    public RollupStat Plus(RollupStat other) =>
        new(Sum + other.Sum, Count + other.Count, Math.Min(Min, other.Min), Math.Max(Max, other.Max));
}

/// <summary>
/// What an hour of a log holds, per root-or-not: its spans, and per numeric field (<c>metrics.x</c>, <c>scores.x</c>,
/// and <c>duration</c> = metrics.end − metrics.start) a <see cref="RollupStat"/>. Only JSON numbers count, as an
/// aggregate over the raw rows counts them. Stored as JSON with a version, so a newer layout is never misread.
/// </summary>
public sealed class RollupMeasures
{
    /// <summary>The stored layout's version ("v"); bumped, with a rebuild of every rollup, whenever it changes.</summary>
    public const int Version = 1;

    /// <summary>The field a rollup keeps for a trace's or span's duration.</summary>
    public const string Duration = "duration";

    public long Spans { get; private set; }

    public Dictionary<string, RollupStat> Stats { get; } = new(StringComparer.Ordinal);

    /// <summary>Durations by <see cref="DurationSketch"/> bucket, for percentiles within 1%.</summary>
    public DurationSketch Durations { get; private set; } = new();

    /// <summary>Counts one live span (its stored row).</summary>
    public void Add(JsonObject row)
    {
        Spans++;
        foreach (var group in new[] { "metrics", "scores" })
        {
            if (row[group] is not JsonObject values)
            {
                continue;
            }

            foreach (var (name, value) in values)
            {
                if (Number(value) is { } number)
                {
                    AddStat($"{group}.{name}", RollupStat.Of(number));
                }
            }
        }

        if (row["metrics"] is JsonObject metrics && Number(metrics["start"]) is { } start && Number(metrics["end"]) is { } end)
        {
            AddStat(Duration, RollupStat.Of(end - start));
            Durations.Add(end - start);
        }
    }

    public void Add(RollupMeasures other)
    {
        Spans += other.Spans;
        foreach (var (name, stat) in other.Stats)
        {
            AddStat(name, stat);
        }

        Durations.Add(other.Durations);
    }

    public RollupStat? Stat(string name) => Stats.GetValueOrDefault(name);

    public string ToJson()
    {
        var stats = new JsonObject();
        foreach (var (name, s) in Stats.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            stats[name] = new JsonArray(s.Sum, s.Count, s.Min, s.Max);
        }

        return new JsonObject { ["v"] = Version, ["stats"] = stats, ["durations"] = Durations.ToJson() }.ToJsonString();
    }

    /// <summary>
    /// The stored form back; null for a layout this version does not know (the hour is then counted again). Without
    /// <paramref name="withDurations"/> the duration sketch is skipped, which is most of the text: a chart reads a
    /// month of hours at once.
    /// </summary>
    public static RollupMeasures? FromJson(long spans, string json, bool withDurations = true)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (!root.TryGetProperty("v", out var version) || version.GetInt32() != Version)
        {
            return null;
        }

        var measures = new RollupMeasures { Spans = spans };
        foreach (var stat in root.GetProperty("stats").EnumerateObject())
        {
            var a = stat.Value;
            measures.Stats[stat.Name] = new RollupStat(a[0].GetDouble(), a[1].GetInt64(), a[2].GetDouble(), a[3].GetDouble());
        }

        if (withDurations)
        {
            if (DurationSketch.FromJson(root.GetProperty("durations")) is not { } durations)
            {
                return null;
            }

            measures.Durations = durations;
        }

        return measures;
    }

    private void AddStat(string name, RollupStat stat) =>
        Stats[name] = Stats.TryGetValue(name, out var current) ? current.Plus(stat) : stat;

    private static double? Number(JsonNode? value) =>
        value is JsonValue v && v.GetValueKind() == JsonValueKind.Number && double.IsFinite(v.GetValue<double>()) ? v.GetValue<double>() : null;
}
