using System.Net;
using Braid.Server.Tests.Infrastructure;
using Braid.Storage;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Events;

public sealed class TightIngestApp : IAsyncLifetime
{
    public BraidApp App { get; } = new BraidApp()
        .With("Braid:Ingest:QueueCapacity", "1")
        .With("Braid:Ingest:MaxBatchJobs", "1")
        .With("Braid:MaxRowBytes", "2000")
        .With("Braid:MaxBlobBytes", "5000");

    public Task InitializeAsync() => ((IAsyncLifetime)App).InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)App).DisposeAsync();
}

public sealed class IngestLimitsTests(TightIngestApp fixture) : IClassFixture<TightIngestApp>
{
    [Fact]
    public async Task RowOverTheLimit_Is413NamingTheRow_AndNothingIsWritten()
    {
        var api = await fixture.App.NewTenantAsync();
        var log = await api.CreateLogAsync("project_logs");
        (await api.PostAsync($"/v1/{log}/insert", new { events = new object[] { new { id = "small" }, new { id = "big", input = new string('x', 3000) } } }))
            .AssertError(HttpStatusCode.RequestEntityTooLarge, "events[1]");
        Assert.Empty(await api.FetchAllAsync(log));
        await api.InsertAsync(log, new { id = "small", input = new string('x', 1000) });
    }

    [Fact]
    public async Task FullQueue_Answers503WithRetryAfter_AndAcceptedWritesStillCommit()
    {
        var api = await fixture.App.NewTenantAsync();
        var log = await api.CreateLogAsync("project_logs");
        var database = fixture.App.Services.GetRequiredService<Database>();

        List<Task<ApiResponse>> requests;
        await using (var blocker = await database.OpenAsync())
        {
            // Hold the store's write lock: the writer takes one job and waits; the queue holds one more.
            await using var transaction = await blocker.BeginTransactionAsync();
            await blocker.ExecuteAsync("SELECT last_xact FROM braid_xact WHERE id = 1" + database.Dialect.ForUpdate, transaction: transaction);
            await blocker.ExecuteAsync("UPDATE braid_xact SET last_xact = last_xact WHERE id = 1", transaction: transaction);

            requests = Enumerable.Range(0, 6).Select(i => api.PostAsync($"/v1/{log}/insert", new { events = new[] { new { id = $"r{i}" } } })).ToList();
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (requests.Count(r => r.IsCompleted) < 4 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            var refused = requests.Where(r => r.IsCompleted).Select(r => r.Result).ToList();
            Assert.True(refused.Count >= 4, $"{refused.Count} requests finished while the store was locked");
            Assert.All(refused, r =>
            {
                r.AssertStatus(HttpStatusCode.ServiceUnavailable);
                Assert.Equal("1", r.Headers.RetryAfter?.ToString());
            });
            await transaction.RollbackAsync();
        }

        var responses = await Task.WhenAll(requests);
        var accepted = responses.Select((r, i) => (r, i)).Where(p => p.r.Status == HttpStatusCode.OK).Select(p => $"r{p.i}").ToList();
        Assert.InRange(accepted.Count, 1, 2);
        Assert.Equal(accepted.Order(), (await api.FetchAllAsync(log)).Select(r => (string)r["id"]!).Order());
    }
}
