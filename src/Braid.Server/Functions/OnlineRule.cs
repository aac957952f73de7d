using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Braid.Server.Http;
using Braid.Storage.Objects;

namespace Braid.Server.Functions;

/// <summary>
/// One online scoring rule: a <c>project_score</c> of <c>score_type</c> <c>online</c> and its <c>config.online</c>
/// (the spec's OnlineScoreConfig): which scorers run, on which share of the project's new log rows, and at what scope.
/// </summary>
public sealed record OnlineRule
{
    private const double DefaultIdleSeconds = 30;

    public required string Id { get; init; }

    public required string OrgId { get; init; }

    public required string ProjectId { get; init; }

    /// <summary>Who made the rule: its scorers run with their permissions.</summary>
    public required string UserId { get; init; }

    public required DateTimeOffset Created { get; init; }

    public required double SamplingRate { get; init; }

    public required IReadOnlyList<FunctionRef> Scorers { get; init; }

    public string? BtqlFilter { get; init; }

    /// <summary>Span scope: score root spans (the default when no span names are given).</summary>
    public bool ApplyToRootSpan { get; init; }

    /// <summary>Span scope: score spans with these names.</summary>
    public IReadOnlySet<string> SpanNames { get; init; } = new HashSet<string>();

    public bool SkipLogging { get; init; }

    /// <summary>Score whole traces once they have been idle for <see cref="IdleSeconds"/>, instead of each new span.</summary>
    public bool TraceScope { get; init; }

    public double IdleSeconds { get; init; } = DefaultIdleSeconds;

    /// <summary>The rule an object holds, or null when it is not an online rule this server runs (a group scope is not).</summary>
    public static OnlineRule? From(ObjectRow row)
    {
        var doc = JsonNode.Parse(row.Data) as JsonObject;
        if (JsonBody.Text(doc?["score_type"]) != "online" || doc!["config"]?["online"] is not JsonObject online)
        {
            return null;
        }

        var scope = JsonBody.Text(online["scope"]?["type"]) ?? "span";
        if (scope is not ("span" or "trace"))
        {
            return null;
        }

        var scorers = new List<FunctionRef>();
        foreach (var scorer in online["scorers"] as JsonArray ?? [])
        {
            switch (JsonBody.Text(scorer?["type"]))
            {
                case "function" when JsonBody.Text(scorer!["id"]) is { } id:
                    scorers.Add(new FunctionRef
                    {
                        FunctionId = id,
                        Version = JsonBody.Text(scorer["version"]) is { } v && long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var xact) ? xact : null,
                    });
                    break;
                case "global" when JsonBody.Text(scorer!["name"]) is { } name:
                    scorers.Add(new FunctionRef { GlobalFunction = name, FunctionType = JsonBody.Text(scorer["function_type"]) });
                    break;
            }
        }

        var names = (online["apply_to_span_names"] as JsonArray)?.Select(JsonBody.Text).OfType<string>().ToHashSet() ?? [];
        return new OnlineRule
        {
            Id = row.Id,
            OrgId = row.OrgId,
            ProjectId = row.ScopeId,
            UserId = JsonBody.Text(doc["user_id"]) ?? "",
            Created = DateTimeOffset.TryParse(row.Created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created) ? created : DateTimeOffset.UnixEpoch,
            SamplingRate = online["sampling_rate"] is JsonValue rate && rate.TryGetValue<double>(out var r) ? Math.Clamp(r, 0, 1) : 1,
            Scorers = scorers,
            BtqlFilter = JsonBody.Text(online["btql_filter"]) is { Length: > 0 } filter && filter.Trim().Length > 0 ? filter : null,
            ApplyToRootSpan = Flag(online["apply_to_root_span"]) ?? names.Count == 0,
            SpanNames = names,
            SkipLogging = Flag(online["skip_logging"]) ?? false,
            TraceScope = scope == "trace",
            IdleSeconds = online["scope"]?["idle_seconds"] is JsonValue idle && idle.TryGetValue<double>(out var s) && s >= 0 ? s : DefaultIdleSeconds,
        };
    }

    /// <summary>
    /// Whether this rule samples the span or trace with this id. The choice is a hash of the rule and the id, not a
    /// coin toss, so it is the same whichever node looks and however often.
    /// </summary>
    public bool Samples(string id)
    {
        if (SamplingRate >= 1)
        {
            return true;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(Id + "\n" + id));
        return BitConverter.ToUInt64(hash, 0) / (double)ulong.MaxValue < SamplingRate;
    }

    /// <summary>Span scope: whether a newly logged span is one this rule scores (never a scorer's own span).</summary>
    public bool Applies(JsonObject span)
    {
        if (IsScorerSpan(span))
        {
            return false;
        }

        var isRoot = span["span_parents"] is not JsonArray { Count: > 0 };
        return (ApplyToRootSpan && isRoot) || (JsonBody.Text(span["span_attributes"]?["name"]) is { } name && SpanNames.Contains(name));
    }

    /// <summary>A span a scorer wrote: its writes are not new activity, or scoring would feed on itself.</summary>
    public static bool IsScorerSpan(JsonObject span) => JsonBody.Text(span["span_attributes"]?["purpose"]) == "scorer";

    private static bool? Flag(JsonNode? node) => node is JsonValue v && v.TryGetValue<bool>(out var flag) ? flag : null;
}
