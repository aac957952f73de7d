using System.Text.Json.Nodes;
using Braid.Server.Http;
using Braid.Storage.Objects;
using Braid.Storage.Tenancy;

namespace Braid.Server.Automations;

/// <summary>A <c>project_automation</c> as the scheduler runs it: who owns it, where it lives, and its <c>config</c>.</summary>
public sealed record Automation(
    string Id, string OrgId, string ProjectId, string? UserId, string Name, string? Description, DateTimeOffset Created, JsonObject Config)
{
    public string EventType => JsonBody.Text(Config["event_type"]) ?? "";

    /// <summary>A <c>status: "paused"</c> automation keeps its progress but does not run.</summary>
    public bool Paused => JsonBody.Text(Config["status"]) == "paused";

    /// <summary>
    /// Who the automation acts as: its creator (or <paramref name="userId"/>), in its organization. Reads and
    /// deletions are checked and audited as that user's, so an automation can do no more than the person who made it.
    /// </summary>
    public async Task<Principal> PrincipalAsync(TenantStore tenants, string? userId = null)
    {
        var organization = await tenants.FindOrganizationByIdAsync(OrgId) ?? throw ApiException.NotFound($"organization '{OrgId}' not found");
        return new Principal(userId ?? UserId ?? "", OrgId, organization.Name, "automation");
    }

    public static Automation From(ObjectRow row)
    {
        var doc = JsonNode.Parse(row.Data)!.AsObject();
        return new Automation(
            row.Id, row.OrgId, row.ScopeId, JsonBody.Text(doc["user_id"]), row.Name ?? JsonBody.Text(doc["name"]) ?? "",
            JsonBody.Text(doc["description"]), DateTimeOffset.Parse(row.Created, System.Globalization.CultureInfo.InvariantCulture),
            doc["config"] as JsonObject ?? []);
    }
}

/// <summary>
/// One run of an automation, handed to the code for its event type: the progress it starts from (<see cref="State"/>,
/// a JSON document saved with the schedule), and what the run reports back.
/// </summary>
public sealed class AutomationRun(Automation automation, JsonObject state, long dueMs, Func<JsonObject, Task<bool>> save)
{
    public Automation Automation { get; } = automation;

    /// <summary>The automation's progress; changes are kept when the run ends, or earlier through <see cref="SaveAsync"/>.</summary>
    public JsonObject State { get; } = state;

    /// <summary>When this run was due (unix milliseconds).</summary>
    public long DueMs { get; } = dueMs;

    /// <summary>Rows the run read, wrote or deleted, as its event type counts them.</summary>
    public long Rows { get; set; }

    /// <summary>What the run did, for its record (e.g. the files it wrote, the alert it sent).</summary>
    public JsonObject Detail { get; } = [];

    /// <summary>Set when the automation's work is finished for good (an async query that has run): it is not due again until reset.</summary>
    public bool Done { get; set; }

    /// <summary>Set when work remains (an export's backlog), so the next run starts at once instead of after the interval.</summary>
    public bool MoreToDo { get; set; }

    /// <summary>Saves <see cref="State"/> now, before the run ends; throws when this node lost the automation's lease.</summary>
    public async Task SaveAsync()
    {
        if (!await save(State))
        {
            throw new LeaseLostException();
        }
    }
}

/// <summary>The node's lease on an automation ran out and another node took it: this node's run must stop.</summary>
public sealed class LeaseLostException() : Exception("another node took over this automation after this node's lease ran out");
