using System.Text.Json.Nodes;
using Braid.Server.AccessControl;
using Braid.Server.Auth;
using Braid.Server.Http;
using Braid.Server.Objects;
using Braid.Storage.Events;
using Braid.Storage.Objects;
using Braid.Storage.Rollups;
using Braid.Storage.Summaries;
using Braid.Storage.Tenancy;

namespace Braid.Server.Events;

/// <summary>
/// <c>GET /v1/experiment/{id}/summarize</c> and <c>GET /v1/dataset/{id}/summarize</c> (inventory §4.6).
/// Scores are averaged per trace first (they may sit on any span of it), then across traces; metrics are summed
/// per trace (tokens, cost) or taken from the root span (duration), then averaged across traces.
/// </summary>
public static class Summaries
{
    public static async Task<IResult> ExperimentAsync(HttpContext http, ObjectStore objects)
    {
        var log = await EventsApi.ResolveAsync(http, objects, EventObjectType.Experiment, "experiment_id", Access.Read);
        var comparison = Flag(http.Request, "summarize_scores") ? await ComparisonAsync(http, objects, http.GetPrincipal().OrgId, log) : null;
        return JsonResults.Ok(await SummarizeExperimentAsync(http, objects, log, Flag(http.Request, "summarize_scores"), comparison));
    }

    /// <summary>
    /// The summary of an experiment already found (the spec's SummarizeExperimentResponse): names and URLs, and with
    /// <paramref name="scores"/> its score and metric summaries against <paramref name="comparison"/> when there is one.
    /// </summary>
    public static async Task<JsonObject> SummarizeExperimentAsync(HttpContext http, ObjectStore objects, EventLog log, bool scores, JsonObject? comparison)
    {
        var (project, response) = await HeaderAsync(http, objects, log, "experiment");
        if (!scores)
        {
            return response;
        }

        if (comparison is not null)
        {
            response["comparison_experiment_name"] = (string)comparison["name"]!;
        }

        var (scoreSummaries, metrics) = await ScoresAndMetricsAsync(http, project, log, (string?)comparison?["id"]);
        response["scores"] = scoreSummaries;
        response["metrics"] = metrics;
        return response;
    }

    /// <summary>An experiment's score and metric summaries, with diffs, improvements and regressions against a baseline experiment when given.</summary>
    public static async Task<(JsonObject Scores, JsonObject Metrics)> ScoresAndMetricsAsync(
        HttpContext http, JsonObject project, EventLog log, string? baselineId)
    {
        var events = http.RequestServices.GetRequiredService<EventStore>();
        var kept = http.RequestServices.GetRequiredService<TraceSummaryStore>();
        var comparisonKey = (string?)project["settings"]?["comparison_key"] is { Length: > 0 } k ? k : "input";
        var current = await TraceStats.LoadAsync(events, kept, log.Object, comparisonKey, http.RequestAborted);
        // Summarized at the end of an Eval, the experiment is about to be listed: one made before rollups were kept from
        // creation (ObjectsApi) is counted from now on, in the background.
        await http.RequestServices.GetRequiredService<LogRollupStore>().TrackAsync(log.Object, http.RequestAborted);
        var baseline = baselineId is null
            ? null
            : await TraceStats.LoadAsync(events, kept, new EventObject(EventObjectType.Experiment, baselineId), comparisonKey, http.RequestAborted);
        return (current.Summarize(baseline, scores: true), current.Summarize(baseline, scores: false));
    }

    public static async Task<IResult> DatasetAsync(HttpContext http, ObjectStore objects)
    {
        var (log, _, response) = await HeaderAsync(http, objects, EventObjectType.Dataset, "dataset");
        if (Flag(http.Request, "summarize_data"))
        {
            var total = await http.RequestServices.GetRequiredService<EventStore>().CountAsync(log.Object);
            response["data_summary"] = new JsonObject { ["total_records"] = total };
        }

        return JsonResults.Ok(response);
    }

    /// <summary>The names and links every summary starts with: <c>project_name</c>, <c>{kind}_name</c>, <c>project_url</c>, <c>{kind}_url</c>.</summary>
    private static async Task<(EventLog Log, JsonObject Project, JsonObject Response)> HeaderAsync(
        HttpContext http, ObjectStore objects, EventObjectType type, string kind)
    {
        var log = await EventsApi.ResolveAsync(http, objects, type, kind + "_id", Access.Read);
        var (project, response) = await HeaderAsync(http, objects, log, kind);
        return (log, project, response);
    }

