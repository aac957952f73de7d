using System.Text.Json.Nodes;
using Braid.Server.AccessControl;
using Braid.Server.Auth;
using Braid.Server.Events;
using Braid.Server.Http;
using Braid.Server.Objects;
using Braid.Storage.Events;
using Braid.Storage.Objects;
using Braid.Storage.Xact;

namespace Braid.Server.Sdk;

/// <summary>
/// The SDK's calls on the api base outside the OpenAPI spec (sdk-protocol §3 data plane): summaries, the current
/// transaction id, dataset restore, <c>project.publish()</c> and dataset snapshots. Each reuses the REST API's code.
/// Also <c>registerSandbox()</c>'s call on the proxy base, which Braid refuses (Braid serves every base at its root).
/// </summary>
public static class SdkDataPlaneApi
{
    public static IEndpointRouteBuilder MapSdkDataPlaneApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/experiment-comparison2", ComparisonAsync);
        routes.MapGet("/dataset-summary", DatasetSummaryAsync);
        routes.MapGet("/xact-id", XactIdAsync);
        routes.MapPost("/v1/dataset/{dataset_id}/restore/preview", (HttpContext http, ObjectStore objects) => RestoreAsync(http, objects, apply: false));
        routes.MapPost("/v1/dataset/{dataset_id}/restore", (HttpContext http, ObjectStore objects) => RestoreAsync(http, objects, apply: true));
        routes.MapPost("/insert-functions", InsertFunctionsAsync);
        routes.MapPost("/function/sandbox-list", SandboxListAsync);

