using System.Globalization;
using System.Text.Json.Nodes;
using Braid.Query.Planning;
using Braid.Query.Syntax;
using Braid.Storage;
using Braid.Storage.Events;
using Braid.Storage.Rollups;

namespace Braid.Server.Query.Rollups;

/// <summary>
/// Answers, from hourly rollups, the grouped queries charts and experiment lists ask: one project log or any number of
/// experiments; dimensions among <c>hour(created)</c> or <c>day(created)</c>, <c>experiment_id</c> and (with
/// <c>unpivot: scores as (name, value)</c>) the member name; measures <c>count(1)</c> and <c>sum/avg/min/max</c> of a
/// metric, a score or <c>metrics.end - metrics.start</c>, and <c>approx_percentile</c> of that duration; filtered by
/// nothing but <c>is_root</c> and whole-hour bounds on <c>created</c>. The answer is the one the query would give over
/// the raw rows (same names, groups, order and values; approx_percentile within the 1% it promises), read from hundreds
/// of rows instead of millions. Any other query, or any detail outside that set (an alias missing, an exact
/// percentile, a bound mid-hour, a time zone off the hour, more rows than the limit), is left to the compiled SQL.
/// </summary>
public sealed class RollupQueries(LogRollupStore store)
{
    private static readonly FieldPath Created = Field("created");

    /// <summary>At most this many experiments are read from rollups in one query; a longer list is the SQL's to group.</summary>
    private const int MaxObjects = 1000;

    private sealed record Measure(string Name, string Function, string? Stat, double Fraction = 0);

    private enum Grouping { Time, Object, Member }

    /// <summary>An output column of the grouping, and what it groups by.</summary>
    private sealed record Dimension(string Name, Grouping By);

    /// <summary>
    /// With <see cref="Unpivoted"/> ("scores" or "metrics"), one output row per group and member name of that object,
    /// and the measures read that member's stat. <see cref="Order"/> lists the dimensions the rows are sorted by.
    /// </summary>
    private sealed record Plan(IReadOnlyList<EventObject> Objects, List<Dimension> Dimensions, List<Dimension> Order, List<Measure> Measures,
        string? Unit, bool RootsOnly, DateTimeOffset? From, DateTimeOffset? To, long Limit, int TzOffsetMinutes)
    {
        public string? Unpivoted { get; init; }
    }

    /// <summary>One group of the answer: its object (when grouped by object), its time bucket (when by time) and measures.</summary>
    private sealed record Group(string? ObjectId, DateTimeOffset? Bucket, RollupMeasures Measures);

    /// <summary>The rows of the answer as JSON text, or null when rollups cannot answer this query exactly.</summary>
    public async Task<List<string>?> TryAnswerAsync(ParsedQuery query, QuerySource source, QueryOptions options, CancellationToken cancellationToken)
    {
        if (Match(query, source, options) is not { } plan)
        {
            return null;
        }

        var fromHour = plan.From is { } from ? LogRollupStore.HourOf(from) : "0000";
        var toHour = plan.To is { } to ? LogRollupStore.HourOf(to) : "9999";
        var withDurations = plan.Measures.Any(m => m.Function == "approx_percentile");
        var byObject = plan.Dimensions.Any(d => d.By == Grouping.Object);
        var groups = new Dictionary<(string?, DateTimeOffset?), Group>();
        foreach (var log in plan.Objects)
        {
            await store.RefreshAsync(log, cancellationToken);
            foreach (var row in await store.ReadAsync(log, fromHour, toHour, withDurations, cancellationToken))
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
                DateTimeOffset? bucket = plan.Unit switch { null => null, "hour" => hour, _ => DayOf(hour, plan.TzOffsetMinutes) };
                var key = (byObject ? log.Id : null, bucket);
                if (!groups.TryGetValue(key, out var group))
                {
                    groups[key] = group = new Group(key.Item1, bucket, new RollupMeasures());
                }

                group.Measures.Add(row.Measures);
            }
        }

        if (plan.Dimensions.Count == 0 && groups.Count == 0)
        {
            groups[(null, null)] = new Group(null, null, new RollupMeasures()); // an aggregate over no rows is still one row
        }

        var rows = plan.Unpivoted is { } unpivoted
            ? groups.Values.SelectMany(g => g.Measures.Stats.Keys.Where(k => k.StartsWith(unpivoted + ".", StringComparison.Ordinal))
                .Select(k => (Group: g, Member: (string?)k[(unpivoted.Length + 1)..])))
            : groups.Values.Select(g => (Group: g, Member: (string?)null));
        IOrderedEnumerable<(Group Group, string? Member)> sorted = rows.OrderBy(_ => 0);
        foreach (var dimension in plan.Order)
        {
            sorted = dimension.By switch
            {
                Grouping.Time => sorted.ThenBy(r => r.Group.Bucket),
                Grouping.Object => sorted.ThenBy(r => r.Group.ObjectId, StringComparer.Ordinal),
                _ => sorted.ThenBy(r => r.Member, StringComparer.Ordinal),
            };
        }

