using System.Text.Json.Nodes;
using Braid.Server.AccessControl;
using Braid.Server.Blobs;
using Braid.Server.Http;
using Braid.Server.Objects;
using Braid.Storage;
using Braid.Storage.Blobs;
using Braid.Storage.Events;
using Braid.Storage.Objects;
using Braid.Storage.Tenancy;

namespace Braid.Server.Automations;

/// <summary>
/// <c>retention</c> automations: deletes for good what is older than <c>retention_days</c> in the project. For
/// <c>project_logs</c> and <c>dataset</c> that is whole traces (dataset records) whose rows were all created before the
/// cutoff; for <c>experiment</c> it is whole experiments created before it, rows first, then the experiment. Rows go
/// in batches of <see cref="BatchTraces"/> traces, each its own short transaction, so a busy log keeps ingesting while
/// it is trimmed; the attachments the deleted rows referenced are deleted with them.
/// </summary>
public sealed class Retention(EventStore events, ObjectStore objects, BlobStore blobs, TenantStore tenants, TimeProvider clock)
{
    private const int BatchTraces = 200;

    public async Task RunAsync(AutomationRun run, CancellationToken cancellationToken)
    {
        var automation = run.Automation;
        var days = JsonBody.Number(automation.Config["retention_days"]) ?? throw ApiException.BadRequest("config.retention_days: is required");
        var cutoff = Clock.Format(clock.GetUtcNow() - TimeSpan.FromDays(days));
        run.Detail["cutoff"] = cutoff;
        switch (JsonBody.Text(automation.Config["object_type"]))
        {
            case "project_logs":
                run.Rows += await PurgeAsync(new EventObject(EventObjectType.ProjectLogs, automation.ProjectId), cutoff, automation.OrgId, cancellationToken);
                break;
            case "dataset":
                foreach (var dataset in await ChildrenAsync(automation, ObjectKinds.Dataset.Name, null))
                {
                    run.Rows += await PurgeAsync(new EventObject(EventObjectType.Dataset, dataset.Id), cutoff, automation.OrgId, cancellationToken);
                }

                break;
            case "experiment":
                var deleted = new JsonArray();
                foreach (var experiment in await ChildrenAsync(automation, ObjectKinds.Experiment.Name, cutoff))
                {
                    run.Rows += await PurgeAsync(new EventObject(EventObjectType.Experiment, experiment.Id), null, automation.OrgId, cancellationToken);
                    var principal = await automation.PrincipalAsync(tenants);
                    var audit = AuditTrail.Event(principal, "delete", ObjectKinds.Experiment.Name, experiment.Id, experiment.Name,
                        new JsonObject { ["reason"] = $"retention automation '{automation.Name}' ({automation.Id})" });
                    await objects.DeleteAsync(automation.OrgId, ObjectKinds.Experiment.Name, experiment.Id, clock.GetUtcNow(), audit);
                    deleted.Add(experiment.Id);
                }

                run.Detail["deleted_experiments"] = deleted;
                break;
        }
    }

    // The project's live objects of a kind, those created before the cutoff only when one is given.
    private async Task<List<ObjectRow>> ChildrenAsync(Automation automation, string kind, string? createdBefore)
    {
        var children = new List<ObjectRow>();
        await foreach (var row in objects.ListAsync(new ObjectQuery(automation.OrgId, kind) { ScopeId = automation.ProjectId }, null))
        {
            if (createdBefore is null || string.CompareOrdinal(row.Created, createdBefore) < 0)
            {
                children.Add(row);
            }
        }

        return children;
    }

    private async Task<long> PurgeAsync(EventObject obj, string? cutoff, string orgId, CancellationToken cancellationToken)
    {
        long rows = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = await events.PurgeAsync(obj, cutoff, BatchTraces);
            rows += batch.Rows;
            foreach (var key in batch.AttachmentHolders.SelectMany(AttachmentKeys).Distinct())
            {
                blobs.Delete(BlobsApi.AttachmentBlob(orgId, key));
            }

            if (batch.Traces < BatchTraces)
            {
                return rows;
            }
        }
    }

    // The keys of the attachments a stored row refers to: {"type": "braintrust_attachment", "key": ...} anywhere in it.
    private static IEnumerable<string> AttachmentKeys(string data)
    {
        var stack = new Stack<JsonNode?>([JsonNode.Parse(data)]);
        while (stack.TryPop(out var node))
        {
            switch (node)
            {
                case JsonObject o:
                    if (JsonBody.Text(o["type"]) == "braintrust_attachment" && JsonBody.Text(o["key"]) is { } key && BlobStore.IsValidKey(key))
                    {
                        yield return key;
                    }

                    foreach (var (_, child) in o)
                    {
                        stack.Push(child);
                    }

                    break;
                case JsonArray a:
                    foreach (var child in a)
                    {
                        stack.Push(child);
                    }

                    break;
            }
        }
    }
}
