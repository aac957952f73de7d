using System.Globalization;
using System.Text.Json.Nodes;
using Braid.Query.Syntax;
using Braid.Server.Http;
using Braid.Server.Query;
using Braid.Storage;
using Braid.Storage.Objects;
using Braid.Storage.Scoring;
using Braid.Storage.Tenancy;
using Braid.Storage.Xact;
using Microsoft.Extensions.Options;

namespace Braid.Server.Automations.Alerts;

/// <summary>
/// Log alerts (<c>event_type: "logs"</c>), as Braintrust documents them: each check takes the spans first logged to
/// the project since the last check (a new alert starts with those logged after it was made) as one batch and counts
/// those matching <c>btql_filter</c> (empty: every span). A batch with matches sends one alert counting them, and
/// the alert is then suppressed for <c>interval_seconds</c>: matches seen meanwhile send nothing and are not reported
/// later. Every check moves past the rows it read, whatever came of it, so a refused delivery is not resent.
/// </summary>
public sealed class LogAlerts(
    OnlineScoringStore rows, LogFilter filters, AlertDelivery delivery, TenantStore tenants, ObjectStore objects, TimeProvider clock,
    IOptions<ServerOptions> options)
{
    // Rows whose filter is evaluated in one query, and the most one check reads (the rest is read at once after it).
    private const int BatchRows = 500;
    private const int MaxRowsPerCheck = 20_000;

    // An alert first checked this long after it was made (made before this server ran alerts) starts from now rather
    // than alerting on the whole backlog since then.
    private static readonly TimeSpan BackfillWindow = TimeSpan.FromHours(1);

    // Progress kept in the run's state: the last row read (event_history seq), the last check's time, and the end of suppression.
    private const string Cursor = "seq";
    private const string CheckedMs = "checked_ms";
    private const string SuppressedUntilMs = "suppressed_until_ms";

    public async Task RunAsync(AutomationRun run, CancellationToken cancellationToken)
    {
        var automation = run.Automation;
        var state = run.State;
        var interval = TimeSpan.FromSeconds(JsonBody.Number(automation.Config["interval_seconds"]) ?? 0);
        var filter = JsonBody.Text(automation.Config["btql_filter"]) ?? "";
        var subject = await AlertSubject.LoadAsync(automation, tenants, objects, options.Value.PublicUrl);
        var now = clock.GetUtcNow();
        var last = await rows.LastSeqAsync();
        var cursor = Number(state[Cursor])
            ?? (now - automation.Created > BackfillWindow ? last : await rows.SeqBeforeAsync(XactId.Next(0, automation.Created)));
        var since = Number(state[CheckedMs]) is { } checkedMs ? DateTimeOffset.FromUnixTimeMilliseconds(checkedMs) : automation.Created;

        long read = 0, matched = 0;
        try
        {
            while (cursor < last && read < MaxRowsPerCheck)
            {
                var batch = await rows.NewRowsAsync(automation.ProjectId, cursor, last, BatchRows, firstVersionsOnly: true);
                matched += string.IsNullOrWhiteSpace(filter) || batch.Count == 0
                    ? batch.Count
                    : (await filters.MatchingAsync(automation.OrgId, subject.OrgName, automation.ProjectId, filter, [.. batch.Select(r => r.Id)], cancellationToken)).Count;
                read += batch.Count;
                cursor = batch.Count == BatchRows ? batch[^1].Seq : last;
            }
        }
        catch (QueryError e)
        {
            // A filter that cannot run matches nothing; the rows it could not judge are passed over like any others.
            state[Cursor] = last;
            throw ApiException.BadRequest($"config.btql_filter: {e.Message}");
        }

        state[Cursor] = cursor;
        state[CheckedMs] = now.ToUnixTimeMilliseconds();
        run.MoreToDo = cursor < last;
        run.Rows = matched;
        run.Detail["read"] = read;
        run.Detail["count"] = matched;
        if (matched == 0)
        {
            run.Detail["sent"] = false;
            return;
        }

        if (Number(state[SuppressedUntilMs]) is { } until && now.ToUnixTimeMilliseconds() < until)
        {
            run.Detail["sent"] = false;
            run.Detail["suppressed_until"] = Clock.Format(DateTimeOffset.FromUnixTimeMilliseconds(until));
            return;
        }

        var details = new JsonObject
        {
            ["is_test"] = false,
            ["message"] = $"{automation.Name}: {matched} {(matched == 1 ? "log" : "logs")} triggered alert in the last {Describe(interval)}",
            ["time_start"] = Clock.Format(since),
            ["time_end"] = Clock.Format(now),
            ["count"] = matched,
            ["related_logs_url"] = subject.ProjectPage("logs"),
        };
        var sent = await delivery.SendAsync(subject, subject.Payload(["btql_filter", "interval_seconds"], details), cancellationToken);
        sent.Describe(run.Detail);
        if (!sent.Delivered)
        {
            throw new ApiException(StatusCodes.Status502BadGateway, sent.Error!);
        }

        var suppressedUntil = now + interval;
        state[SuppressedUntilMs] = suppressedUntil.ToUnixTimeMilliseconds();
        run.Detail["suppressed_until"] = Clock.Format(suppressedUntil);
    }

    /// <summary>An interval as Braintrust's alert messages say it: "1 hour", "30 minutes".</summary>
    public static string Describe(TimeSpan interval)
    {
        var seconds = (long)interval.TotalSeconds;
        var (count, unit) = seconds switch
        {
            > 0 when seconds % 86_400 == 0 => (seconds / 86_400, "day"),
            > 0 when seconds % 3_600 == 0 => (seconds / 3_600, "hour"),
            > 0 when seconds % 60 == 0 => (seconds / 60, "minute"),
            _ => (seconds, "second"),
        };
        return $"{count.ToString(CultureInfo.InvariantCulture)} {unit}{(count == 1 ? "" : "s")}";
    }

    private static long? Number(JsonNode? node) => JsonBody.Number(node) is { } n ? (long)n : null;
}
