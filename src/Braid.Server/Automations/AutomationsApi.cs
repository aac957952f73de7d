using System.Globalization;
using System.Text.Json.Nodes;
using Braid.Server.AccessControl;
using Braid.Server.Automations.Alerts;
using Braid.Server.Auth;
using Braid.Server.Http;
using Braid.Server.Objects;
using Braid.Storage.Automations;
using Braid.Storage.Objects;

namespace Braid.Server.Automations;

/// <summary>
/// What Braintrust's UI shows and does for an automation, as API (Braid's own; the spec has no such routes):
/// <c>GET /v1/project_automation/{id}/runs</c> lists its runs, newest first (who ran it, when it was due, start, end,
/// rows, outcome, error); <c>POST .../run</c> makes it due now ("Run once"); <c>POST .../reset</c> forgets its progress,
/// so an export starts over from the first row ("Reset automation state"); <c>GET .../signing_secret</c> gives those
/// who may update it the secret its webhook alerts are signed with (<see cref="WebhookSigning"/>).
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
