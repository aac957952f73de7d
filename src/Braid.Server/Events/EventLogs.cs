using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Server.AccessControl;
using Braid.Server.Http;
using Braid.Server.Objects;
using Braid.Storage.Events;
using Braid.Storage.Objects;
using Braid.Storage.Tenancy;

namespace Braid.Server.Events;

/// <summary>
/// An event log resolved for a caller: the log, the object that owns it (in the caller's organization), and
/// the identity fields every row of it carries on the wire (<c>org_id</c>/<c>project_id</c>/<c>log_id</c>, ...).
/// </summary>
public sealed record EventLog(EventObject Object, string ProjectId, JsonObject Owner, string IdentityJson)
{
    public bool IsDataset => Object.Type == EventObjectType.Dataset;
}

public static class EventLogs
{
    /// <summary>The path segment of each log type and the parameter naming its object.</summary>
    public static readonly IReadOnlyList<(EventObjectType Type, string Segment, string IdParameter)> Routes =
    [
        (EventObjectType.ProjectLogs, "project_logs", "project_id"),
        (EventObjectType.Experiment, "experiment", "experiment_id"),
        (EventObjectType.Dataset, "dataset", "dataset_id"),
    ];

    /// <summary>
    /// Finds the log's object in the caller's organization (another organization's id is a 404 like an unknown one)
    /// and checks the caller's <paramref name="permission"/> on it: <c>read</c> to fetch, <c>update</c> to write rows.
    /// </summary>
    public static async Task<EventLog> ResolveAsync(
        ObjectStore objects, Principal principal, EventObjectType type, string rawId, string parameter, Access access, string permission)
    {
        var id = Ids.FromPath(rawId, parameter);
        var kind = KindOf(type);
        var row = await objects.GetAsync(principal.OrgId, kind.Name, id)
            ?? throw ApiException.NotFound($"{kind.Name} '{rawId}' not found");
        var log = FromRow(principal.OrgId, type, row);
        await access.RequireAsync(principal, Target(principal.OrgId, log), permission);
        return log;
    }

    /// <summary>What access to a log is checked as: a project's logs are the ACL object type project_log.</summary>
    public static AccessTarget Target(string orgId, EventLog log) => log.Object.Type switch
    {
        EventObjectType.ProjectLogs => Access.InProject("project_log", log.Object.Id, orgId, log.ProjectId),
        EventObjectType.Experiment => Access.InProject("experiment", log.Object.Id, orgId, log.ProjectId),
        _ => Access.InProject("dataset", log.Object.Id, orgId, log.ProjectId),
    };

    public static ObjectKind KindOf(EventObjectType type) => type switch
    {
        EventObjectType.ProjectLogs => ObjectKinds.Project,
        EventObjectType.Experiment => ObjectKinds.Experiment,
        _ => ObjectKinds.Dataset,
    };

    /// <summary>The log owned by an object already found in organization <paramref name="orgId"/>.</summary>
    public static EventLog FromRow(string orgId, EventObjectType type, ObjectRow row)
    {
        var id = row.Id;
        var owner = JsonNode.Parse(row.Data)!.AsObject();
        var projectId = type == EventObjectType.ProjectLogs ? id : (string)owner["project_id"]!;
        var identity = type switch
        {
            EventObjectType.ProjectLogs => new JsonObject { ["org_id"] = orgId, ["project_id"] = id, ["log_id"] = "g" },
            EventObjectType.Experiment => new JsonObject { ["project_id"] = projectId, ["experiment_id"] = id },
            _ => new JsonObject { ["project_id"] = projectId, ["dataset_id"] = id },
        };
        var json = identity.ToJsonString();
        return new EventLog(new EventObject(type, id), projectId, owner, json[1..^1]);
    }

    /// <summary>
    /// Writes one stored row as the wire row: the log's identity and <c>_xact_id</c> spliced in front of the
    /// stored JSON, without parsing it (rows are stored without identity fields, so no key repeats).
    /// </summary>
    public static void WriteRow(Utf8JsonWriter writer, EventLog log, StoredEvent row)
    {
        var data = row.Data.AsSpan().TrimStart();
        var rest = data[1..].TrimStart();
        var separator = rest.StartsWith('}') ? "" : ",";
        var text = $"{{{log.IdentityJson},\"_xact_id\":\"{Braid.Storage.Xact.XactId.Format(row.Xact)}\"{separator}{rest}";
        writer.WriteRawValue(text, skipInputValidation: true);
    }
}
