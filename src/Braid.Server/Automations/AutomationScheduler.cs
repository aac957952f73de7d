using System.Text.Json.Nodes;
using Braid.Server.Automations.Alerts;
using Braid.Server.Hosting;
using Braid.Server.Http;
using Braid.Server.Objects;
using Braid.Storage;
using Braid.Storage.Automations;
using Braid.Storage.Objects;
using Microsoft.Extensions.Options;

namespace Braid.Server.Automations;

/// <summary>
/// Runs project automations. Every <see cref="AutomationOptions.TickSeconds"/> each node looks at every active
/// automation and runs the due ones it can lease (<see cref="AutomationStore"/>): a conditional UPDATE moves the
/// lease to this node, so with several nodes on one PostgreSQL a due run happens on one node only. The lease is renewed
/// while the run is alive; a node that dies mid-run loses it after <see cref="AutomationOptions.LeaseSeconds"/> and
/// another node resumes from the progress last saved. Every run is recorded (<c>GET
/// /v1/project_automation/{id}/runs</c>). When an automation is next due depends on its event type
/// (<see cref="Period"/>); an export with a backlog runs again at once.
/// </summary>
public sealed partial class AutomationScheduler(
    IServiceProvider services, AutomationStore store, ObjectStore objects, TimeProvider clock, IOptions<ServerOptions> options,
    ILogger<AutomationScheduler> logger) : BackgroundService
{
    /// <summary>The version of the progress documents in <c>automation_state.state</c>; a newer server reads older ones.</summary>
    public const int StateVersion = 1;

    // Runs kept per automation: alerts are checked often, and their history should not grow without end.
    private const int RunsKept = 500;

    /// <summary>This process, as run records and leases name it.</summary>
    public string Node { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    private AutomationOptions Options => options.Value.Automations;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Periodic.RunAsync(TimeSpan.FromSeconds(Options.TickSeconds), clock, PassAsync, e => LogPassFailed(logger, e), stoppingToken);

    /// <summary>One look at every automation, running the due ones this node leases. Public for tests, which run passes themselves.</summary>
    public async Task PassAsync(CancellationToken cancellationToken)
    {
        var automations = (await objects.ListEveryOrganizationAsync(ObjectKinds.ProjectAutomation.Name)).Select(Automation.From)
            .Where(a => !a.Paused && Period(a) is not null)
            .ToList();
        var runs = new List<Task>();
        foreach (var automation in automations)
        {
            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            await store.EnsureAsync(automation.Id, automation.OrgId, now, new JsonObject { ["v"] = StateVersion }.ToJsonString());
            if (await store.TryLeaseAsync(automation.Id, Node, now, now + LeaseMs) is { } lease)
            {
                runs.Add(RunAsync(automation, lease, cancellationToken));
            }
        }

        await Task.WhenAll(runs);
    }

    private static Task RunEventTypeAsync(IServiceProvider scoped, AutomationRun run, CancellationToken cancellationToken) => run.Automation.EventType switch
    {
        "retention" => scoped.GetRequiredService<Retention>().RunAsync(run, cancellationToken),
        "btql_export" => scoped.GetRequiredService<Exports>().RunAsync(run, cancellationToken),
        "async_query" => scoped.GetRequiredService<AsyncQueries>().RunAsync(run, cancellationToken),
        "logs" => scoped.GetRequiredService<LogAlerts>().RunAsync(run, cancellationToken),
        "environment_update" => scoped.GetRequiredService<EnvironmentAlerts>().RunAsync(run, cancellationToken),
        var other => throw new InvalidOperationException($"event_type '{other}' is not run by this server"),
    };

    /// <summary>
    /// How long after a run the automation is next due, or null for what this server does not run: topic automations
    /// (they need Braintrust's topic models).
    /// </summary>
    private TimeSpan? Period(Automation automation) => automation.EventType switch
    {
        "retention" => TimeSpan.FromSeconds(Options.RetentionCheckSeconds),
        "btql_export" => TimeSpan.FromSeconds(JsonBody.Number(automation.Config["interval_seconds"]) ?? 3600),

        // A failed async query is tried again after this; one that ran is not due again (Done).
        "async_query" => TimeSpan.FromSeconds(Options.RetentionCheckSeconds),
        "logs" or "environment_update" => TimeSpan.FromSeconds(Options.AlertCheckSeconds),
        _ => null,
    };

    // Far enough away never to come, small enough that adding a lease to it cannot overflow.
    private const long NeverMs = long.MaxValue / 4;

    private long LeaseMs => (long)(Options.LeaseSeconds * 1000);

    private async Task RunAsync(Automation automation, AutomationLease lease, CancellationToken stoppingToken)
    {
        var record = new AutomationRunRow(Guid.NewGuid().ToString(), automation.Id, lease.DueMs, Node, Now(), null, "running", 0, null, null);
        await store.StartRunAsync(record, automation.OrgId);

        using var running = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        using var heartbeat = RenewWhileRunning(automation.Id, running);
        AutomationRun? run = null;
        string outcome = "success";
        string? error = null;
        try
        {
            run = new AutomationRun(automation, ReadState(lease.State), lease.DueMs, s => store.SaveAsync(automation.Id, Node, s.ToJsonString()));
            await using var scope = services.CreateAsyncScope();
            await RunEventTypeAsync(scope.ServiceProvider, run, running.Token);
        }
        catch (LeaseLostException e)
        {
            (outcome, error) = ("abandoned", e.Message);
        }
        catch (OperationCanceledException) when (running.IsCancellationRequested)
        {
            (outcome, error) = ("abandoned", stoppingToken.IsCancellationRequested ? "the server stopped during the run" : new LeaseLostException().Message);
        }
        catch (Exception e)
        {
            // An ApiException's message is written for the user (a bad config, a refused delivery); anything else is named by its type.
            (outcome, error) = ("error", e is ApiException ? e.Message : $"{e.GetType().Name}: {e.Message}");
            LogRunFailed(logger, automation.Id, e);
        }

        await running.CancelAsync();
        if (outcome != "abandoned")
        {
            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            var afterPeriod = Math.Max(now, lease.DueMs + (long)Period(automation)!.Value.TotalMilliseconds);
            var next = outcome != "success" ? afterPeriod : run!.Done ? NeverMs : run.MoreToDo ? now : afterPeriod;

            // Progress this server could not read is kept as it was, for a server that can.
            if (!await store.FinishAsync(automation.Id, Node, next, run?.State.ToJsonString() ?? lease.State))
            {
                (outcome, error) = ("abandoned", new LeaseLostException().Message);
            }
        }

        await store.EndRunAsync(record.Id, Now(), outcome, run?.Rows ?? 0, error, run?.Detail.Count > 0 ? run.Detail.ToJsonString() : null);
        await store.PruneRunsAsync(automation.Id, RunsKept);
    }

    // Renews the lease at a third of its length; when renewal fails another node has the automation, so the run stops.
    private ITimer RenewWhileRunning(string automationId, CancellationTokenSource running)
    {
        var every = TimeSpan.FromMilliseconds(Math.Max(50, LeaseMs / 3));
        return clock.CreateTimer(_ => _ = RenewAsync(), null, every, every);

        async Task RenewAsync()
        {
            try
            {
                if (!running.IsCancellationRequested &&
                    !await store.RenewAsync(automationId, Node, clock.GetUtcNow().ToUnixTimeMilliseconds() + LeaseMs))
                {
                    await running.CancelAsync();
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogRenewFailed(logger, automationId, e);
            }
        }
    }

    private static JsonObject ReadState(string text)
    {
        var state = JsonNode.Parse(text) as JsonObject ?? [];
        var version = JsonBody.Number(state["v"]) ?? 0;
        if (version > StateVersion)
        {
            throw new InvalidOperationException($"automation progress version {version} is newer than this server's ({StateVersion}); upgrade the node");
        }

        state["v"] = StateVersion;
        return state;
    }

    private string Now() => Clock.Format(clock.GetUtcNow());

    [LoggerMessage(Level = LogLevel.Error, Message = "automations: a pass failed")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "automations: automation {AutomationId} failed")]
    private static partial void LogRunFailed(ILogger logger, string automationId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "automations: could not renew the lease of automation {AutomationId}")]
    private static partial void LogRenewFailed(ILogger logger, string automationId, Exception exception);
}
