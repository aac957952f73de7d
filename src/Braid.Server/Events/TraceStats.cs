using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Storage.Events;

namespace Braid.Server.Events;

/// <summary>Per-trace scores and metrics of one experiment, keyed for matching against another experiment.</summary>
public sealed class TraceStats
{
    private readonly List<Trace> _traces;

    private TraceStats(List<Trace> traces) => _traces = traces;

    private sealed class Trace
    {
        public string? Key;
        public readonly Dictionary<string, (double Sum, int Count)> Scores = [];
        public readonly Dictionary<string, double> Metrics = [];
    }

    /// <summary>Reads every live row and folds it into its trace; <paramref name="comparisonKey"/> is a dotted path on the root span.</summary>
    public static async Task<TraceStats> LoadAsync(EventStore events, EventObject obj, string comparisonKey)
    {
        var keyPath = comparisonKey.Split('.');
        var traces = new Dictionary<string, Trace>();
        await foreach (var stored in events.ReadAllAsync(obj))
        {
            var row = JsonNode.Parse(stored.Data)!.AsObject();
            var rootId = (string?)row[RowFields.RootSpanId] ?? (string)row[RowFields.Id]!;
            if (!traces.TryGetValue(rootId, out var trace))
            {
                traces[rootId] = trace = new Trace();
            }

            if (row["scores"] is JsonObject scores)
            {
                foreach (var (name, value) in scores)
                {
                    if (value?.GetValueKind() == JsonValueKind.Number)
                    {
                        var (sum, count) = trace.Scores.GetValueOrDefault(name);
                        trace.Scores[name] = (sum + value.GetValue<double>(), count + 1);
                    }
                }
            }

            var metrics = row["metrics"] as JsonObject;
            if ((bool?)row[RowFields.IsRoot] ?? true)
            {
                trace.Key = Lookup(row, keyPath)?.ToJsonString();
                if (Number(metrics?["start"]) is { } start && Number(metrics?["end"]) is { } end)
                {
                    trace.Metrics["duration"] = end - start;
                }
            }

            foreach (var (name, value) in metrics ?? [])
            {
                if (name is not ("start" or "end") && Number(value) is { } number)
                {
                    trace.Metrics[name] = trace.Metrics.GetValueOrDefault(name) + number;
                }
            }
        }

        return new TraceStats([.. traces.Values]);
    }

    /// <summary>
    /// The spec's ScoreSummary or MetricSummary map. Against a baseline: <c>diff</c> is the difference of the two
    /// averages, and traces matched on their comparison key count as improvements or regressions (a higher
    /// score is better; a lower metric such as duration, tokens or cost is better).
    /// </summary>
    public JsonObject Summarize(TraceStats? baseline, bool scores)
    {
        var result = new JsonObject();
        var names = _traces.SelectMany(t => scores ? (IEnumerable<string>)t.Scores.Keys : t.Metrics.Keys).Distinct().Order(StringComparer.Ordinal);
        var baselineByKey = baseline?._traces.Where(t => t.Key is not null).GroupBy(t => t.Key!).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var name in names)
        {
            var average = Average(this, name, scores)!.Value;
            var summary = new JsonObject { ["name"] = name, [scores ? "score" : "metric"] = average };
            if (!scores)
            {
                summary["unit"] = Unit(name);
            }

            int improvements = 0, regressions = 0;
            if (baseline is not null && Average(baseline, name, scores) is { } baselineAverage)
            {
                summary["diff"] = average - baselineAverage;
                foreach (var trace in _traces)
                {
                    if (trace.Key is null || !baselineByKey!.TryGetValue(trace.Key, out var matches) ||
                        Value(trace, name, scores) is not { } mine ||
                        matches.Select(m => Value(m, name, scores)).OfType<double>().ToList() is not { Count: > 0 } theirs)
                    {
                        continue;
                    }

                    var delta = (mine - theirs.Average()) * (scores ? 1 : -1);
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

    private static double? Average(TraceStats stats, string name, bool scores)
    {
        var values = stats._traces.Select(t => Value(t, name, scores)).OfType<double>().ToList();
        return values.Count == 0 ? null : values.Average();
    }

    private static double? Value(Trace trace, string name, bool scores) =>
        scores
            ? trace.Scores.TryGetValue(name, out var s) ? s.Sum / s.Count : null
            : trace.Metrics.TryGetValue(name, out var m) ? m : null;

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
