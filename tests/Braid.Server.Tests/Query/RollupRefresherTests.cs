using Braid.Server.Tests.Infrastructure;
using Braid.Storage;
using Braid.Storage.Rollups;
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
    public async Task ANewProjectsLogAndANewExperiment_AreCountedInTheBackground_BeforeAnyChartAsks()
    {
        var api = await fixture.App.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var experiment = (string)(await api.CreateExperimentAsync(project))["id"]!;
        await api.InsertAsync($"project_logs/{project}", new { id = "a", created = "2026-03-01T10:00:00.000Z" });
        await api.InsertAsync($"experiment/{experiment}", new { id = "a", scores = new { accuracy = 1 } });
        Assert.Equal(1, await CountedSoonAsync("project_logs", project, 1));
        Assert.Equal(1, await CountedSoonAsync("experiment", experiment, 1));

        await api.InsertAsync($"project_logs/{project}", new { id = "b", created = "2026-03-01T11:00:00.000Z" }, new { id = "c", created = "2026-03-01T11:30:00.000Z" });
        Assert.Equal(3, await CountedSoonAsync("project_logs", project, 3));
    }

    [Fact]
    public async Task AnUntrackedExperiment_IsCountedOnceSummarizedOrCharted()
    {
        var api = await fixture.App.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var summarized = (string)(await api.CreateExperimentAsync(project))["id"]!;
        var charted = (string)(await api.CreateExperimentAsync(project))["id"]!;
        // As an experiment made before Braid kept rollups from creation: no mark, so nothing counts it.
        await using (var connection = await fixture.App.Services.GetRequiredService<Database>().OpenAsync())
        {
            await connection.ExecuteAsync("DELETE FROM log_rollup_marks WHERE object_id IN (@summarized, @charted)", new { summarized, charted });
        }

        foreach (var experiment in new[] { summarized, charted })
        {
            await api.InsertAsync($"experiment/{experiment}", new { id = "a", scores = new { accuracy = 1 } }, new { id = "b", scores = new { accuracy = 0 } });
        }

        await Task.Delay(300);
        Assert.Equal(0, await CountedAsync("experiment", summarized));

        // What the SDK does at the end of an Eval.
        (await api.GetAsync($"/experiment-comparison2?experiment_id={summarized}")).AssertOk();
        Assert.Equal(2, await CountedSoonAsync("experiment", summarized, 2));

        var list = $$"""{"query": "from: experiment('{{charted}}') | dimensions: experiment_id | measures: count(1) as n"}""";
        (await api.PostAsync("/btql", list)).AssertOk();
        Assert.Equal(2, await CountedAsync("experiment", charted));
    }

    [Fact]
    public async Task LogsAnEarlierBraidWrote_AreTakenOnAtStart_ButNotThoseOfDeletedProjects()
    {
        var api = await fixture.App.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var experiment = (string)(await api.CreateExperimentAsync(project))["id"]!;
        var deleted = (string)(await api.CreateProjectAsync())["id"]!;
        await api.InsertAsync($"project_logs/{project}", new { id = "a" });
        await api.InsertAsync($"experiment/{experiment}", new { id = "a" }, new { id = "b" });
        (await api.DeleteAsync($"/v1/project/{deleted}")).AssertOk();
        var database = fixture.App.Services.GetRequiredService<Database>();
        async Task<long> MarksAsync()
        {
            await using var connection = await database.OpenAsync();
            return await connection.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM log_rollup_marks WHERE object_id IN (@project, @experiment, @deleted)", new { project, experiment, deleted });
        }

        // As an earlier Braid left them: no marks, no rollups.
        await using (var connection = await database.OpenAsync())
        {
            await connection.ExecuteAsync("DELETE FROM log_rollup_marks WHERE object_id IN (@project, @experiment, @deleted)", new { project, experiment, deleted });
            await connection.ExecuteAsync("DELETE FROM log_rollups WHERE object_id IN (@project, @experiment)", new { project, experiment });
        }

        Assert.Equal(0, await MarksAsync());
        await fixture.App.Services.GetRequiredService<LogRollupStore>().TrackExistingAsync();
        Assert.Equal(2, await MarksAsync());
        Assert.Equal(1, await CountedSoonAsync("project_logs", project, 1));
        Assert.Equal(2, await CountedSoonAsync("experiment", experiment, 2));
    }

    /// <summary>The spans the object's rollups hold.</summary>
    private async Task<long> CountedAsync(string type, string id)
    {
        await using var connection = await fixture.App.Services.GetRequiredService<Database>().OpenAsync();
        return await connection.ExecuteScalarAsync<long?>(
            "SELECT sum(spans) FROM log_rollups WHERE object_type = @type AND object_id = @id", new { type, id }) ?? 0;
    }

    /// <summary>The spans the object's rollups hold once they reach <paramref name="expected"/>, or after ten seconds.</summary>
    private async Task<long> CountedSoonAsync(string type, string id, long expected)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (await CountedAsync(type, id) != expected && DateTime.UtcNow < until)
        {
            await Task.Delay(50);
        }

        return await CountedAsync(type, id);
    }
}