        var snapshots = routes.MapGroup("/api/dataset_snapshot").WithTags("sdk");
        snapshots.MapPost("register", RegisterSnapshotAsync);
        snapshots.MapPost("get", ListSnapshotsAsync);
        snapshots.MapPost("patch_id", PatchSnapshotAsync);
        snapshots.MapPost("delete_id", DeleteSnapshotAsync);
        return routes;
    }

    /// <summary>
    /// <c>summarize()</c>'s numbers: the summarize endpoint's scores and metrics, compared with <c>base_experiment_id</c>
    /// only when the SDK gives one (it asks <c>/api/base_experiment/get_id</c> first).
    /// </summary>
    private static async Task<IResult> ComparisonAsync(HttpContext http, ObjectStore objects)
    {
        var principal = http.GetPrincipal();
        var id = QueryArgs.Single(http.Request, "experiment_id") ?? throw ApiException.BadRequest("experiment_id: is required");
        var log = await EventLogs.ResolveAsync(objects, principal, EventObjectType.Experiment, id, "experiment_id", EventsApi.AccessOf(http), Access.Read);
        string? baselineId = null;
        if (QueryArgs.Single(http.Request, "base_experiment_id") is { } baseId)
        {
            baselineId = (await EventLogs.ResolveAsync(objects, principal, EventObjectType.Experiment, baseId, "base_experiment_id", EventsApi.AccessOf(http), Access.Read)).Object.Id;
        }

        var project = await Summaries.ProjectAsync(objects, principal.OrgId, log.ProjectId);
        var (scores, metrics) = await Summaries.ScoresAndMetricsAsync(http, project, log, baselineId);
        return JsonResults.Ok(new JsonObject { ["scores"] = scores, ["metrics"] = metrics });
    }

    private static async Task<IResult> DatasetSummaryAsync(HttpContext http, ObjectStore objects, EventStore events)
    {
        var id = QueryArgs.Single(http.Request, "dataset_id") ?? throw ApiException.BadRequest("dataset_id: is required");
        var log = await EventLogs.ResolveAsync(objects, http.GetPrincipal(), EventObjectType.Dataset, id, "dataset_id", EventsApi.AccessOf(http), Access.Read);
        return JsonResults.Ok(new JsonObject { ["total_records"] = await events.CountAsync(log.Object) });
    }

    /// <summary>
    /// The newest transaction id as plain text (<c>dataset.createSnapshot()</c> pins it). Text, not a JSON number: 19
    /// digits do not survive a JavaScript number.
    /// </summary>
    private static async Task<IResult> XactIdAsync(EventStore events) =>
        Results.Text(XactId.Format(await events.LastXactAsync()), "text/plain");

    /// <summary>
    /// <c>{version}</c>: puts the dataset back as it was right after that transaction. Rows changed or deleted since are
    /// written again as they were then; rows created since are deleted. The preview only counts them.
    /// </summary>
    private static async Task<IResult> RestoreAsync(HttpContext http, ObjectStore objects, bool apply)
    {
        var log = await EventsApi.ResolveAsync(http, objects, EventObjectType.Dataset, "dataset_id", Access.Update);
        var (body, bytes) = await JsonBody.ReadSizedObjectAsync(http);
        var text = body["version"] is JsonValue v ? v.ToString() : null;
        if (!XactId.TryParse(text, out var version))
        {
            throw ApiException.BadRequest($"version: '{text}' is not a transaction id (_xact_id)");
        }

        var events = http.RequestServices.GetRequiredService<EventStore>();
        var then = new Dictionary<string, StoredEvent>();
        await foreach (var row in events.ReadAllAsync(log.Object, version))
        {
            then[RowId(row)] = row;
        }

        var ops = new List<EventOp>();
        var now = DateTimeOffset.UtcNow;
        var deletes = 0;
        await foreach (var row in events.ReadAllAsync(log.Object))
        {
            var id = RowId(row);
            if (!then.TryGetValue(id, out var old))
            {
                deletes++;
                ops.Add(EventsApi.PrepareInsert(http, log, new JsonObject { ["id"] = id, [RowFields.ObjectDelete] = true }, "version", bytes, now));
            }
            else if (old.Xact == row.Xact || JsonNode.DeepEquals(JsonNode.Parse(old.Data), JsonNode.Parse(row.Data)))
            {
                // Unchanged since the version, or already put back by an earlier restore.
                then.Remove(id);
            }
        }

        // What is left in `then` changed or was deleted after the version: write it back as it was.
        foreach (var (_, old) in then)
        {
            ops.Add(EventsApi.PrepareInsert(http, log, JsonNode.Parse(old.Data)!.AsObject(), "version", bytes, now));
        }

        if (!apply)
        {
            return JsonResults.Ok(new JsonObject { ["rows_to_restore"] = then.Count, ["rows_to_delete"] = deletes });
        }

        var xact = await EventsApi.CommitAsync(http, ops, bytes) ?? await events.LastXactAsync();
        return JsonResults.Ok(new JsonObject { ["xact_id"] = XactId.Format(xact), ["rows_restored"] = then.Count, ["rows_deleted"] = deletes });
    }

    private static string RowId(StoredEvent row) => (string)JsonNode.Parse(row.Data)![RowFields.Id]!;

    /// <summary>
    /// <c>project.publish()</c>: each function is written by slug in its project through the function kind, or the prompt
    /// kind for <c>function_data.type = "prompt"</c>. Publishing is a deploy, so a slug that exists is replaced unless
    /// the function says otherwise in <c>if_exists</c>. The batch is all or nothing: every function is checked before
    /// any is written, and a 400 names the first bad one by its index.
    /// </summary>
    private static async Task<IResult> InsertFunctionsAsync(HttpContext http, ObjectStore store)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var functions = EventValidation.Array(body, "functions");
        var batch = new List<(ObjectKind Kind, JsonObject Function, string IfExists)>(functions.Count);
        var seen = new Dictionary<(string Kind, string? Project, string? Slug), int>();
        for (var i = 0; i < functions.Count; i++)
        {
            if (functions[i] is not JsonObject function)
            {
                throw ApiException.BadRequest($"functions[{i}]: must be an object, not {JsonBody.Describe(functions[i])}");
            }

            await NamingTheFunctionAsync(i, async () =>
            {
                var ifExists = FieldValidation.Check(ObjectsApi.IfExists, function["if_exists"])?.GetValue<string>() ?? "replace";
                // A published prompt is what loadPrompt reads: the prompt kind, not a function.
                var kind = (string?)(function["function_data"]?["type"] as JsonValue) == "prompt" ? ObjectKinds.Prompt : ObjectKinds.Function;
                await ObjectsApi.UpsertAsync(kind, function, ifExists, http, store, checkOnly: true);

                // The check above sees only what is stored: a slug the batch itself takes twice would clash at write time.
                var key = (kind.Name, function["project_id"]?.ToString() ?? function["project_name"]?.ToString(), function["slug"]?.ToString());
                if (seen.TryGetValue(key, out var earlier) && ifExists == "error")
                {
                    throw ApiException.BadRequest($"slug: '{key.Item3}' is also functions[{earlier}] of this batch, and if_exists is 'error'");
                }

                seen.TryAdd(key, i);
                batch.Add((kind, function, ifExists));
            });
        }

        var written = new JsonArray();
        for (var i = 0; i < batch.Count; i++)
        {
            var (kind, function, ifExists) = batch[i];
            await NamingTheFunctionAsync(i, async () =>
            {
                var (doc, existing) = await ObjectsApi.UpsertAsync(kind, function, ifExists, http, store);
                written.Add(new JsonObject
                {
                    ["id"] = doc["id"]?.DeepClone(),
                    ["slug"] = doc["slug"]?.DeepClone(),
                    ["project_id"] = doc["project_id"]?.DeepClone(),
                    ["found_existing"] = existing,
                });
            });
        }

        return JsonResults.Ok(new JsonObject { ["status"] = "success", ["functions"] = written });
    }

    /// <summary>
    /// <c>registerSandbox()</c> asks the server to list the evals inside a snapshot of an external cloud sandbox
    /// (<c>sandbox_spec.provider</c>: Modal, Lambda) before it registers them as functions. Braid runs no sandboxes and
    /// holds no provider's credentials, so it cannot look inside one: a 400 naming the provider, which the SDK throws.
    /// </summary>
    private static async Task SandboxListAsync(HttpContext http)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var spec = body["sandbox_spec"] as JsonObject ?? throw ApiException.BadRequest("sandbox_spec: is required (an object with provider)");
        var provider = SdkArgs.RequiredString(spec, "provider");
        throw ApiException.BadRequest(
            $"sandbox_spec.provider: '{provider}' sandboxes are not supported by this server: Braid cannot reach an external " +
            "sandbox provider to list the evals in a snapshot. Run the evals with Eval() instead.");
    }

    // A client error about one function of the batch names it by index: "functions[2].slug: ...".
    private static async Task NamingTheFunctionAsync(int index, Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (ApiException e) when (e.Status < 500)
        {
            throw new ApiException(e.Status, $"functions[{index}].{e.Message}");
        }
    }

    /// <summary>
    /// <c>dataset.createSnapshot()</c>: <c>{dataset_id, dataset_snapshot_name, xact_id, description?, update?}</c> →
    /// <c>{dataset_snapshot, found_existing}</c>. Register semantics: a name the dataset already has comes back
    /// unchanged, unless <c>update</c> asks to point it at the new version (and description).
    /// </summary>
    private static async Task<IResult> RegisterSnapshotAsync(HttpContext http, ObjectStore store)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var create = new JsonObject
        {
            ["dataset_id"] = body["dataset_id"]?.DeepClone(),
            // The spec's create body says `name`; the SDK says `dataset_snapshot_name`.
            ["name"] = (body["dataset_snapshot_name"] ?? body["name"])?.DeepClone(),
            ["xact_id"] = body["xact_id"]?.DeepClone(),
        };
        foreach (var field in new[] { "description", "org_name" })
        {
            if (body.TryGetPropertyValue(field, out var value))
            {
                create[field] = value?.DeepClone();
            }
        }

        if (create["name"] is null)
        {
            ApiException.ThrowBadRequest("dataset_snapshot_name: is required");
        }

        var ifExists = SdkArgs.OptionalBoolean(body, "update") == true ? "replace" : null;
        var (snapshot, existing) = await ObjectsApi.UpsertAsync(ObjectKinds.DatasetSnapshot, create, ifExists, http, store);
        return JsonResults.Ok(new JsonObject { ["dataset_snapshot"] = snapshot, ["found_existing"] = existing });
    }

    /// <summary>
    /// <c>listSnapshots()</c> and <c>getSnapshot()</c>: <c>{dataset_id, name?, xact_id?}</c> (or <c>{id}</c>) → the
    /// matching snapshots as an array, newest first. A name or version that matches none is an empty array: the SDK
    /// reports "not found" itself.
    /// </summary>
    private static async Task<IResult> ListSnapshotsAsync(HttpContext http, ObjectStore store)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var principal = await SdkArgs.OrganizationAsync(http, body);
        var id = SdkArgs.OptionalUuid(body, "id");
        var datasetId = SdkArgs.OptionalUuid(body, "dataset_id");
        if (id is null && datasetId is null)
        {
            ApiException.ThrowBadRequest("dataset_id: is required (or id)");
        }

        var xactId = SdkArgs.OptionalString(body, "xact_id");
        var query = new ObjectQuery(principal.OrgId, ObjectKinds.DatasetSnapshot.Name)
        {
            Ids = id is null ? null : [id],
            ScopeId = datasetId,
            Name = SdkArgs.OptionalString(body, "name"),
        };
        var snapshots = new JsonArray();
        var access = EventsApi.AccessOf(http);
        await foreach (var row in store.ListAsync(query, null))
        {
            var snapshot = ObjectDocuments.Render(ObjectKinds.DatasetSnapshot, row);
            if ((xactId is null || (string?)snapshot["xact_id"] == xactId)
                && await ObjectAccess.CanReadAsync(access, principal, ObjectKinds.DatasetSnapshot, row))
            {
                snapshots.Add(snapshot);
            }
        }

        return JsonResults.Ok(snapshots);
    }

    /// <summary><c>updateSnapshot(id, {name?, description?})</c> → the snapshot. A null name leaves it; a null description clears it.</summary>
    private static async Task<IResult> PatchSnapshotAsync(HttpContext http, ObjectStore store)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var id = SdkArgs.OptionalUuid(body, "id") ?? throw ApiException.BadRequest("id: is required");
        var patch = new JsonObject();
        if (body["name"] is { } name)
        {
            patch["name"] = name.DeepClone();
        }

        if (body.TryGetPropertyValue("description", out var description))
        {
            patch["description"] = description?.DeepClone();
        }

        return await ObjectsApi.PatchAsync(ObjectKinds.DatasetSnapshot, id, patch, http, store);
    }

    /// <summary><c>deleteSnapshot(id)</c> → the deleted snapshot. The dataset's rows are untouched.</summary>
    private static async Task<IResult> DeleteSnapshotAsync(HttpContext http, ObjectStore store)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var id = SdkArgs.OptionalUuid(body, "id") ?? throw ApiException.BadRequest("id: is required");
        return await ObjectsApi.DeleteAsync(ObjectKinds.DatasetSnapshot, id, http, store);
    }
}
