using System.Text.Json.Nodes;
using Braid.Server.AccessControl;
using Braid.Server.Events;
using Braid.Server.Http;
using Braid.Server.Objects;
using Braid.Server.Sdk;
using Braid.Storage.Events;
using Braid.Storage.Objects;
using Braid.Storage.Tenancy;

namespace Braid.Server.Otel;

/// <summary>
/// Which log spans go to, as Braintrust's OTLP endpoint names it: <c>project_id:&lt;uuid&gt;</c>,
/// <c>project_name:&lt;name&gt;</c> (registered in the caller's organization when new, as <c>POST /v1/project</c> does)
/// or <c>experiment_id:&lt;uuid&gt;</c>, or the string an SDK's <c>export()</c> gives (see <see cref="ExportedParent"/>), from the request's <c>x-bt-parent</c> header or a span's own
/// <c>braintrust.parent</c> attribute. Each distinct parent is looked up once per request.
/// </summary>
/// <summary>Where a parent string sends spans: the log, and the SDK export it was decoded from (which may name a span in that log).</summary>
public sealed record OtelParent(EventObject Log, ExportedParent? Exported = null)
{
    /// <summary>The span an SDK <c>span.export()</c> names (both its ids), or null for a parent that names only a log.</summary>
    public (string SpanId, string RootSpanId)? Span =>
        Exported is { SpanId: { } spanId, RootSpanId: { } rootSpanId } ? (spanId, rootSpanId) : null;
}

public sealed class OtelParents(Principal principal, ObjectStore objects, IServiceProvider services)
{
    public const string Header = "x-bt-parent";
    public const string Attribute = "braintrust.parent";

    private readonly Dictionary<(string Source, string Parent), (OtelParent? Parent, ApiException? Error)> _resolved = [];

    // Writing spans into a log is an update of it.
    private Access Access => services.GetRequiredService<Access>();

    /// <summary>Where <paramref name="parent"/> sends spans, or the 400 (syntax) or 404 (no such object here) saying why it names nowhere.</summary>
    public async Task<(OtelParent? Parent, ApiException? Error)> ResolveAsync(string parent, string source)
    {
        if (!_resolved.TryGetValue((source, parent), out var result))
        {
            try
            {
                result = (await FindAsync(parent, source), null);
            }
            catch (ApiException e)
            {
                // Every answer names where the bad parent came from: the header or the span's attribute.
                result = (null, e.Message.StartsWith(source, StringComparison.Ordinal) ? e : new ApiException(e.Status, $"{source}: {e.Message}"));
            }

            _resolved[(source, parent)] = result;
        }

        return result;
    }

    private async Task<OtelParent> FindAsync(string parent, string source)
    {
        if (!parent.Contains(':', StringComparison.Ordinal) && ExportedParent.TryDecode(parent) is { } exported)
        {
            return new OtelParent(await FindExportedAsync(exported, source), exported);
        }

        return new OtelParent(await FindLogAsync(parent, source));
    }

    private async Task<EventObject> FindLogAsync(string parent, string source)
    {
        var colon = parent.IndexOf(':', StringComparison.Ordinal);
        var value = colon < 0 ? "" : parent[(colon + 1)..];
        switch (colon < 0 ? "" : parent[..colon])
        {
            case "project_id":
                return (await EventLogs.ResolveAsync(objects, principal, EventObjectType.ProjectLogs, value, source, Access, AccessControl.Access.Update)).Object;
            case "experiment_id":
                return (await EventLogs.ResolveAsync(objects, principal, EventObjectType.Experiment, value, source, Access, AccessControl.Access.Update)).Object;
            case "project_name" when value.Length > 0:
                var (project, _) = await ObjectsApi.RegisterAsync(
                    ObjectKinds.Project, new JsonObject { ["name"] = value }, principal, principal.OrgId, objects, services);
                return new EventObject(EventObjectType.ProjectLogs, (string)project["id"]!);
            default:
                throw ApiException.BadRequest(
                    $"{source}: '{parent}' names no parent; use project_id:<uuid>, project_name:<name>, experiment_id:<uuid> or an SDK export() string");
        }
    }

    /// <summary>The log an SDK <c>export()</c> string points into: its object id, else the project it names for registration.</summary>
    private async Task<EventObject> FindExportedAsync(ExportedParent parent, string source)
    {
        var type = parent.Type switch
        {
            ExportedParentType.Experiment => EventObjectType.Experiment,
            ExportedParentType.ProjectLogs => EventObjectType.ProjectLogs,
            _ => throw ApiException.BadRequest($"{source}: playground logs are not supported by this server"),
        };
        if ((parent.ObjectId ?? (type == EventObjectType.ProjectLogs ? parent.ProjectId : null)) is { } id)
        {
            return (await EventLogs.ResolveAsync(objects, principal, type, id, source, Access, AccessControl.Access.Update)).Object;
        }

        return type == EventObjectType.ProjectLogs && parent.ProjectName is { Length: > 0 } name
            ? await FindLogAsync($"project_name:{name}", source)
            : throw ApiException.BadRequest($"{source}: the exported parent names no object id (or project for logs)");
    }
}
