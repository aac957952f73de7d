using Braid.Query.Planning;
using Braid.Query.Syntax;
using Braid.Storage.Query;

namespace Braid.Server.Query;

/// <summary>
/// Every row of a query, read a page at a time through the query engine's cursor, for the writers of whole results to
/// files (<c>braid export</c>, export automations, async queries): memory stays at one page whatever the result's size.
/// </summary>
public static class QueryPages
{
    /// <summary>
    /// Hands each row to <paramref name="emit"/> and calls <paramref name="endPage"/> after each page; stops after the
    /// query's own <c>limit</c> when it has one. A query the compiler rejects throws its <see cref="QueryError"/>.
    /// </summary>
    public static async Task RunAllAsync(
        QueryRunner runner, ParsedQuery query, ResolvedSource resolved, int pageRows, Func<string, ValueTask> emit, Func<Task> endPage,
        CancellationToken cancellationToken)
    {
        var remaining = query.Limit;
        string? cursor = null;
        do
        {
            var rows = (int)Math.Min(pageRows, remaining ?? pageRows);
            var page = QueryCompiler.Compile(query with { Limit = rows, Cursor = cursor }, resolved.Source, runner.Dialect, new QueryOptions());
            cursor = await runner.RunAsync(page, resolved.IdentityByObject, emit, cancellationToken);
            await endPage();
            remaining -= rows;
        }
        while (cursor is not null && remaining is not <= 0);
    }
}
