using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Events;

/// <summary>Several Braid nodes over one store (two servers in this process) hand out one sequence of transaction ids.</summary>
public sealed class MultiNodeTests : IAsyncLifetime
{
    private readonly BraidApp _first = new();
    private BraidApp? _second;

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_first).InitializeAsync();
        _ = _first.Server;
        _second = _first.Reopen();
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)_first).DisposeAsync();
        await ((IAsyncLifetime)_second!).DisposeAsync();
    }

    [Fact]
    public async Task TwoNodesWritingAtOnce_NeverShareOrReorderTransactionIds()
    {
        var one = await _first.NewTenantAsync();
        var two = new ApiClient(_second!.CreateClient(), one.Key);
        var log = await one.CreateLogAsync("project_logs");

        // Each node inserts a chain of rows; each row records the xact of its node's previous write, which
        // committed before it was sent, so ids must grow along every chain and be unique across nodes.
        var chains = await Task.WhenAll(new[] { (one, "a"), (two, "b") }.Select(async pair =>
        {
            var (client, node) = pair;
            var ids = new List<string>();
            for (var i = 0; i < 15; i++)
            {
                var id = $"{node}{i}";
                await Task.WhenAll(client.InsertAsync(log, new { id, input = i }), client.InsertAsync(log, new { id = id + "-twin", input = i }));
                ids.Add(id);
            }

            return ids;
        }));

        var rows = await one.FetchAllAsync(log);
        var xacts = rows.ToDictionary(r => (string)r["id"]!, r => (string)r["_xact_id"]!);
        Assert.Equal(60, xacts.Count);
        Assert.Equal(60, xacts.Values.Distinct().Count());
        foreach (var chain in chains)
        {
            var ordered = chain.Select(id => xacts[id]).ToList();
            Assert.Equal(ordered.Order(StringComparer.Ordinal), ordered);
        }
    }
}
