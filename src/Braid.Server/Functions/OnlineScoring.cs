using System.Text.Json.Nodes;
using Braid.Query.Syntax;
using Braid.Server.Hosting;
using Braid.Server.Http;
using Braid.Server.Objects;
using Braid.Server.Query;
using Braid.Storage.Events;
using Braid.Storage.Objects;
using Braid.Storage.Scoring;
using Braid.Storage.Tenancy;
using Braid.Storage.Xact;
using Microsoft.Extensions.Options;

namespace Braid.Server.Functions;

/// <summary>
/// Online scoring: every <see cref="OnlineScoringOptions.IntervalSeconds"/>, each online rule (<see cref="OnlineRule"/>)
/// reads the rows written to its project's log since it last looked, claims that range (so one node scores it), and
/// runs its scorers on what it samples: at span scope each newly logged span the rule applies to, at trace scope each
/// trace that has been idle for the rule's <c>idle_seconds</c>, scored on its root span. Scores are written as scorer
/// spans (<c>span_attributes.purpose = "scorer"</c>, type <c>score</c>, with <c>scores</c>) under the scored span, so the
/// trace's scores include them; with <c>skip_logging</c> (span scope) they are merged into the scored span instead.
/// A rule starts with the rows written after it was made; a range it claimed is not scored again, even if a scorer
/// failed (the scorer span records the error).
/// </summary>
public sealed partial class OnlineScoring(
    IServiceProvider services, OnlineScoringStore store, ObjectStore objects, TenantStore tenants, TimeProvider clock,
    IOptions<ServerOptions> options, ILogger<OnlineScoring> logger) : BackgroundService
{
    // Rows read per rule per pass; a busy log is caught up over several passes.
    private const int BatchRows = 500;

    // A rule first seen this long after it was made starts from now rather than scoring the backlog since then.
    private static readonly TimeSpan BackfillWindow = TimeSpan.FromMinutes(10);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Periodic.RunAsync(TimeSpan.FromSeconds(options.Value.OnlineScoring.IntervalSeconds), clock, PassAsync, e => LogPassFailed(logger, e), stoppingToken);

    /// <summary>One look at every rule. Public for tests, which run passes on their own clock.</summary>
    public async Task PassAsync(CancellationToken cancellationToken)
    {
        var rules = (await objects.ListEveryOrganizationAsync(ObjectKinds.ProjectScore.Name)).Select(OnlineRule.From).OfType<OnlineRule>().ToList();
        if (rules.Count == 0)
        {
            return;
        }

        var last = await store.LastSeqAsync();
        foreach (var rule in rules)
        {
            try
            {
                await RunRuleAsync(rule, last, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogRuleFailed(logger, rule.Id, e);
            }
        }
    }

    private async Task RunRuleAsync(OnlineRule rule, long last, CancellationToken cancellationToken)
    {
        var progress = await store.ProgressAsync(rule.Id) ?? await StartAsync(rule, last);
        if (progress is null || progress >= last)
        {
            return;
        }

        if (rule.TraceScope)
        {
            await RunTraceScopeAsync(rule, progress.Value, last, cancellationToken);
        }
        else
        {
            await RunSpanScopeAsync(rule, progress.Value, last, cancellationToken);
        }
    }

    // The first claim: from just before the rule was made, or from now for a rule first seen long after.
    private async Task<long?> StartAsync(OnlineRule rule, long last)
    {
        var start = clock.GetUtcNow() - rule.Created > BackfillWindow ? last : await store.SeqBeforeAsync(XactId.Next(0, rule.Created));
        return await store.ClaimAsync(rule.Id, null, start) ? start : await store.ProgressAsync(rule.Id);
    }

    private async Task RunSpanScopeAsync(OnlineRule rule, long progress, long last, CancellationToken cancellationToken)
    {
        var rows = await store.NewRowsAsync(rule.ProjectId, progress, last, BatchRows, firstVersionsOnly: true);
        var through = rows.Count == BatchRows ? rows[^1].Seq : last;
        if (!await store.ClaimAsync(rule.Id, progress, through))
        {
            return;
        }

        var spans = rows.Select(r => JsonNode.Parse(r.Data) as JsonObject).OfType<JsonObject>()
            .Where(span => rule.Applies(span) && rule.Samples((string?)(span["span_id"] as JsonValue) ?? (string)span["id"]!))
            .ToList();
        await ScoreAllAsync(rule, spans, cancellationToken);
    }

    private async Task RunTraceScopeAsync(OnlineRule rule, long progress, long last, CancellationToken cancellationToken)
    {
        // Traces touched since the last look, by anything but scorers: where their new rows start and end.
        var rows = await store.NewRowsAsync(rule.ProjectId, progress, last, BatchRows * 10, firstVersionsOnly: false);
        var reachedEnd = rows.Count < BatchRows * 10;
        var traces = new Dictionary<string, (long First, long Last, long Xact)>();
        foreach (var row in rows)
        {
            if (JsonNode.Parse(row.Data) is JsonObject span && OnlineRule.IsScorerSpan(span))
            {
                continue;
            }

            traces[row.RootSpanId] = traces.TryGetValue(row.RootSpanId, out var seen)
                ? (seen.First, row.Seq, Math.Max(seen.Xact, row.Xact))
                : (row.Seq, row.Seq, row.Xact);
        }

        // A trace is due once idle; the claim stops short of the first trace still being written, which is looked at again.
        var idleBefore = XactId.Next(0, clock.GetUtcNow() - TimeSpan.FromSeconds(rule.IdleSeconds));
        var busy = traces.Values.Where(t => t.Xact > idleBefore).Select(t => t.First).DefaultIfEmpty(long.MaxValue).Min();
        var through = busy != long.MaxValue ? busy - 1 : reachedEnd ? last : rows[^1].Seq;
        var due = traces.Where(t => t.Value.Xact <= idleBefore && t.Value.Last <= through).Select(t => t.Key).ToList();
        if (through <= progress || !await store.ClaimAsync(rule.Id, progress, through))
        {
            return;
        }

        var roots = new List<JsonObject>();
        foreach (var rootSpanId in due.Where(rule.Samples))
        {
            var spans = (await store.TraceAsync(rule.ProjectId, rootSpanId)).Select(r => JsonNode.Parse(r.Data) as JsonObject).OfType<JsonObject>().ToList();
            if (spans.FirstOrDefault(s => s["span_parents"] is not JsonArray { Count: > 0 } && !OnlineRule.IsScorerSpan(s)) is { } root)
            {
                roots.Add(root);
            }
        }

        await ScoreAllAsync(rule with { SkipLogging = false }, roots, cancellationToken);
    }

    private async Task ScoreAllAsync(OnlineRule rule, List<JsonObject> spans, CancellationToken cancellationToken)
    {
        if (spans.Count == 0)
        {
            return;
        }

        var organization = await tenants.FindOrganizationByIdAsync(rule.OrgId);
        if (organization is null)
        {
            return;
        }

        var principal = new Principal(rule.UserId, rule.OrgId, organization.Name, "online-scoring");
        await using var scope = services.CreateAsyncScope();
        if (rule.BtqlFilter is { } filter)
        {
            var matching = await MatchingAsync(scope.ServiceProvider, rule, principal, filter, [.. spans.Select(s => (string)s["id"]!)], cancellationToken);
            spans = [.. spans.Where(s => matching.Contains((string)s["id"]!))];
        }

        var resolver = scope.ServiceProvider.GetRequiredService<FunctionResolver>();
        var scorers = new List<ResolvedFunction>();
        foreach (var reference in rule.Scorers)
        {
            try
            {
                scorers.Add(await resolver.ResolveAsync(principal, reference));
            }
            catch (ApiException e)
            {
                LogScorerMissing(logger, rule.Id, e.Message);
            }
        }

        var runner = scope.ServiceProvider.GetRequiredService<FunctionRunner>();
        var log = new EventObject(EventObjectType.ProjectLogs, rule.ProjectId);
        foreach (var span in spans)
        {
            await ScoreAsync(rule, principal, log, span, scorers, runner, scope.ServiceProvider, cancellationToken);
        }
    }

    private async Task ScoreAsync(
        OnlineRule rule, Principal principal, EventObject log, JsonObject span, List<ResolvedFunction> scorers, FunctionRunner runner,
        IServiceProvider scoped, CancellationToken cancellationToken)
    {
        var input = ScoreResults.Arguments(span["input"], span["output"], span["expected"], span["metadata"]);
        var parent = rule.SkipLogging
            ? null
            : new SpanParent(log, (string?)span["span_id"], (string?)span["root_span_id"],
                new JsonObject { ["span_attributes"] = new JsonObject { ["purpose"] = "scorer" } });
        var scores = new JsonObject();
        foreach (var scorer in scorers)
        {
            try
            {
                var result = await runner.RunAsync(principal, scorer, new InvokeArgs { Input = input.DeepClone() }, parent, InvokeStream.None, cancellationToken,
                    spanType: "score", recordScores: true);
                ScoreResults.Add(scores, scorer.Name, result);
            }
            catch (ApiException e)
            {
                // The scorer span (when logged) holds the error; the other scorers still run.
                LogScorerFailed(logger, rule.Id, scorer.Name, e.Message);
            }
        }

        if (rule.SkipLogging && scores.Count > 0)
        {
            var merge = new JsonObject { ["id"] = span["id"]?.DeepClone(), ["scores"] = scores, ["_is_merge"] = true };
            await InvokeSpans.WriteAsync(scoped, principal, log, [merge], clock.GetUtcNow());
        }
    }

    /// <summary>The ids among <paramref name="ids"/> whose span matches the rule's BTQL filter (none when the filter does not compile).</summary>
    private async Task<HashSet<string>> MatchingAsync(
        IServiceProvider scoped, OnlineRule rule, Principal principal, string filter, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        try
        {
            return await scoped.GetRequiredService<LogFilter>().MatchingAsync(principal.OrgId, principal.OrgName, rule.ProjectId, filter, ids, cancellationToken);
        }
        catch (QueryError e)
        {
            LogBadFilter(logger, rule.Id, e.Message);
            return [];
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "online scoring: a pass failed")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "online scoring: rule {RuleId} failed")]
    private static partial void LogRuleFailed(ILogger logger, string ruleId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "online scoring: rule {RuleId} names a scorer that cannot be run: {Reason}")]
    private static partial void LogScorerMissing(ILogger logger, string ruleId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "online scoring: rule {RuleId}, scorer {Scorer} failed: {Reason}")]
    private static partial void LogScorerFailed(ILogger logger, string ruleId, string scorer, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "online scoring: rule {RuleId} has a btql_filter that does not compile, so it scores nothing: {Reason}")]
    private static partial void LogBadFilter(ILogger logger, string ruleId, string reason);
}
