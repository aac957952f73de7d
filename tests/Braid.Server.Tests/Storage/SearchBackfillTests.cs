using Braid.Server.Tests.Infrastructure;
using Braid.Storage;
using Braid.Storage.Events;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Storage;

/// <summary>Its own store: the test wipes the whole index to stand in for rows written before migration 0004.</summary>
public sealed class SearchBackfillTests(BraidApp app) : IClassFixture<BraidApp>
{
    private readonly SearchIndex _index = new(app);

    [Fact]
    public async Task Backfill_IndexesVersionsFromBeforeTheIndex_InBatches_AndNormalizesCreated()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("project_logs");
        var many = Enumerable.Range(0, EventStore.BackfillBatch + 500).Select(i => new { id = $"r{i}", input = $"row number{i}" }).ToArray();
        await api.InsertAsync(log, many);
        await api.InsertAsync(log, new { id = "r1", input = "replaced" });
        await api.InsertAsync(log, new { id = "r2", _object_delete = true });
        await api.InsertAsync(log, new { id = "dated", output = "Привет 你好", created = "2024-01-02T03:04:05+02:00" });

        var database = app.Services.GetRequiredService<Database>();
        var store = app.Services.GetRequiredService<EventStore>();
        await using (var connection = await database.OpenAsync())
        {
            // As before migration 0004: nothing indexed, created as the migration copies it.
            await connection.ExecuteAsync(TestStore.IsPostgres
                ? "UPDATE event_history SET search_tokens = NULL"
                : "DELETE FROM event_search");
            await connection.ExecuteAsync("UPDATE event_current SET created = '2024-01-02T03:04:05+02:00' WHERE id = 'dated'");
            await connection.ExecuteAsync("UPDATE search_backfill SET upto = (SELECT MAX(seq) FROM event_history)");
        }

        Assert.Empty(await _index.CurrentAsync(log, "input", "row"));

        var versions = many.Length + 3;
        Assert.Equal(versions - 1, await store.BackfillSearchAsync());

        Assert.Equal(many.Length - 2, (await _index.CurrentAsync(log, "input", "row")).Count);
        Assert.Equal(["r0"], await _index.CurrentAsync(log, "input", "number0"));
        Assert.Empty(await _index.CurrentAsync(log, "input", "number1"));
        Assert.Equal(["r1"], await _index.CurrentAsync(log, "input", "replaced"));
        Assert.Equal(["dated"], await _index.CurrentAsync(log, "output", "привет", "你", "好"));
        Assert.Equal("2024-01-02T01:04:05.000Z", await _index.CreatedAsync(log, "dated"));
        var deleted = await _index.HistoryAsync(log, "r2");
        Assert.False(await _index.IsIndexedAsync(deleted[^1]));

        await using (var connection = await database.OpenAsync())
        {
            Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT upto FROM search_backfill"));
        }

        Assert.Equal(0L, await store.BackfillSearchAsync());
    }

    [Fact]
    public async Task Backfill_OnAFreshStore_HasNothingToDo()
    {
        // Startup already ran it; a store migrated empty starts at 0.
        Assert.Equal(0L, await app.Services.GetRequiredService<EventStore>().BackfillSearchAsync());
        await using var connection = await app.Services.GetRequiredService<Database>().OpenAsync();
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT upto FROM search_backfill"));
    }
}
