using System.Text.Json.Nodes;
using Braid.Query.Planning;
using Braid.Query.Syntax;
using Braid.Storage.Objects;
using Braid.Storage.Query;

namespace Braid.Server.Query;

/// <summary>
/// A <c>btql_filter</c> (online scoring rules, log alerts) applied to rows of a project's log that background work
/// has already picked out by id: which of them match now. Only the filter is taken from the user's text; the source,
/// selection and limit are this server's own, so the text cannot widen what is read.
/// </summary>
public sealed class LogFilter(ObjectStore objects, QueryRunner runner)
{
    // Any source parses the same filter; this one only carries it.
    private const string FilterCarrier = "select: id | from: project_logs('filter') spans | filter: ";

    /// <summary>The filter's expression; a <see cref="QueryError"/> says where it does not parse.</summary>
    public static Expr Parse(string filter) => QueryParser.Parse(FilterCarrier + filter).Filter!;

    /// <summary>
    /// The ids among <paramref name="ids"/> of rows of the project's log that match <paramref name="filter"/>; a
    /// <see cref="QueryError"/> when the filter does not parse or does not compile (an unknown function, a bad type).
    /// </summary>
    public async Task<HashSet<string>> MatchingAsync(
        string orgId, string orgName, string projectId, string filter, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var userFilter = Parse(filter);
        var source = QueryParser.Parse($"select: id | from: project_logs('{projectId}') spans");
        var id = new FieldPath([new NameSegment("id")]);
        var query = source with
        {
            Filter = new LogicalExpr(LogicalOperator.And, [userFilter, new InExpr(id, [.. ids.Select(i => (Expr)new StringLiteral(i))], false)]),
            Limit = ids.Count,
        };
        var resolved = await QuerySources.ResolveAsync(objects, orgId, orgName, query.From);
        var compiled = QueryCompiler.Compile(query, resolved.Source, runner.Dialect, new QueryOptions());
        var matching = new HashSet<string>();
        await runner.RunAsync(compiled, resolved.IdentityByObject, row =>
        {
            if ((string?)JsonNode.Parse(row)?["id"] is { } found)
            {
                matching.Add(found);
            }

            return ValueTask.CompletedTask;
        }, cancellationToken);
        return matching;
    }
}
