using System.Globalization;
using System.Text.Json.Nodes;
using Braid.Query.Planning;
using Braid.Query.Syntax;
using Braid.Storage;
using Braid.Storage.Events;
using Braid.Storage.Rollups;

namespace Braid.Server.Query.Rollups;

/// <summary>
/// Answers, from a log's hourly rollups, the grouped queries charts ask: one log, one dimension <c>hour(created)</c>
/// or <c>day(created)</c> (and, with <c>unpivot: scores as (name, value)</c>, the member name), measures
/// <c>count(1)</c> and <c>sum/avg/min/max</c> of a metric, a score or <c>metrics.end - metrics.start</c>, and
/// <c>approx_percentile</c> of that duration, filtered by nothing but <c>is_root</c> and whole-hour bounds on
/// <c>created</c>. The answer is the one the query would give over the raw rows (same names, buckets and values;
/// approx_percentile within the 1% it promises), read from hundreds of rows instead of millions. Any other query, or
/// any detail outside that set (an alias missing, an exact percentile, a bound mid-hour, a time zone off the hour,
/// more rows than the limit), is left to the compiled SQL.
/// </summary>
public sealed class RollupQueries(LogRollupStore store)
{
    private static readonly FieldPath Created = Field("created");

    private sealed record Measure(string Name, string Function, string? Stat, double Fraction = 0);

    /// <summary>
    /// With <see cref="Unpivoted"/> ("scores" or "metrics"), one output row per bucket and member name of that object,
    /// named in <see cref="NameColumn"/>, and the measures read that member's stat.
    /// </summary>
    private sealed record Plan(EventObject Log, string Unit, string Dimension, List<Measure> Measures, bool RootsOnly,
        DateTimeOffset? From, DateTimeOffset? To, long Limit, int TzOffsetMinutes)
    {
        public string? Unpivoted { get; init; }

        public string NameColumn { get; init; } = "";

        public bool NameFirst { get; init; }
    }

