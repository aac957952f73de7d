using System.Globalization;
using System.Text.Json.Nodes;
using Braid.Server.AccessControl;
using Braid.Server.Automations.Alerts;
using Braid.Server.Auth;
using Braid.Server.Http;
using Braid.Server.Objects;
using Braid.Storage.Automations;
using Braid.Storage.Blobs;
using Braid.Storage.Objects;

namespace Braid.Server.Automations;

/// <summary>
/// What Braintrust's UI shows and does for an automation, as API (Braid's own; the spec has no such routes):
/// <c>GET /v1/project_automation/{id}/runs</c> lists its runs, newest first (who ran it, when it was due, start, end,
/// rows, outcome, error); <c>POST .../run</c> makes it due now ("Run once"); <c>POST .../reset</c> forgets its progress,
/// so an export starts over from the first row ("Reset automation state") and an async query runs again;
/// <c>GET .../result</c> reads an async query's rows; <c>GET .../signing_secret</c> gives those who may update it
/// the secret its webhook alerts are signed with (<see cref="WebhookSigning"/>).
/// </summary>
public static class AutomationsApi
{
    private const int DefaultRuns = 100;

    public static IEndpointRouteBuilder MapAutomationsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/project_automation/{project_automation_id}").WithTags("project_automation");
        group.MapGet("/runs", RunsAsync);
        group.MapPost("/run", RunNowAsync);
        group.MapPost("/reset", ResetAsync);
        group.MapGet("/result", ResultAsync);
        group.MapGet("/signing_secret", SigningSecretAsync);
        return routes;
    }

    private static async Task<IResult> RunsAsync(HttpContext http, AutomationStore store)
    {
        var automation = await AutomationAsync(http, Access.Read);
        var limit = QueryArgs.Single(http.Request, "limit") is { } given
            ? int.TryParse(given, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 1000
                ? n
                : throw ApiException.BadRequest("limit: must be a whole number from 1 to 1000")
            : DefaultRuns;
        var runs = new JsonArray();
        foreach (var run in await store.RunsAsync(automation.Id, limit))
        {
            runs.Add(new JsonObject
            {
                ["id"] = run.Id,
                ["automation_id"] = run.AutomationId,
                ["due"] = Storage.Clock.Format(DateTimeOffset.FromUnixTimeMilliseconds(run.DueMs)),
                ["node"] = run.Node,
                ["started"] = run.Started,
                ["ended"] = run.Ended,
                ["outcome"] = run.Outcome,
                ["rows"] = run.Rows,
                ["error"] = run.Error,
                ["detail"] = run.Detail is null ? null : JsonNode.Parse(run.Detail),
            });
        }

        return JsonResults.Ok(new JsonObject { ["objects"] = runs });
    }

    private static async Task<IResult> RunNowAsync(HttpContext http, AutomationStore store, TimeProvider clock)
    {
        var automation = await AutomationAsync(http, Access.Update);
        var now = clock.GetUtcNow();
        await store.EnsureAsync(automation.Id, automation.OrgId, now.ToUnixTimeMilliseconds(),
            new JsonObject { ["v"] = AutomationScheduler.StateVersion }.ToJsonString());
        await store.MakeDueAsync(automation.Id, now.ToUnixTimeMilliseconds());
        return JsonResults.Ok(new JsonObject { ["id"] = automation.Id, ["due"] = Storage.Clock.Format(now) });
    }

    private static async Task<IResult> ResetAsync(HttpContext http, AutomationStore store)
    {
        var automation = await AutomationAsync(http, Access.Update);
        await store.ForgetAsync(automation.Id);
        return JsonResults.Ok(new JsonObject { ["id"] = automation.Id, ["reset"] = true });
    }

    /// <summary>An async query's rows as JSON lines once it has run; until then a 202 with its status.</summary>
    private static async Task ResultAsync(HttpContext http, AutomationStore store, BlobStore blobs)
    {
        var automation = await AutomationAsync(http, Access.Read);
        if (automation.EventType != "async_query")
        {
            throw ApiException.BadRequest($"project_automation '{automation.Id}' is a {automation.EventType} automation; only async_query automations have a result");
        }

        var state = await store.StateAsync(automation.Id) is { } text ? JsonNode.Parse(text) as JsonObject : null;
        if (state?["parts"] is not JsonArray parts)
        {
            http.Response.StatusCode = StatusCodes.Status202Accepted;
            await http.Response.WriteAsJsonAsync(new { status = "pending", message = "the query has not finished; its runs (GET .../runs) say how it is going" });
            return;
        }

        http.Response.ContentType = "application/x-ndjson; charset=utf-8";
        http.Response.Headers["x-bt-rows"] = ((long?)JsonBody.Number(state["rows"]) ?? 0).ToString(CultureInfo.InvariantCulture);
        foreach (var part in parts)
        {
            await using var stream = blobs.OpenRead(JsonBody.Text(part?["key"]) ?? "")
                ?? throw ApiException.NotFound("the async query's result was deleted; reset the automation to run it again");
            await stream.CopyToAsync(http.Response.Body, http.RequestAborted);
        }
    }

    private static async Task<IResult> SigningSecretAsync(HttpContext http, WebhookSigning signing)
    {
        var automation = await AutomationAsync(http, Access.Update);
        http.Response.Headers.CacheControl = "no-store";
        return JsonResults.Ok(new JsonObject
        {
            ["id"] = automation.Id,
            ["signing_secret"] = signing.Secret(automation.Id),
            ["signature_header"] = WebhookSigning.SignatureHeader,
        });
    }

    private static async Task<Automation> AutomationAsync(HttpContext http, string permission)
    {
        var principal = http.GetPrincipal();
        var id = Ids.FromPath((string)http.GetRouteValue("project_automation_id")!, "project_automation_id");
        var row = await http.RequestServices.GetRequiredService<ObjectStore>().GetAsync(principal.OrgId, ObjectKinds.ProjectAutomation.Name, id)
            ?? throw ApiException.NotFound($"project_automation '{id}' not found");
        await ObjectAccess.RequireAsync(http.RequestServices.GetRequiredService<Access>(), principal, ObjectKinds.ProjectAutomation, row, permission);
        return Automation.From(row);
    }
}
