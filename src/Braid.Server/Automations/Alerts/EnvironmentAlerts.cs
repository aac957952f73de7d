using System.Text.Json.Nodes;
using Braid.Server.AccessControl;
using Braid.Server.Http;
using Braid.Server.Objects;
using Braid.Storage.Objects;
using Braid.Storage.Tenancy;
using Microsoft.Extensions.Options;

namespace Braid.Server.Automations.Alerts;

/// <summary>
/// Environment alerts (<c>event_type: "environment_update"</c>): one notification for each time an environment
/// pin of a prompt, function or dataset in the project is set or removed, in an environment <c>environment_filter</c>
/// names (any, when it names none). The changes are read from the audit log, where every pin change is recorded
/// (<see cref="EnvironmentObjectsApi"/>), in the order they were made, starting with those after the alert was made.
/// There is no suppression: every change is a notification. A change whose notification is refused is not sent
/// again; the changes after it are sent at the next check.
/// </summary>
public sealed class EnvironmentAlerts(AlertDelivery delivery, TenantStore tenants, ObjectStore objects, IOptions<ServerOptions> options)
{
    private const int PageSize = 500;

    // Progress kept in the run's state: the last audit event read (objects-table seq).
    private const string Cursor = "audit_seq";

    public async Task RunAsync(AutomationRun run, CancellationToken cancellationToken)
    {
        var automation = run.Automation;
        var environments = (automation.Config["environment_filter"] as JsonArray ?? []).Select(JsonBody.Text).OfType<string>().ToHashSet(StringComparer.Ordinal);

        // Audit events share the objects table's seq with the automation itself, so those after it came later.
        var cursor = JsonBody.Number(run.State[Cursor]) is { } saved
            ? (long)saved
            : await objects.FindSeqAsync(automation.OrgId, ObjectKinds.ProjectAutomation.Name, automation.Id) ?? 0;
        AlertSubject? subject = null;
        var sent = 0;
        List<ObjectRow> page;
        do
        {
            page = [];
            await foreach (var row in objects.ListAsync(new ObjectQuery(automation.OrgId, AuditTrail.Kind) { BeforeSeq = cursor }, PageSize))
            {
                page.Add(row);
            }

            foreach (var row in page)
            {
                cursor = row.Seq;
                var change = JsonNode.Parse(row.Data)!.AsObject();
                var details = change["details"] as JsonObject;
                var environment = JsonBody.Text(details?["environment_slug"]);
                if (JsonBody.Text(change["action"]) is not (EnvironmentObjectsApi.AssignAction or EnvironmentObjectsApi.RemoveAction)
                    || JsonBody.Text(details?["project_id"]) != automation.ProjectId
                    || (environments.Count > 0 && (environment is null || !environments.Contains(environment))))
                {
                    continue;
                }

                subject ??= await AlertSubject.LoadAsync(automation, tenants, objects, options.Value.PublicUrl);
                var delivered = await delivery.SendAsync(subject, subject.Payload(["environment_filter"], Details(automation, change)), cancellationToken);
                run.State[Cursor] = cursor;
                if (!delivered.Delivered)
                {
                    run.Detail["changes"] = sent + 1;
                    delivered.Describe(run.Detail);
                    throw new ApiException(StatusCodes.Status502BadGateway, delivered.Error!);
                }

                // Saved as each goes out, so a run cut short does not send it again.
                sent++;
                run.Rows = sent;
                await run.SaveAsync();
            }
        }
        while (page.Count == PageSize);

        run.State[Cursor] = cursor;
        run.Detail["changes"] = sent;
        run.Detail["sent"] = sent > 0;
    }

    private static JsonObject Details(Automation automation, JsonObject change)
    {
        var details = change["details"]!.AsObject();
        var action = JsonBody.Text(change["action"]);
        var objectType = JsonBody.Text(change["target_type"]);
        var objectName = JsonBody.Text(change["target_name"]) ?? JsonBody.Text(change["target_id"]);
        var slug = JsonBody.Text(details["environment_slug"]);
        var version = JsonBody.Text(details["object_version"]);
        return new JsonObject
        {
            ["is_test"] = false,
            ["message"] = action == EnvironmentObjectsApi.AssignAction
                ? $"{automation.Name}: {objectType} '{objectName}' version {version} was assigned to environment '{slug}'"
                : $"{automation.Name}: {objectType} '{objectName}' version {version} was removed from environment '{slug}'",
            ["action"] = action,
            ["environment"] = new JsonObject { ["id"] = details["environment_id"]?.DeepClone(), ["slug"] = slug },
            ["object_type"] = objectType,
            ["object_id"] = change["target_id"]?.DeepClone(),
            ["object_name"] = JsonBody.Text(change["target_name"]),
            ["object_version"] = version,
            ["user_id"] = change["user_id"]?.DeepClone(),
            ["time"] = change["created"]?.DeepClone(),
        };
    }
}