        var answer = sorted.Take(checked((int)Math.Min(plan.Limit + 1, int.MaxValue))).Select(r => Row(plan, r.Group, r.Member)).ToList();
        // More rows than the limit is a page and a cursor: the compiled query's job.
        return answer.Count > plan.Limit ? null : answer;
    }

    private static string Row(Plan plan, Group group, string? member)
    {
        var row = new JsonObject();
        foreach (var dimension in plan.Dimensions)
        {
            row[dimension.Name] = dimension.By switch
            {
                Grouping.Time => Clock.Format(group.Bucket!.Value),
                Grouping.Object => group.ObjectId,
                _ => member,
            };
        }

        var measures = group.Measures;
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
        var objects = source switch
        {
            { OrgWide: true } => null,
            { ObjectType: "project_logs", Objects: [var log] } => [new EventObject(EventObjectType.ProjectLogs, log.Id)],
            { ObjectType: "experiment", Objects.Count: > 0 and <= MaxObjects } =>
                source.Objects.Select(o => o.Id).Distinct(StringComparer.Ordinal).Select(id => new EventObject(EventObjectType.Experiment, id)).ToList(),
            _ => (List<EventObject>?)null,
        };
        if (objects is null || options.Version is not null || options.AuditLog || options.TzOffsetMinutes % 60 != 0
            || query.From.Shape is not (null or QueryShape.Spans) || query.Select.Count > 0 || query.Having is not null
            || query.Cursor is not null || query.SamplePercent is not null || query.SampleCount is not null
            || query.Measures.Count == 0)
        {
            return null;
        }

        // Unpivoted scores or metrics: a dimension is the member's name, and measures are over its value.
        var unpivot = query.Unpivot;
        string? group = null;
        if (unpivot is not null)
        {
            if (unpivot.Field is not { Segments: [NameSegment { Name: "scores" or "metrics" } field] })
            {
                return null;
            }

            group = field.Name;
        }

        string? unit = null;
        var dimensions = new List<Dimension>();
        foreach (var item in query.Dimensions)
        {
            var dimension = Dimensioned(item, source.ObjectType, unpivot);
            if (dimension is null || dimensions.Any(d => d.By == dimension.By))
            {
                return null;
            }

            unit = dimension.By == Grouping.Time ? ((FunctionCall)item.Expression).Name : unit;
            dimensions.Add(dimension);
        }

        if (unpivot is not null && !dimensions.Any(d => d.By == Grouping.Member))
        {
            return null;
        }

        // Sorted only by dimensions, ascending, all of them (else ties would fall in the database's order).
        var order = dimensions;
        if (query.Sort.Count > 0)
        {
            order = [.. query.Sort.Select(s => s.Direction == SortDirection.Ascending && s.Expression is FieldPath { Segments: [NameSegment name] }
                ? dimensions.Find(d => d.Name == name.Name) : null).OfType<Dimension>().Distinct()];
            if (order.Count != query.Sort.Count || order.Count != dimensions.Count)
            {
                return null;
            }
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

        var names = measures.Select(m => m.Name).Concat(dimensions.Select(d => d.Name)).ToList();
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
        {
            return null;
        }

        var plan = new Plan(objects, dimensions, order, measures, unit, false, null, null,
            query.Limit ?? QueryCompiler.DefaultLimit, options.TzOffsetMinutes)
        {
            Unpivoted = group,
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

    /// <summary>hour(created) or day(created) (named), experiment_id, or the unpivoted member's name.</summary>
    private static Dimension? Dimensioned(SelectItem item, string objectType, UnpivotClause? unpivot) => item.Expression switch
    {
        FunctionCall { Name: "hour" or "day", Arguments: [var argument] } when argument == Created && item.Alias is { } alias =>
            new Dimension(alias, Grouping.Time),
        FieldPath { Segments: [NameSegment { Name: "experiment_id" }] } when objectType == "experiment" =>
            new Dimension(item.Alias ?? "experiment_id", Grouping.Object),
        FieldPath { Segments: [NameSegment name] } when unpivot is not null && name.Name == unpivot.NameAlias =>
            new Dimension(item.Alias ?? unpivot.NameAlias, Grouping.Member),
        _ => null,
    };

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
