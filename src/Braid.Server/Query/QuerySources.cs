using Braid.Server.AccessControl;
using Braid.Query.Planning;
using Braid.Query.Syntax;
using Braid.Server.Events;
using Braid.Server.Http;
using Braid.Storage.Events;
using Braid.Storage.Objects;

namespace Braid.Server.Query;

/// <summary>A query's source resolved in the caller's organization, with each log's identity fields for whole rows.</summary>
public sealed record ResolvedSource(QuerySource Source, IReadOnlyDictionary<string, string> IdentityByObject, IReadOnlyList<EventLog> Logs);

/// <summary>
/// Resolves <c>project_logs('a', 'b')</c>, <c>experiment('name')</c>, ... to logs. Each argument is an id or, failing
/// that, a name; only objects of one organization (the caller's, or the one <c>braid export</c> names) are found, so
/// another organization's id is a 404 exactly like an unknown one.
/// </summary>
public static class QuerySources
{
    /// <summary>Names ambiguous with more objects than this list only this many of their ids.</summary>
    private const int AmbiguousIdsListed = 10;

    public static async Task<ResolvedSource> ResolveAsync(ObjectStore objects, string orgId, string orgName, FromClause from)
    {
        switch (from.Source)
        {
            case "project_prompts" or "project_functions":
                return await ProjectDocumentsAsync(objects, orgId, from);
            case "org_prompts" or "org_functions" or "org_audit_logs":
                return OrgDocuments(orgId, orgName, from);
        }

        var type = from.Source switch
        {
            "project_logs" => EventObjectType.ProjectLogs,
            "experiment" => EventObjectType.Experiment,
            "dataset" => EventObjectType.Dataset,
            _ => throw ApiException.BadRequest(
                $"source '{from.Source}' is not queryable: Braid answers project_logs, experiment, dataset, project_prompts, project_functions, org_prompts, org_functions and org_audit_logs"),
        };
        if (from.Ids.Count == 0)
        {
            throw ApiException.BadRequest($"{from.Source}() needs the id or name of what to read, e.g. {from.Source}('<id>')");
        }

        var kind = EventLogs.KindOf(type);
        var logs = new List<EventLog>();
        foreach (var idOrName in from.Ids.Distinct(StringComparer.Ordinal))
        {
            var row = await FindAsync(objects, orgId, kind.Name, idOrName);
            logs.Add(EventLogs.FromRow(orgId, type, row));
        }

        var source = new QuerySource(logs[0].Object.TypeName, orgId, logs.Select(l => new SourceObject(l.Object.Id, l.ProjectId)).ToList());
        return new ResolvedSource(source, logs.ToDictionary(l => l.Object.Id, l => l.IdentityJson, StringComparer.Ordinal), logs);
    }

    /// <summary><c>project_prompts('p1', 'p2')</c>: the prompts (or functions) of projects named by id or name.</summary>
    private static async Task<ResolvedSource> ProjectDocumentsAsync(ObjectStore objects, string orgId, FromClause from)
    {
        if (from.Ids.Count == 0)
        {
            throw ApiException.BadRequest($"{from.Source}() needs the id or name of a project, e.g. {from.Source}('<project id>')");
        }

        var projects = new List<SourceObject>();
        foreach (var idOrName in from.Ids.Distinct(StringComparer.Ordinal))
        {
            var project = await FindAsync(objects, orgId, "project", idOrName);
            projects.Add(new SourceObject(project.Id, project.Id));
        }

        return new ResolvedSource(new QuerySource(DocumentKind(from.Source), orgId, projects), new Dictionary<string, string>(), []);
    }

    /// <summary><c>org_prompts()</c> or <c>org_prompts('&lt;org id or name&gt;')</c>: every project's, in the caller's organization only.</summary>
    private static ResolvedSource OrgDocuments(string orgId, string orgName, FromClause from)
    {
        foreach (var given in from.Ids)
        {
            if (given != orgId && given != orgName)
            {
                throw ApiException.NotFound($"organization '{given}' not found");
            }
        }

        var source = new QuerySource(DocumentKind(from.Source), orgId, [new SourceObject(orgId, orgId)]) { OrgWide = true };
        return new ResolvedSource(source, new Dictionary<string, string>(), []);
    }

    private static string DocumentKind(string source) =>
        source == "org_audit_logs" ? AuditTrail.Kind : source.EndsWith("_prompts", StringComparison.Ordinal) ? "prompt" : "function";

    /// <summary>An object of the organization by id or, failing that, by a name only one object has.</summary>
    private static async Task<ObjectRow> FindAsync(ObjectStore objects, string orgId, string kind, string idOrName)
    {
        var row = await objects.GetAsync(orgId, kind, idOrName);
        if (row is null)
        {
            var named = await objects.ListAsync(new ObjectQuery(orgId, kind) { Name = idOrName }, limit: AmbiguousIdsListed + 1).ToListAsync();
            if (named.Count > 1)
            {
                var ids = string.Join(", ", named.Take(AmbiguousIdsListed).Select(r => r.Id)) + (named.Count > AmbiguousIdsListed ? ", ..." : "");
                throw ApiException.BadRequest($"more than one {kind} is named '{idOrName}' ({ids}); use its id");
            }

            row = named.Count == 1 ? named[0] : throw ApiException.NotFound($"{kind} '{idOrName}' not found");
        }

        return row;
    }
}
