using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Storage.Events;
using Braid.Storage.Summaries;

namespace Braid.Server.Events;

/// <summary>
/// Per-trace scores and metrics of one experiment, keyed for matching against another experiment. They are kept
/// (<see cref="TraceSummaryStore"/>) once computed, so summarizing an experiment nobody has written to since reads one
/// row instead of every span. Held by column (one array per score or metric, indexed by trace): that is also the kept
/// form, which reads back as a few flat arrays rather than an object per trace.
/// </summary>
public sealed class TraceStats
{
    /// <summary>The kept form's layout; one in another layout (a newer Braid's) is computed again rather than read.</summary>
    private const int Layout = 1;

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly Columns _columns;

    private TraceStats(Columns columns) => _columns = columns;

    /// <summary>
    /// The kept form: <c>{"v":1,"keys":[...],"scores":{"name":{"sum":[...],"count":[...]}},"metrics":{"name":[...]}}</c>,
    /// every array indexed by trace. A key is the root span's comparison value hashed (<see cref="KeyOf"/>); a score
    /// is summed over the trace's spans (count 0: the trace has none); a metric is null where the trace has none.
    /// </summary>
    private sealed record Columns(int V, string?[] Keys, Dictionary<string, ScoreColumn> Scores, Dictionary<string, double?[]> Metrics);

    private sealed record ScoreColumn(double[] Sum, int[] Count);

    /// <summary>
    /// The experiment's stats: the kept ones when no row changed since they were computed with the same comparison key,
    /// else computed from every live row and kept.
    /// </summary>
    public static async Task<TraceStats> LoadAsync(EventStore events, TraceSummaryStore kept, EventObject obj, string comparisonKey,
        CancellationToken cancellationToken = default)
    {
        // The token is read first: rows written while they are read make the kept stats' token out of date, never ahead.
        var (token, summary) = await kept.ReadAsync(obj, comparisonKey, cancellationToken);
        if (summary is not null && FromJson(summary) is { } known)
        {
            return known;
        }

        var stats = await ComputeAsync(events, obj, comparisonKey);
        await kept.WriteAsync(obj, token, comparisonKey, stats.ToJson(), cancellationToken);
        return stats;
    }

    /// <summary>Reads every live row and folds it into its trace; <paramref name="comparisonKey"/> is a dotted path on the root span.</summary>
    private static async Task<TraceStats> ComputeAsync(EventStore events, EventObject obj, string comparisonKey)
    {
        var keyPath = comparisonKey.Split('.');
        var traceOf = new Dictionary<string, int>();
        var keys = new List<string?>();
        var scores = new Dictionary<string, (List<double> Sum, List<int> Count)>();
        var metrics = new Dictionary<string, List<double?>>();
        await foreach (var stored in events.ReadAllAsync(obj))
        {
            var row = JsonNode.Parse(stored.Data)!.AsObject();
            var rootId = (string?)row[RowFields.RootSpanId] ?? (string)row[RowFields.Id]!;
            if (!traceOf.TryGetValue(rootId, out var trace))
            {
                traceOf[rootId] = trace = keys.Count;
                keys.Add(null);
            }

            if (row["scores"] is JsonObject scored)
            {
                foreach (var (name, value) in scored)
                {
                    if (value?.GetValueKind() == JsonValueKind.Number)
                    {
                        var column = scores.TryGetValue(name, out var c) ? c : scores[name] = ([], []);
                        Pad(column.Sum, trace + 1, 0);
                        Pad(column.Count, trace + 1, 0);
                        column.Sum[trace] += value.GetValue<double>();
                        column.Count[trace]++;
                    }
                }
            }

            var measured = row["metrics"] as JsonObject;
            if ((bool?)row[RowFields.IsRoot] ?? true)
            {
                keys[trace] = KeyOf(Lookup(row, keyPath));
                if (Number(measured?["start"]) is { } start && Number(measured?["end"]) is { } end)
                {
                    Metric(metrics, "duration", trace)[trace] = end - start;
                }
            }

            foreach (var (name, value) in measured ?? [])
            {
                if (name is not ("start" or "end") && Number(value) is { } number)
                {
                    var column = Metric(metrics, name, trace);
                    column[trace] = (column[trace] ?? 0) + number;
                }
            }
        }

        var traces = keys.Count;
        return new TraceStats(new Columns(Layout, [.. keys],
            scores.ToDictionary(s => s.Key, s => new ScoreColumn([.. Padded(s.Value.Sum, traces, 0)], [.. Padded(s.Value.Count, traces, 0)])),
            metrics.ToDictionary(m => m.Key, m => (double?[])[.. Padded(m.Value, traces, null)])));
    }

    private static List<double?> Metric(Dictionary<string, List<double?>> metrics, string name, int trace)
    {
        var column = metrics.TryGetValue(name, out var c) ? c : metrics[name] = [];
        Pad(column, trace + 1, null);
        return column;
    }

    private static void Pad<T>(List<T> column, int length, T empty)
    {
        while (column.Count < length)
        {
            column.Add(empty);
        }
    }

