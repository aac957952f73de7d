using System.Buffers;
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
/// row instead of every span.
/// </summary>
public sealed class TraceStats
{
    /// <summary>The kept form's layout; one in another layout (a newer Braid's) is computed again rather than read.</summary>
    private const int Layout = 1;

    private readonly List<Trace> _traces;

    private TraceStats(List<Trace> traces) => _traces = traces;

    private sealed class Trace
    {
        /// <summary>The root span's comparison value, hashed (<see cref="KeyOf"/>): only equality is ever asked of it.</summary>
        public string? Key;
        public readonly Dictionary<string, (double Sum, int Count)> Scores = [];
        public readonly Dictionary<string, double> Metrics = [];
    }

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
                trace.Key = KeyOf(Lookup(row, keyPath));
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
    /// A comparison value as the first 16 bytes of the SHA-256 of its JSON: inputs can be long prompts, and kept per
    /// trace they would make the summary as large as the experiment.
    /// </summary>
    private static string? KeyOf(JsonNode? value) =>
        value is null ? null : Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(value.ToJsonString()))[..16]);

    /// <summary>
    /// The kept form: <c>{"v":1,"scores":[names],"metrics":[names],"traces":[[key,[[sum,count]|null...],[value|null...]]]}</c>,
    /// each trace's lists aligned with the names.
    /// </summary>
    public string ToJson()
    {
        var scoreNames = _traces.SelectMany(t => t.Scores.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var metricNames = _traces.SelectMany(t => t.Metrics.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("v", Layout);
            WriteNames(json, "scores", scoreNames);
            WriteNames(json, "metrics", metricNames);
            json.WriteStartArray("traces");
            foreach (var trace in _traces)
            {
                json.WriteStartArray();
                json.WriteStringValue(trace.Key);
                json.WriteStartArray();
                foreach (var name in scoreNames)
                {
                    if (trace.Scores.TryGetValue(name, out var score))
                    {
                        json.WriteStartArray();
                        json.WriteNumberValue(score.Sum);
                        json.WriteNumberValue(score.Count);
                        json.WriteEndArray();
                    }
                    else
                    {
                        json.WriteNullValue();
                    }
                }

                json.WriteEndArray();
                json.WriteStartArray();
                foreach (var name in metricNames)
                {
                    if (trace.Metrics.TryGetValue(name, out var metric))
                    {
                        json.WriteNumberValue(metric);
                    }
                    else
                    {
                        json.WriteNullValue();
                    }
                }

                json.WriteEndArray();
                json.WriteEndArray();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Stats from their kept form, or null for a layout other than <see cref="Layout"/>.</summary>
    public static TraceStats? FromJson(string text)
    {
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        if (!root.TryGetProperty("v", out var v) || v.ValueKind != JsonValueKind.Number || v.GetInt32() != Layout)
        {
            return null;
        }

        var scoreNames = root.GetProperty("scores").EnumerateArray().Select(n => n.GetString()!).ToList();
        var metricNames = root.GetProperty("metrics").EnumerateArray().Select(n => n.GetString()!).ToList();
        var traces = new List<Trace>();
        foreach (var stored in root.GetProperty("traces").EnumerateArray())
        {
            var trace = new Trace { Key = stored[0].GetString() };
            var scores = stored[1];
            for (var i = 0; i < scoreNames.Count; i++)
            {
                if (scores[i] is { ValueKind: JsonValueKind.Array } score)
                {
                    trace.Scores[scoreNames[i]] = (score[0].GetDouble(), score[1].GetInt32());
                }
            }

            var metrics = stored[2];
            for (var i = 0; i < metricNames.Count; i++)
            {
                if (metrics[i] is { ValueKind: JsonValueKind.Number } metric)
                {
                    trace.Metrics[metricNames[i]] = metric.GetDouble();
                }
            }

            traces.Add(trace);
        }

        return new TraceStats(traces);
    }

    private static void WriteNames(Utf8JsonWriter json, string property, List<string> names)
    {
        json.WriteStartArray(property);
        foreach (var name in names)
        {
            json.WriteStringValue(name);
        }

        json.WriteEndArray();
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
