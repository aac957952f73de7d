using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Server.AccessControl;
using Braid.Server.Auth;
using Braid.Server.Events;
using Braid.Server.Http;
using Braid.Server.Objects;
using Braid.Server.RateLimits;
using Braid.Storage.Events;
using Braid.Storage.Objects;
using Braid.Storage.Tenancy;

namespace Braid.Server.Functions;

/// <summary>
/// <c>POST /v1/eval</c>: a server-side eval. It creates an experiment in <c>project_id</c>, runs <c>task</c> on every
/// row of the data (a dataset, optionally at a version, or inline rows), <c>trial_count</c> times each, with at most
/// <c>max_concurrency</c> rows at once and <c>timeout</c> ms per row, runs each scorer on the output, and logs each row
/// as an <c>eval</c> span with <c>task</c> and <c>score</c> children, as the SDK's Eval() does. The answer is the
/// experiment's summary; with <c>stream: true</c> a <c>start</c> event goes out at once and the summary comes as a
/// <c>json_delta</c> before <c>done</c>.
/// </summary>
public static class EvalApi
{
    private const int DefaultConcurrency = 10;

    public static IEndpointRouteBuilder MapEvalApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/eval", RunAsync).RateLimited(EndpointClass.Proxy);
        return routes;
    }

    private sealed record EvalRow(JsonNode? Input, JsonNode? Expected, JsonObject? Metadata, JsonArray? Tags, JsonObject? Origin);

    private static async Task RunAsync(HttpContext http)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var principal = await http.InOrganizationAsync((string?)(body["org_name"] as JsonValue));
        var services = http.RequestServices;
        var objects = services.GetRequiredService<ObjectStore>();
        var projectId = (string?)(body["project_id"] as JsonValue) is { } rawProject && Ids.TryNormalize(rawProject, out var p)
            ? p
            : throw ApiException.BadRequest("project_id: required, the id (a UUID) of the project the experiment goes in");
        if (await objects.GetAsync(principal.OrgId, ObjectKinds.Project.Name, projectId) is null)
        {
            throw ApiException.BadRequest($"project_id: no project '{projectId}' in this organization");
        }

        var resolver = services.GetRequiredService<FunctionResolver>();
        var task = await resolver.ResolveAsync(principal, FunctionRef.Read(Object(body, "task"), "task."), "task.");
        var scoreRefs = EventValidation.Array(body, "scores");

        var scorers = new List<ResolvedFunction>();
        for (var i = 0; i < scoreRefs.Count; i++)
        {
            var at = $"scores[{i}].";
            var reference = scoreRefs[i] as JsonObject ?? throw ApiException.BadRequest($"scores[{i}]: must be a function reference object");
            scorers.Add(await resolver.ResolveAsync(principal, FunctionRef.Read(reference, at), at));
        }

        var trials = PositiveInt(body, "trial_count") ?? 1;
        var concurrency = body.ContainsKey("max_concurrency") && body["max_concurrency"] is null ? int.MaxValue : PositiveInt(body, "max_concurrency") ?? DefaultConcurrency;
        var timeout = PositiveInt(body, "timeout");
        var stream = body["stream"] is JsonValue s && s.GetValueKind() == JsonValueKind.True;
        var (rows, datasetId, datasetVersion) = await DataAsync(Object(body, "data"), principal, services, objects);

        var create = new JsonObject { ["project_id"] = projectId, ["ensure_new"] = true };
        Copy(body, "experiment_name", create, "name");
        Copy(body, "metadata", create, "metadata");
        Copy(body, "tags", create, "tags");
        Copy(body, "is_public", create, "public");
        Copy(body, "base_experiment_id", create, "base_exp_id");
        if (datasetId is not null)
        {
            create["dataset_id"] = datasetId;
            create["dataset_version"] = datasetVersion;
        }

        if ((string?)(body["base_experiment_name"] as JsonValue) is { } baseName)
        {
            create["base_exp_id"] = (await objects.GetByNaturalKeyAsync(principal.OrgId, ObjectKinds.Experiment.Name, projectId, baseName))?.Id
                ?? throw ApiException.BadRequest($"base_experiment_name: no experiment named '{baseName}' in the project");
        }

        var (experiment, _) = await ObjectsApi.RegisterAsync(ObjectKinds.Experiment, create, principal, projectId, objects, services);
        var log = await EventLogs.ResolveAsync(objects, principal, EventObjectType.Experiment, (string)experiment["id"]!, "experiment", services.GetRequiredService<Access>(), Access.Update);
        var events = stream ? new InvokeStream(http.Response) : InvokeStream.None;
        await events.StartAsync();

        var runner = services.GetRequiredService<FunctionRunner>();
        var clock = services.GetRequiredService<TimeProvider>();
        using var gate = new SemaphoreSlim(Math.Min(concurrency, Math.Max(1, rows.Count * trials)));
        var work = rows.SelectMany(row => Enumerable.Repeat(row, trials)).Select(async row =>
        {
            await gate.WaitAsync(http.RequestAborted);
            try
            {
                await RunRowAsync(principal, log.Object, row, task, scorers, runner, clock, services, timeout, http.RequestAborted);
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(work);

        var comparison = await Summaries.BaseExperimentAsync(objects, principal, log, services.GetRequiredService<Access>());
        var summary = await Summaries.SummarizeExperimentAsync(http, objects, log, scores: true, comparison);
        if (stream)
        {
            await events.JsonDeltaAsync(summary.ToJsonString());
            await events.DoneAsync();
            return;
        }

        await JsonResults.Ok(summary).ExecuteAsync(http);
    }

    private static async Task RunRowAsync(
        Principal principal, EventObject experiment, EvalRow row, ResolvedFunction task, List<ResolvedFunction> scorers, FunctionRunner runner,
        TimeProvider clock, IServiceProvider services, int? timeoutMs, CancellationToken aborted)
    {
        var root = new InvokeSpan(new SpanParent(experiment, null, null, null), null, "eval", "eval", clock.GetUtcNow());
        root.Row["input"] = row.Input?.DeepClone();
        root.Row["expected"] = row.Expected?.DeepClone();
        root.Row["metadata"] = row.Metadata?.DeepClone();
        root.Row["tags"] = row.Tags?.DeepClone();
        root.Row["origin"] = row.Origin?.DeepClone();
        var under = new SpanParent(experiment, root.SpanId, root.RootSpanId, null);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        if (timeoutMs is { } ms)
        {
            limit.CancelAfter(ms);
        }

        try
        {
            var taskArgs = new InvokeArgs { Input = row.Input?.DeepClone(), Metadata = row.Metadata?.DeepClone().AsObject() };
            var output = await runner.RunAsync(principal, task, taskArgs, under, InvokeStream.None, limit.Token, "task");
            root.Row["output"] = output?.DeepClone();
            var scores = new JsonObject();
            foreach (var scorer in scorers)
            {
                var scorerInput = ScoreResults.Arguments(row.Input, output, row.Expected, row.Metadata);
                try
                {
                    var result = await runner.RunAsync(principal, scorer, new InvokeArgs { Input = scorerInput }, under, InvokeStream.None, limit.Token, "score");
                    ScoreResults.Add(scores, scorer.Name, result);
                }
                catch (ApiException)
                {
                    // The scorer's own span holds the error; the row keeps the scores that worked, as the SDK's Eval does.
                }
            }

            root.Row["scores"] = scores;
        }
        catch (ApiException e)
        {
            root.Row["error"] = e.Message;
        }
        catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
        {
            root.Row["error"] = $"the row took longer than the eval's timeout of {timeoutMs} ms";
        }

        var end = clock.GetUtcNow();
        root.End(end);
        await InvokeSpans.WriteAsync(services, principal, experiment, [root.Row], end);
    }

    private static async Task<(List<EvalRow> Rows, string? DatasetId, string? Version)> DataAsync(
        JsonObject data, Principal principal, IServiceProvider services, ObjectStore objects)
    {
        if (data["data"] is { } inline)
        {
            var items = inline as JsonArray ?? throw ApiException.BadRequest("data.data: must be an array of rows {input, expected?, metadata?, tags?}");
            return ([.. items.Select((item, i) => item is JsonObject o
                ? Row(o, null)
                : throw ApiException.BadRequest($"data.data[{i}]: must be an object {{input, expected?, metadata?, tags?}}"))], null, null);
        }

        string datasetId;
        if ((string?)(data["dataset_id"] as JsonValue) is { } id)
        {
            datasetId = id;
        }
        else if ((string?)(data["project_name"] as JsonValue) is { } projectName && (string?)(data["dataset_name"] as JsonValue) is { } datasetName)
        {
            var project = await objects.GetByNaturalKeyAsync(principal.OrgId, ObjectKinds.Project.Name, principal.OrgId, projectName)
                ?? throw ApiException.BadRequest($"data.project_name: no project named '{projectName}'");
            datasetId = (await objects.GetByNaturalKeyAsync(principal.OrgId, ObjectKinds.Dataset.Name, project.Id, datasetName))?.Id
                ?? throw ApiException.BadRequest($"data.dataset_name: no dataset named '{datasetName}' in project '{projectName}'");
        }
        else
        {
            throw ApiException.BadRequest("data: must be {dataset_id}, {project_name, dataset_name} or {data: [rows]}");
        }

        var dataset = await ApiException.InBodyAsync(() =>
            EventLogs.ResolveAsync(objects, principal, EventObjectType.Dataset, datasetId, "data.dataset_id", services.GetRequiredService<Access>(), Access.Read));
        var version = (string?)(data["dataset_version"] as JsonValue) is { } v ? ObjectVersions.Parse(v, "data.dataset_version") : (long?)null;
        var store = services.GetRequiredService<EventStore>();
        var stored = new List<(JsonObject Row, long Xact)>();
        await foreach (var e in version is null ? store.ReadAllAsync(dataset.Object) : store.ReadAllAsync(dataset.Object, version.Value))
        {
            stored.Add((JsonNode.Parse(e.Data)!.AsObject(), e.Xact));
        }

        // Oldest first, as the SDK reads a dataset, so trials and summaries line up run to run.
        var rows = stored
            .OrderBy(r => (string?)r.Row["created"], StringComparer.Ordinal).ThenBy(r => (string?)r.Row["id"], StringComparer.Ordinal)
            .Select(r => Row(r.Row, new JsonObject
            {
                ["object_type"] = "dataset", ["object_id"] = dataset.Object.Id, ["id"] = r.Row["id"]?.DeepClone(), ["_xact_id"] = r.Xact.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }))
            .ToList();
        var last = stored.Count == 0 ? version : stored.Max(r => r.Xact);
        return (rows, dataset.Object.Id, last?.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static EvalRow Row(JsonObject o, JsonObject? origin) => new(
        o["input"]?.DeepClone(),
        o["expected"]?.DeepClone(),
        o["metadata"]?.DeepClone() as JsonObject,
        o["tags"]?.DeepClone() as JsonArray,
        origin);

    private static JsonObject Object(JsonObject body, string name) =>
        body[name] as JsonObject ?? throw ApiException.BadRequest(body[name] is null ? $"{name}: is required" : $"{name}: must be an object");

    private static int? PositiveInt(JsonObject body, string name) => body[name] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<double>(out var d) && d >= 1 && d == Math.Floor(d) && d <= int.MaxValue => (int)d,
        var other => throw ApiException.BadRequest($"{name}: must be a whole number of at least 1, not {JsonBody.Describe(other)}"),
    };

    private static void Copy(JsonObject from, string name, JsonObject to, string field)
    {
        if (from[name] is { } value)
        {
            to[field] = value.DeepClone();
        }
    }
}
