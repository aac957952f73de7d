using System.Data.Common;
using System.Text.Json.Nodes;
using Braid.Query.Planning;
using Braid.Query.Syntax;
using Braid.Server.Tests.Infrastructure;
using Braid.Storage;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Query;

/// <summary>
/// Compiled queries run on a connection of the test's own, so it can ask for the plan or change the session's
/// planner settings; faults the benchmark found on large logs, reproduced on a few rows.
/// </summary>
public sealed class QueryPlanTests(BraidApp app) : IClassFixture<BraidApp>
{
    private static readonly string[] Days = ["2026-01-01", "2026-01-02", "2026-01-03"];

    /// <summary>Two traces of three spans a day, on each of <see cref="Days"/>; the second trace of each day has an error.</summary>
    private async Task<(QuerySource Source, string ProjectId)> LogAsync()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var rows = Days.SelectMany(day => Enumerable.Range(0, 2).SelectMany(trace =>
        {
            var root = $"{day}-t{trace}";
            return Enumerable.Range(0, 3).Select(span => (object)new
            {
                id = span == 0 ? root : $"{root}-s{span}",
                root_span_id = root,
                span_id = span == 0 ? root : $"{root}-s{span}",
                span_parents = span == 0 ? null : new[] { root },
                created = $"{day}T1{span}:00:00.000Z",
                error = trace == 1 && span == 2 ? "failed" : null,
            });
        })).ToArray();
        await api.InsertAsync($"project_logs/{project}", rows);
        return (new QuerySource("project_logs", api.OrgId, [new SourceObject(project, project)]), project);
    }

    private Database Store => app.Services.GetRequiredService<Database>();

    private static CompiledQuery Compile(string query, QuerySource source) =>
        QueryCompiler.Compile(QueryParser.Parse(query), source, TestStore.IsPostgres ? QueryDialect.Postgres : QueryDialect.Sqlite, new QueryOptions());

    private static DbCommand Command(DbConnection connection, CompiledQuery compiled, string prefix = "")
    {
        var command = connection.CreateCommand();
        command.CommandText = prefix + compiled.Sql;
        foreach (var (name, value) in compiled.Parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = (connection is SqliteConnection ? "@" : "") + name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    private static async Task<List<JsonObject>> RunAsync(DbConnection connection, CompiledQuery compiled)
    {
        var rows = new List<JsonObject>();
        await using var command = Command(connection, compiled);
        await using var reader = await command.ExecuteReaderAsync();
        await new ResultReader(compiled, new Dictionary<string, string>()).ReadAsync(reader, row =>
        {
            rows.Add(JsonNode.Parse(row)!.AsObject());
            return ValueTask.CompletedTask;
        }, CancellationToken.None);
        return rows;
    }

    /// <summary>SQLite's plan of a compiled query: each step's parent and what it does.</summary>
    private static async Task<List<(long Parent, string Step)>> SqlitePlanAsync(DbConnection connection, CompiledQuery compiled)
    {
        var plan = new List<(long, string)>();
        await using var explain = Command(connection, compiled, "EXPLAIN QUERY PLAN ");
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.Add((reader.GetInt64(1), reader.GetString(3)));
        }

        return plan;
    }

    [Fact]
    public async Task Traces_LookUpEachTracesSpansByKey_WithoutMaterializingTheLog()
    {
        var (source, project) = await LogAsync();
        var compiled = Compile($"select: id | from: project_logs('{project}') traces | filter: error IS NOT NULL | limit: 2", source);
        await using var connection = await Store.OpenAsync();

        var rows = await RunAsync(connection, compiled);
        Assert.Equal(["2026-01-03-t1", "2026-01-03-t1-s1", "2026-01-03-t1-s2", "2026-01-02-t1", "2026-01-02-t1-s1", "2026-01-02-t1-s2"],
            rows.Select(r => (string)r["id"]!));

        if (!TestStore.IsPostgres)
        {
            // SQLite cannot flatten a parenthesized join on the right of a LEFT JOIN: it copied every span of the object
            // type into a temporary table before looking the traces up in it (> 30 s on a log of 1M spans).
            var plan = (await SqlitePlanAsync(connection, compiled)).Select(step => step.Step).ToList();
            Assert.DoesNotContain(plan, step => step.Contains("MATERIALIZE", StringComparison.Ordinal) || step.Contains("AUTOMATIC", StringComparison.Ordinal));
            Assert.Contains(plan, step => step.StartsWith("SEARCH c USING INDEX event_current_by_trace", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Match_FindsThePageFirst_ThenReadsOnlyItsRows()
    {
        var (source, project) = await LogAsync();
        var compiled = Compile($"select: id | from: project_logs('{project}') | filter: error MATCH 'failed' | sort: created desc | limit: 2", source);
        await using var connection = await Store.OpenAsync();

        var rows = await RunAsync(connection, compiled);
        Assert.Equal(["2026-01-03-t1-s2", "2026-01-02-t1-s2"], rows.Select(r => (string)r["id"]!));

        if (!TestStore.IsPostgres)
        {
            // The search and the sort read the current rows alone (a subquery, "c"); the history row, with the JSON, is
            // read for the page's rows only, outside it. Joined inside, every matching row's JSON was read and sorted.
            var plan = await SqlitePlanAsync(connection, compiled);
            Assert.Contains(plan, step => step.Step.StartsWith("CO-ROUTINE c", StringComparison.Ordinal));
            Assert.Contains(plan, step => step.Parent == 0 && step.Step.StartsWith("SEARCH h USING INTEGER PRIMARY KEY", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task RowsOfOneLog_AreEstimatedAsTheLogsShare_NotAsTheTypesShareOfIt()
    {
        var api = await app.NewTenantAsync();
        var experiment = await api.CreateLogAsync("experiment");
        var logs = await api.CreateLogAsync("project_logs");
        await api.InsertAsync(experiment, [.. Enumerable.Range(0, 200).Select(i => new { id = $"e{i}" })]);
        for (var batch = 0; batch < 4; batch++)
        {
            await api.InsertAsync(logs, [.. Enumerable.Range(0, 500).Select(i => new { id = $"l{batch}-{i}" })]);
        }

        await using var connection = await Store.OpenAsync();
        if (TestStore.IsPostgres)
        {
            // As autovacuum would by now on a store this size. An id implies its type: taken as independent, 200 rows of
            // 2,200 would be estimated at 200/2,200 of 200/2,200 of them, about 18.
            await connection.ExecuteAsync("ANALYZE event_current");
            var plan = await connection.ExecuteScalarAsync<string>(
                "EXPLAIN (FORMAT JSON) SELECT 1 FROM event_current WHERE object_type = 'experiment' AND object_id = @id",
                new { id = experiment.Split('/')[1] });
            var estimate = (double)JsonNode.Parse(plan!)![0]!["Plan"]!["Plan Rows"]!;
            Assert.InRange(estimate, 150, 250);
        }
        else
        {
            // SQLite's fixed statistics (migration 0007) describe the log by the index prefix (object_type, object_id).
            var plan = (await connection.QueryAsync(
                "EXPLAIN QUERY PLAN SELECT 1 FROM event_current WHERE object_type = 'experiment' AND object_id = @id ORDER BY created",
                new { id = experiment.Split('/')[1] })).Select(step => (string)step.detail);
            Assert.Contains(plan, step => step.Contains("event_current_by_created (object_type=? AND object_id=?)", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task GroupingByDay_InAParallelPlan_Works()
    {
        var (source, project) = await LogAsync();
        var compiled = Compile($"dimensions: day(created) as day | measures: count(1) as spans | from: project_logs('{project}')", source);
        await using var connection = await Store.OpenAsync();
        if (TestStore.IsPostgres)
        {
            // Every plan that may run in parallel workers does (debug_parallel_query, named force_parallel_mode before
            // PostgreSQL 16). braid_timestamptz, declared PARALLEL SAFE until migration 0010, then failed the query with
            // 25000: cannot start subtransactions during a parallel operation.
            var version = await connection.ExecuteScalarAsync<int>("SELECT current_setting('server_version_num')::int");
            await connection.ExecuteAsync(version >= 160000 ? "SET debug_parallel_query = on" : "SET force_parallel_mode = on");
        }

        var rows = await RunAsync(connection, compiled);

        Assert.Equal(Days.Select(day => $"{day}T00:00:00.000Z=6"), rows.Select(r => $"{(string)r["day"]!}={(long)r["spans"]!}"));
    }

    [Fact]
    public async Task CountsPerDataset_ReadTheCurrentRowsAlone()
    {
        // The UI's datasets list counts every dataset's records in one query: deleted records leave no current row,
        // and nothing of a row's stored JSON is needed, so the count must not look up each record's history.
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var full = (string)(await api.PostAsync("/v1/dataset", new { project_id = project, name = "full" })).AssertOk().Object["id"]!;
        var small = (string)(await api.PostAsync("/v1/dataset", new { project_id = project, name = "small" })).AssertOk().Object["id"]!;
        await api.InsertAsync($"dataset/{full}", new { id = "a", input = 1 }, new { id = "b", input = 2 }, new { id = "c", input = 3 });
        await api.InsertAsync($"dataset/{full}", new { id = "c", _object_delete = true });
        await api.InsertAsync($"dataset/{small}", new { id = "a", input = 1 });
        var source = new QuerySource("dataset", api.OrgId, [new SourceObject(full, project), new SourceObject(small, project)]);
        var counts = Compile($"dimensions: dataset_id | measures: count(1) as records | from: dataset('{full}', '{small}')", source);
        var filtered = Compile($"dimensions: dataset_id | measures: count(1) as records | from: dataset('{full}', '{small}') | filter: input > 1", source);
        await using var connection = await Store.OpenAsync();

        Assert.Equal([$"{full}=2", $"{small}=1"], (await RunAsync(connection, counts)).Select(r => $"{(string)r["dataset_id"]!}={(long)r["records"]!}").Order());
        Assert.DoesNotContain("event_history", counts.Sql, StringComparison.Ordinal);

        // A filter on the stored JSON still reads it.
        Assert.Equal([$"{full}=1"], (await RunAsync(connection, filtered)).Select(r => $"{(string)r["dataset_id"]!}={(long)r["records"]!}"));
        Assert.Contains("event_history", filtered.Sql, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DatasetVersions_WalkTheXactIndex_AndStopAtThePage()
    {
        // The dataset page's version picker reads its versions 50 at a time. Grouped first and sorted after, every page
        // read the dataset's whole history (0.7-0.9 s at 1M history rows); on the index of (object, xact_id), in its
        // order, the store groups the page's versions and stops (5-11 ms; docs/benchmarks.md).
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("dataset");
        for (var i = 0; i < 4; i++)
        {
            await api.InsertAsync(log, new { id = "a", input = i }, new { id = $"r{i}", input = i });
        }

        var dataset = log.Split('/')[1];
        var source = new QuerySource("dataset", api.OrgId, [new SourceObject(dataset, dataset)]);
        var versions = QueryCompiler.Compile(
            QueryParser.Parse($"dimensions: _xact_id as version | measures: count(1) as changes | from: dataset('{dataset}') | sort: version desc | limit: 2"),
            source, TestStore.IsPostgres ? QueryDialect.Postgres : QueryDialect.Sqlite, new QueryOptions { AuditLog = true });
        await using var connection = await Store.OpenAsync();

        var rows = await RunAsync(connection, versions);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal(2, (long)r["changes"]!));
        Assert.True(string.CompareOrdinal((string)rows[0]["version"]!, (string)rows[1]["version"]!) > 0);

        if (TestStore.IsPostgres)
        {
            // A handful of rows is read faster without any index; taken off the table, the plan shows the way it reads
            // a large log: backwards along the index, grouping as it goes, under the limit (no sort of the groups).
            await connection.ExecuteAsync("SET enable_seqscan = off; SET enable_bitmapscan = off");
            var steps = new List<string>();
            await using (var explain = Command(connection, versions, "EXPLAIN "))
            await using (var reader = await explain.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    steps.Add(reader.GetString(0));
                }
            }

            var plan = string.Join("\n", steps);
            Assert.Matches(@"Limit[\s\S]*GroupAggregate[\s\S]*Index (Only )?Scan Backward using event_history_by_xact", plan);
            Assert.DoesNotContain("Sort Key: hv.xact_id", plan, StringComparison.Ordinal);
        }
        else
        {
            // SQLite's plan shows the index and that nothing sorts the groups, but not where the limit is: the grouping
            // query has it, so the walk along the index ends with the page.
            var plan = (await SqlitePlanAsync(connection, versions)).Select(step => step.Step).ToList();
            Assert.Contains("SEARCH hv USING COVERING INDEX event_history_by_xact (object_type=? AND object_id=?)", plan);
            Assert.DoesNotContain(plan, step => step.Contains("GROUP BY", StringComparison.Ordinal));
            Assert.Matches(@"GROUP BY c\.xact_id ORDER BY c\.xact_id DESC LIMIT @p\d+\) g", versions.Sql);
        }
    }
}