    /// <summary>The rows of the answer as JSON text, or null when rollups cannot answer this query exactly.</summary>
    public async Task<List<string>?> TryAnswerAsync(ParsedQuery query, QuerySource source, QueryOptions options, CancellationToken cancellationToken)
    {
        if (Match(query, source, options) is not { } plan)
        {
            return null;
        }

        await store.RefreshAsync(plan.Log, cancellationToken);
        var fromHour = plan.From is { } from ? LogRollupStore.HourOf(from) : "0000";
        var toHour = plan.To is { } to ? LogRollupStore.HourOf(to) : "9999";
        var buckets = new SortedDictionary<DateTimeOffset, RollupMeasures>();
        var withDurations = plan.Measures.Any(m => m.Function == "approx_percentile");
        foreach (var row in await store.ReadAsync(plan.Log, fromHour, toHour, withDurations, cancellationToken))
        {
            if (row.Hour == LogRollupStore.InvalidHour)
            {
                return null; // spans whose created is no timestamp: only the raw rows know where they fall
            }

            if (plan.RootsOnly && !row.IsRoot)
            {
                continue;
            }

            if (row.Measures is null)
            {
                return null; // written by a newer Braid: the raw rows still answer
            }

            var hour = LogRollupStore.HourStart(row.Hour);
            var bucket = plan.Unit == "hour" ? hour : DayOf(hour, plan.TzOffsetMinutes);
            if (!buckets.TryGetValue(bucket, out var measures))
            {
                buckets[bucket] = measures = new RollupMeasures();
            }

            measures.Add(row.Measures);
        }

        var rows = plan.Unpivoted is { } group
            ? buckets.SelectMany(b => b.Value.Stats.Keys.Where(k => k.StartsWith(group + ".", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal).Select(k => Row(plan, b.Key, b.Value, k[(group.Length + 1)..])))
            : buckets.Select(b => Row(plan, b.Key, b.Value, null));
        var answer = rows.Take(checked((int)Math.Min(plan.Limit + 1, int.MaxValue))).ToList();
        // More rows than the limit is a page and a cursor: the compiled query's job.
        return answer.Count > plan.Limit ? null : answer;
    }

    private static string Row(Plan plan, DateTimeOffset bucket, RollupMeasures measures, string? member)
    {
        var row = new JsonObject();
        if (member is not null && plan.NameFirst)
        {
            row[plan.NameColumn] = member;
        }

        row[plan.Dimension] = Clock.Format(bucket);
        if (member is not null && !plan.NameFirst)
        {
            row[plan.NameColumn] = member;
        }

        foreach (var measure in plan.Measures)
        {
            // Unpivoted, every measure reads the member's values: count(1) counts them.
            var statName = member is not null ? $"{plan.Unpivoted}.{member}" : measure.Stat;
            var stat = statName is null ? null : measures.Stat(statName);
            row[measure.Name] = measure.Function switch
            {
                "count" when member is not null => stat?.Count ?? 0,
                "count" => measures.Spans,
                _ when stat is null || stat.Count == 0 => null,
                "sum" => stat.Sum,
                "avg" => stat.Sum / stat.Count,
                "min" => stat.Min,
                // Within the exact extremes: one trace of 500 ms reads 500 ms, not its bucket's 495 ms.
                "approx_percentile" => Math.Clamp(measures.Durations.Percentile(measure.Fraction) ?? stat.Min, stat.Min, stat.Max),
                _ => stat.Max,
            };
        }

        return row.ToJsonString();
    }

    /// <summary>The local midnight (by the query's tz_offset, minutes behind UTC) the hour falls in, as the engine buckets days.</summary>
    private static DateTimeOffset DayOf(DateTimeOffset hour, int tzOffsetMinutes)
    {
        var shift = -60L * tzOffsetMinutes;
        var seconds = hour.ToUnixTimeSeconds() + shift;
        return DateTimeOffset.FromUnixTimeSeconds((long)Math.Floor(seconds / 86400.0) * 86400 - shift);
    }

    private static Plan? Match(ParsedQuery query, QuerySource source, QueryOptions options)
    {
        if (source is not { ObjectType: "project_logs", Objects: [var log] } || source.OrgWide
            || options.Version is not null || options.AuditLog || options.TzOffsetMinutes % 60 != 0
            || query.From.Shape is not (null or QueryShape.Spans) || query.Select.Count > 0 || query.Having is not null
            || query.Cursor is not null || query.SamplePercent is not null || query.SampleCount is not null
            || query.Measures.Count == 0)
        {
            return null;
        }

        // Unpivoted scores or metrics: a second dimension, the member's name, and measures over its value.
        var unpivot = query.Unpivot;
        string? group = null;
        var nameColumn = "";
        var nameFirst = false;
        var timeDimensions = query.Dimensions;
        if (unpivot is not null)
        {
            if (unpivot.Field is not { Segments: [NameSegment { Name: "scores" or "metrics" } field] } || query.Dimensions.Count != 2
                || query.Sort.Count > 0)
            {
                return null;
            }

            var nameIndex = query.Dimensions.ToList().FindIndex(d => d.Expression == Field(unpivot.NameAlias));
            if (nameIndex < 0)
            {
                return null;
            }

            group = field.Name;
            nameColumn = query.Dimensions[nameIndex].Alias ?? unpivot.NameAlias;
            nameFirst = nameIndex == 0;
            timeDimensions = query.Dimensions.Where((_, i) => i != nameIndex).ToEquatableList();
        }

        if (timeDimensions is not [{ Alias: { } dimension, Expression: FunctionCall { Name: "hour" or "day" } unit }]
            || unit.Arguments is not [var argument] || argument != Created
            || query.Sort.Any(s => s.Direction != SortDirection.Ascending || s.Expression != Field(dimension)))
        {
            return null;
        }

        var measures = new List<Measure>();
        foreach (var item in query.Measures)
        {
            var measure = item is { Alias: not null, Expression: FunctionCall call }
                ? unpivot is null ? Measured(call) : MeasuredValue(call, unpivot.ValueAlias)
                : null;
            if (measure is null)
            {
                return null;
            }

            measures.Add(measure with { Name = item.Alias! });
        }

        var names = measures.Select(m => m.Name).Append(dimension).Append(nameColumn).Where(n => n.Length > 0).ToList();
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
        {
            return null;
        }

        var plan = new Plan(new EventObject(EventObjectType.ProjectLogs, log.Id), unit.Name, dimension, measures, false, null, null,
            query.Limit ?? QueryCompiler.DefaultLimit, options.TzOffsetMinutes)
        {
            Unpivoted = group,
            NameColumn = nameColumn,
            NameFirst = nameFirst,
        };
        foreach (var condition in Conjuncts(query.Filter))
        {
            plan = Narrow(plan, condition);
            if (plan is null)
            {
                return null;
            }
        }

        return plan;
    }

    /// <summary>count(1), count(*), or sum/avg/min/max of metrics.x, scores.x or metrics.end - metrics.start.</summary>
    private static Measure? Measured(FunctionCall call) => (call.Name, call.Arguments) switch
    {
        ("count", [NumberLiteral or StarExpr]) => new Measure("", "count", null),
        ("sum" or "avg" or "min" or "max", [var argument]) => Stat(argument) is { } stat ? new Measure("", call.Name, stat) : null,
        // Only durations are sketched; the raw rows answer any other percentile.
        ("approx_percentile", [var argument, NumberLiteral { Value: >= 0 and <= 1 } fraction]) when Stat(argument) == RollupMeasures.Duration =>
            new Measure("", call.Name, RollupMeasures.Duration, (double)fraction.Value),
        _ => null,
    };

    /// <summary>Over an unpivoted member: count(1), count(*), or sum/avg/min/max of its value.</summary>
    private static Measure? MeasuredValue(FunctionCall call, string valueColumn) => (call.Name, call.Arguments) switch
    {
        ("count", [NumberLiteral or StarExpr]) => new Measure("", "count", null),
        ("sum" or "avg" or "min" or "max", [var argument]) when argument == Field(valueColumn) => new Measure("", call.Name, null),
        _ => null,
    };

    private static string? Stat(Expr argument) => argument switch
    {
        FieldPath { Segments: [NameSegment { Name: "metrics" or "scores" } group, NameSegment name] } => $"{group.Name}.{name.Name}",
        BinaryExpr { Operator: BinaryOperator.Subtract } difference
            when difference.Left == Field("metrics", "end") && difference.Right == Field("metrics", "start") => RollupMeasures.Duration,
        _ => null,
    };

    private static IEnumerable<Expr> Conjuncts(Expr? filter) => filter switch
    {
        null => [],
        LogicalExpr { Operator: LogicalOperator.And } and => and.Operands.SelectMany(Conjuncts),
        _ => [filter],
    };

    /// <summary>The plan with one more condition of the filter, or null for a condition rollups cannot apply.</summary>
    private static Plan? Narrow(Plan plan, Expr condition)
    {
        if (condition == Field("is_root") || condition == new BinaryExpr(BinaryOperator.Equal, Field("is_root"), new BooleanLiteral(true)))
        {
            return plan with { RootsOnly = true };
        }

        if (condition is not BinaryExpr { Left: var left, Right: StringLiteral { Value: var text } } bound || left != Created
            || !DateTimeOffset.TryParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            || at.Minute != 0 || at.Second != 0 || at.Millisecond != 0)
        {
            return null;
        }

        // Whole hours only: created >= 10:00 starts with the 10:00 hour, created < 11:00 ends with the 10:00 hour.
        return bound.Operator switch
        {
            BinaryOperator.GreaterOrEqual when plan.From is null || at > plan.From => plan with { From = at },
            BinaryOperator.GreaterOrEqual => plan,
            BinaryOperator.Less when plan.To is null || at < plan.To => plan with { To = at },
            BinaryOperator.Less => plan,
            _ => null,
        };
    }

    private static FieldPath Field(params string[] names) => new(names.Select(n => (PathSegment)new NameSegment(n)).ToEquatableList());
}
