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

    public static async Task<ResolvedSource> ResolveAsync(ObjectStore objects, string orgId, FromClause from)
    {
        var type = from.Source switch
        {
            "project_logs" => EventObjectType.ProjectLogs,
            "experiment" => EventObjectType.Experiment,
            "dataset" => EventObjectType.Dataset,
            _ => throw ApiException.BadRequest(
                $"source '{from.Source}' is not queryable yet: Braid answers project_logs, experiment and dataset; prompts, functions and views come with those objects"),
        };
        if (from.Ids.Count == 0)
        {
            throw ApiException.BadRequest($"{from.Source}() needs the id or name of what to read, e.g. {from.Source}('<id>')");
        }

        var kind = EventLogs.KindOf(type);
        var logs = new List<EventLog>();
        foreach (var idOrName in from.Ids.Distinct(StringComparer.Ordinal))
        {
            var row = await objects.GetAsync(orgId, kind.Name, idOrName);
            if (row is null)
            {
                var named = await objects.ListAsync(new ObjectQuery(orgId, kind.Name) { Name = idOrName }, limit: AmbiguousIdsListed + 1).ToListAsync();
                if (named.Count > 1)
                {
                    var ids = string.Join(", ", named.Take(AmbiguousIdsListed).Select(r => r.Id)) + (named.Count > AmbiguousIdsListed ? ", ..." : "");
                    throw ApiException.BadRequest($"more than one {kind.Name} is named '{idOrName}' ({ids}); use its id");
                }

                row = named.Count == 1 ? named[0] : throw ApiException.NotFound($"{kind.Name} '{idOrName}' not found");
            }

            logs.Add(EventLogs.FromRow(orgId, type, row));
        }

        var source = new QuerySource(logs[0].Object.TypeName, orgId, logs.Select(l => new SourceObject(l.Object.Id, l.ProjectId)).ToList());
        return new ResolvedSource(source, logs.ToDictionary(l => l.Object.Id, l => l.IdentityJson, StringComparer.Ordinal), logs);
    }
}
