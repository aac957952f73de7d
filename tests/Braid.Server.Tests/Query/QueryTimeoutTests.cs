using Braid.Query.Planning;
using Braid.Server.Tests.Infrastructure;
using Braid.Storage.Events;
using Braid.Storage.Query;

namespace Braid.Server.Tests.Query;

public sealed class QueryTimeoutTests
{
    [Fact]
    public async Task AQueryPastTheLimit_IsStopped_WithAnErrorThatSaysToNarrowIt()
    {
        await using var store = await ScratchStore.CreateAsync();
        var runner = new QueryRunner(store.Database, TimeSpan.FromMilliseconds(300));
        // Counts an endless sequence: a statement that never ends by itself, in either store.
        var endless = new CompiledQuery(
            "WITH RECURSIVE n(i) AS (SELECT CAST(1 AS bigint) UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n",
            [], RowLayout.Columns, [new OutputColumn("n", ValueKind.Number)], HasPresence: false, KeyColumns: 0,
            CursorKind.Offset, Shape: "spans", Offset: 0, Limit: null, Warnings: []);

        var error = await Assert.ThrowsAsync<StoreException>(() =>
            runner.RunAsync(endless, new Dictionary<string, string>(), _ => ValueTask.CompletedTask, CancellationToken.None));
        Assert.Equal(StoreError.TooLong, error.Error);
        Assert.Contains("narrow it", error.Message, StringComparison.Ordinal);

        // The connection the statement was interrupted on goes back to the pool and serves the next query.
        var one = new CompiledQuery("SELECT 1", [], RowLayout.Columns, [new OutputColumn("n", ValueKind.Number)], false, 0,
            CursorKind.Offset, "spans", 0, null, []);
        var rows = new List<string>();
        await runner.RunAsync(one, new Dictionary<string, string>(), row => { rows.Add(row); return ValueTask.CompletedTask; }, CancellationToken.None);
        Assert.Single(rows);
    }
}