    private static async Task<(JsonObject Project, JsonObject Response)> HeaderAsync(HttpContext http, ObjectStore objects, EventLog log, string kind)
    {
        var principal = http.GetPrincipal();
        var project = await ProjectAsync(objects, principal.OrgId, log.ProjectId);
        var projectUrl = ProjectUrl(http, principal.OrgName, project);
        var name = (string)log.Owner["name"]!;
        var response = new JsonObject
        {
            ["project_name"] = (string)project["name"]!,
            [kind + "_name"] = name,
            ["project_url"] = projectUrl,
            [kind + "_url"] = $"{projectUrl}/{kind}s/{Uri.EscapeDataString(name)}",
        };
        return (project, response);
    }

    /// <summary>The experiment to compare with: <c>comparison_experiment_id</c>, else the experiment's <see cref="BaseExperimentAsync"/>.</summary>
    private static async Task<JsonObject?> ComparisonAsync(HttpContext http, ObjectStore objects, string orgId, EventLog log)
    {
        if (QueryArgs.Uuid(http.Request, "comparison_experiment_id") is { } explicitId)
        {
            var row = await objects.GetAsync(orgId, ObjectKinds.Experiment.Name, explicitId)
                ?? throw ApiException.NotFound($"comparison_experiment_id: experiment '{explicitId}' not found");
            await EventsApi.AccessOf(http).RequireAsync(http.GetPrincipal(), Target(orgId, row), Access.Read);
            return JsonNode.Parse(row.Data)!.AsObject();
        }

        return await BaseExperimentAsync(objects, http.GetPrincipal(), log, EventsApi.AccessOf(http));
    }

    /// <summary>
    /// An experiment's default baseline (Braintrust's rule, shared by summarize and the SDK's base experiment lookup):
    /// its <c>base_exp_id</c>, else the newest other experiment of the project created before it; only experiments
    /// the caller may read qualify.
    /// </summary>
    public static async Task<JsonObject?> BaseExperimentAsync(ObjectStore objects, Principal principal, EventLog log, Access access)
    {
        var orgId = principal.OrgId;
        if ((string?)log.Owner["base_exp_id"] is { } baseId &&
            await objects.GetAsync(orgId, ObjectKinds.Experiment.Name, baseId) is { } baseRow &&
            await access.AllowsAsync(principal, Target(orgId, baseRow), Access.Read))
        {
            return JsonNode.Parse(baseRow.Data)!.AsObject();
        }

        var created = (string)log.Owner["created"]!;
        await foreach (var row in objects.ListAsync(new ObjectQuery(orgId, ObjectKinds.Experiment.Name) { ScopeId = log.ProjectId }, null))
        {
            if (row.Id != log.Object.Id && string.CompareOrdinal(row.Created, created) <= 0
                && await access.AllowsAsync(principal, Target(orgId, row), Access.Read))
            {
                return JsonNode.Parse(row.Data)!.AsObject();
            }
        }

        return null;
    }

    private static AccessTarget Target(string orgId, ObjectRow experiment) =>
        EventLogs.Target(orgId, EventLogs.FromRow(orgId, EventObjectType.Experiment, experiment));

    public static async Task<JsonObject> ProjectAsync(ObjectStore objects, string orgId, string projectId)
    {
        var row = await objects.GetAsync(orgId, ObjectKinds.Project.Name, projectId)
            ?? throw ApiException.NotFound($"project '{projectId}' not found");
        return JsonNode.Parse(row.Data)!.AsObject();
    }

    private static string ProjectUrl(HttpContext http, string orgName, JsonObject project) =>
        $"{PublicUrls.Base(http)}/app/{Uri.EscapeDataString(orgName)}/p/{Uri.EscapeDataString((string)project["name"]!)}";

    private static bool Flag(HttpRequest request, string name) =>
        QueryArgs.Single(request, name)?.ToLowerInvariant() switch
        {
            null or "" or "false" or "0" => false,
            "true" or "1" => true,
            var other => throw ApiException.BadRequest($"{name}: must be true or false, not '{other}'"),
        };
}
