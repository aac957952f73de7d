using Braid.Server.Tests.Infrastructure;
using Braid.Storage;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Query;

/// <summary>A server whose rollup refresher runs every 0.1 s.</summary>
public sealed class RefreshingApp : IAsyncLifetime
{
    public BraidApp App { get; } = new BraidApp().With("Braid:RollupRefreshSeconds", "0.1");

    public Task InitializeAsync() => ((IAsyncLifetime)App).InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)App).DisposeAsync();
}

public sealed class RollupRefresherTests(RefreshingApp fixture) : IClassFixture<RefreshingApp>
{
    [Fact]
    public async Task ACharteredLog_IsCountedInTheBackground_BeforeTheNextChartAsks()
    {
        var api = await fixture.App.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        await api.InsertAsync($"project_logs/{project}", new { id = "a", created = "2026-03-01T10:00:00.000Z" });
        async Task<long> CountedAsync()
        {
            await using var connection = await fixture.App.Services.GetRequiredService<Database>().OpenAsync();
            return await connection.ExecuteScalarAsync<long?>(
                "SELECT sum(spans) FROM log_rollups WHERE object_type = 'project_logs' AND object_id = @project", new { project }) ?? 0;
        }

        // Nothing charts the log yet, so nothing counts it.
        await Task.Delay(300);
        Assert.Equal(0, await CountedAsync());

        var chart = $$"""{"query": "dimensions: hour(created) as h | measures: count(1) as n | from: project_logs('{{project}}')"}""";
        (await api.PostAsync("/btql", chart)).AssertOk();
        Assert.Equal(1, await CountedAsync());

        await api.InsertAsync($"project_logs/{project}", new { id = "b", created = "2026-03-01T11:00:00.000Z" }, new { id = "c", created = "2026-03-01T11:30:00.000Z" });
        var until = DateTime.UtcNow.AddSeconds(10);
        while (await CountedAsync() != 3 && DateTime.UtcNow < until)
        {
            await Task.Delay(50);
        }

        Assert.Equal(3, await CountedAsync());
    }

    [Fact]
    public async Task ASummarizedExperiment_IsCountedInTheBackground_BeforeItsListAsks()
    {
        var api = await fixture.App.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var experiment = (string)(await api.CreateExperimentAsync(project))["id"]!;
        await api.InsertAsync($"experiment/{experiment}", new { id = "a", scores = new { accuracy = 1 } }, new { id = "b", scores = new { accuracy = 0 } });
        async Task<long> CountedAsync()
        {
            await using var connection = await fixture.App.Services.GetRequiredService<Database>().OpenAsync();
            return await connection.ExecuteScalarAsync<long?>(
                "SELECT sum(spans) FROM log_rollups WHERE object_type = 'experiment' AND object_id = @experiment", new { experiment }) ?? 0;
        }

        await Task.Delay(300);
        Assert.Equal(0, await CountedAsync());

        // What the SDK does at the end of an Eval.
        (await api.GetAsync($"/experiment-comparison2?experiment_id={experiment}")).AssertOk();
        var until = DateTime.UtcNow.AddSeconds(10);
        while (await CountedAsync() != 2 && DateTime.UtcNow < until)
        {
            await Task.Delay(50);
        }

        Assert.Equal(2, await CountedAsync());
    }
}