    private static List<T> Padded<T>(List<T> column, int length, T empty)
    {
        Pad(column, length, empty);
        return column;
    }

    /// <summary>
    /// A comparison value as the first 16 bytes of the SHA-256 of its JSON: inputs can be long prompts, and kept per
    /// trace they would make the summary as large as the experiment.
    /// </summary>
    private static string? KeyOf(JsonNode? value) =>
        value is null ? null : Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(value.ToJsonString()))[..16]);

    /// <summary>The kept form (see <see cref="Columns"/>).</summary>
    public string ToJson() => JsonSerializer.Serialize(_columns, Json);

    /// <summary>Stats from their kept form, or null for a layout other than <see cref="Layout"/>.</summary>
    public static TraceStats? FromJson(string text)
    {
        Columns? columns;
        try
        {
            columns = JsonSerializer.Deserialize<Columns>(text, Json);
        }
        catch (JsonException)
        {
            return null; // a newer layout need not have this one's shape
        }

        var traces = columns?.Keys?.Length ?? -1;
        return columns is { V: Layout, Scores: not null, Metrics: not null }
            && columns.Scores.Values.All(s => s.Sum?.Length == traces && s.Count?.Length == traces)
            && columns.Metrics.Values.All(m => m?.Length == traces)
            ? new TraceStats(columns)
            : null;
    }

    /// <summary>
    /// The spec's ScoreSummary or MetricSummary map. Against a baseline: <c>diff</c> is the difference of the two
    /// averages, and traces matched on their comparison key count as improvements or regressions (a higher
    /// score is better; a lower metric such as duration, tokens or cost is better).
    /// </summary>
    public JsonObject Summarize(TraceStats? baseline, bool scores)
    {
        var result = new JsonObject();
        var names = (scores ? _columns.Scores.Keys : (IEnumerable<string>)_columns.Metrics.Keys).Order(StringComparer.Ordinal);
        var baselineByKey = baseline?._columns.Keys.Select((key, trace) => (key, trace)).Where(k => k.key is not null)
            .GroupBy(k => k.key!).ToDictionary(g => g.Key, g => g.Select(k => k.trace).ToList());
        foreach (var name in names)
        {
            var mine = Values(this, name, scores)!;
            var average = Average(mine)!.Value;
            var summary = new JsonObject { ["name"] = name, [scores ? "score" : "metric"] = average };
            if (!scores)
            {
                summary["unit"] = Unit(name);
            }

            int improvements = 0, regressions = 0;
            if (Values(baseline, name, scores) is { } theirs && Average(theirs) is { } baselineAverage)
            {
                summary["diff"] = average - baselineAverage;
                for (var trace = 0; trace < mine.Length; trace++)
                {
                    if (_columns.Keys[trace] is not { } key || mine[trace] is not { } value || !baselineByKey!.TryGetValue(key, out var matches) ||
                        Average(matches, theirs) is not { } matched)
                    {
                        continue;
                    }

                    var delta = (value - matched) * (scores ? 1 : -1);
                    improvements += delta > 0 ? 1 : 0;
                    regressions += delta < 0 ? 1 : 0;
                }
            }

            summary["improvements"] = improvements;
            summary["regressions"] = regressions;
            result[name] = summary;
        }

        return result;
    }

    /// <summary>Each trace's value of the score (its spans' average) or metric, null where it has none; null when no trace has one.</summary>
    private static double?[]? Values(TraceStats? stats, string name, bool scores)
    {
        if (stats is null)
        {
            return null;
        }

        if (!scores)
        {
            return stats._columns.Metrics.GetValueOrDefault(name);
        }

        return stats._columns.Scores.TryGetValue(name, out var column)
            ? [.. column.Sum.Zip(column.Count, (sum, count) => count > 0 ? sum / count : (double?)null)]
            : null;
    }

    private static double? Average(double?[] values) => Average(Enumerable.Range(0, values.Length), values);

    /// <summary>The average of the values at <paramref name="traces"/>, leaving out nulls; null when all are.</summary>
    private static double? Average(IEnumerable<int> traces, double?[] values)
    {
        double sum = 0;
        var count = 0;
        foreach (var trace in traces)
        {
            if (values[trace] is { } v)
            {
                sum += v;
                count++;
            }
        }

        return count == 0 ? null : sum / count;
    }

    private static string Unit(string metric) => metric switch
    {
        "duration" or "llm_duration" or "time_to_first_token" => "s",
        _ when metric.Contains("tokens", StringComparison.Ordinal) => "tok",
        _ when metric.Contains("cost", StringComparison.Ordinal) => "$",
        _ => "",
    };

    private static JsonNode? Lookup(JsonObject row, string[] path)
    {
        JsonNode? node = row;
        foreach (var key in path)
        {
            node = node is JsonObject o ? o[key] : null;
        }

        return node;
    }

    private static double? Number(JsonNode? node) =>
        node?.GetValueKind() == JsonValueKind.Number ? node.GetValue<double>() : null;
}
