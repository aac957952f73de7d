using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Braid.Query.Planning;
using Braid.Query.Syntax;
using Braid.Storage;
using Braid.Storage.Events;
using Braid.Storage.Query;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Braid.Benchmarks.Queries;

/// <summary>
/// Query latency on a generated store: each question through the engine (parse, compile, run, every row read)
/// beside the hand-written SQL for the same answer, in the same run against the same database, and over HTTP.
/// The SQLite store is generated once and kept under <see cref="BenchOptions.Cache"/>; PostgreSQL is generated
/// into a fresh database each run.
/// </summary>
public sealed class QueryBench(BenchOptions options) : IAsyncDisposable
{
    /// <summary>Bumped whenever the generated data changes, so a cached store of the old data is not reused.</summary>
    private const int DataVersion = 1;

    private static readonly JsonSerializerOptions ManifestJson = new() { WriteIndented = true };

    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "braid-bench-q-" + Guid.NewGuid().ToString("N")[..8]);
    private string? _postgresDatabase;
    private ServerUnderTest? _server;
    private Database? _database;

    public async Task RunAsync()
    {
        var total = Stopwatch.StartNew();
        var (directory, url) = await PrepareDirectoryAsync();
        var data = await PrepareDataAsync(directory, url);
        _database = Database.Open(Path.Combine(directory, "braid-data"), url);
        if (options.Pages)
        {
            await PageLoads.RunAsync(_server!, directory, data, options);
            return;
        }

        var pg = options.Store == "postgres";
        var (word, wordRows) = await PickWordAsync(data, pg);
        var questions = Questions.For(options.Store, data, word, wordRows)
            .Where(q => options.Only is null || q.Name.Contains(options.Only, StringComparison.Ordinal))
            .ToList();

        Console.WriteLine($"store: {options.Store}; {Environment.ProcessorCount} cores; project log of {data.LogSpans:N0} spans ({data.LogTraces:N0} traces over {LogGenerator.LogDays} days), " +
            $"experiment of {data.ExperimentSpans:N0} spans ({data.ExperimentCases:N0} cases); up to {options.Iterations} timed runs after {options.Warmup} warm-ups, {options.Seconds:0} s budget per query and side");
        var results = new List<Result>();
        foreach (var question in questions)
        {
            Result result;
            try
            {
                result = await MeasureAsync(question, data);
            }
            catch (Exception e) when (e is DbException or TimeoutException or InvalidOperationException or Braid.Storage.Events.StoreException)
            {
                // A timed run can still pass the limit its first run kept under (on PostgreSQL the runner then fails).
                Console.WriteLine($"  {question.Name}: failed: {e.Message}");
                result = new Result(question, null, null, null, "failed: " + e.Message);
            }

            results.Add(result);
            Console.WriteLine($"  {question.Name}: {Describe(result)}");
        }

        Console.WriteLine();
        Console.WriteLine(Table(results));
        Console.WriteLine($"(total {total.Elapsed.TotalSeconds:F0} s)");
    }

    // ---- the store ----

    private async Task<(string Directory, string? Url)> PrepareDirectoryAsync()
    {
        Directory.CreateDirectory(_scratch);
        if (options.Store != "postgres")
        {
            var cached = Path.Combine(Path.GetFullPath(options.Cache), $"queries-sqlite-{options.LogSpans}-{options.ExperimentSpans}-v{DataVersion}");
            return (cached, null);
        }

        await using var connection = new NpgsqlConnection(options.Postgres);
        await connection.OpenAsync();
        if (options.PostgresDatabase is { } kept)
        {
            // A kept database is reused while it and its manifest both exist; generated again otherwise.
            if (!Regex.IsMatch(kept, "^[a-z_][a-z0-9_]*$"))
            {
                throw new ArgumentException("--postgres-database takes a lower-case identifier");
            }

            var directory = Path.Combine(Path.GetFullPath(options.Cache), $"queries-postgres-{kept}-{options.LogSpans}-{options.ExperimentSpans}-v{DataVersion}");
            var exists = await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = @kept)", new { kept });
            if (!exists || !File.Exists(Path.Combine(directory, "manifest.json")))
            {
                await connection.ExecuteAsync($"DROP DATABASE IF EXISTS {kept} WITH (FORCE)");
                await connection.ExecuteAsync($"CREATE DATABASE {kept}");
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }
            }

            return (directory, new NpgsqlConnectionStringBuilder(options.Postgres) { Database = kept }.ConnectionString);
        }

        _postgresDatabase = $"braid_bench_q_{Guid.NewGuid():N}"[..30];
        await connection.ExecuteAsync($"CREATE DATABASE {_postgresDatabase}");
        return (Path.Combine(_scratch, "pg"), new NpgsqlConnectionStringBuilder(options.Postgres) { Database = _postgresDatabase }.ConnectionString);
    }

    /// <summary>Reuses a complete cached store (its manifest is written last), or generates one: logs, then the experiment.</summary>
    private async Task<QueryData> PrepareDataAsync(string directory, string? url)
    {
        var manifest = Path.Combine(directory, "manifest.json");
        if (File.Exists(manifest))
        {
            Console.WriteLine($"reusing the generated store in {directory}");
            _server = await ServerUnderTest.StartAsync(directory, url, options.Limit);
            return JsonSerializer.Deserialize<QueryData>(await File.ReadAllTextAsync(manifest))!;
        }

        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
        _server = await ServerUnderTest.StartAsync(directory, url, options.Limit);
        var projectId = await _server.CreateProjectAsync("query-bench");
        var orgId = (string)(await GetJsonAsync($"/v1/project/{projectId}"))["org_id"]!;
        var experimentId = await CreateExperimentAsync(projectId);

        var vocabulary = new Vocabulary();
        var logs = new LogGenerator(vocabulary, seed: 1);
        var experiment = new LogGenerator(vocabulary, seed: 2);
        await using (var database = Database.Open(Path.Combine(directory, "braid-data"), url))
        {
            var watch = Stopwatch.StartNew();
            var last = TimeSpan.Zero;
            var logSpans = await EventLoader.LoadAsync(database, new EventObject(EventObjectType.ProjectLogs, projectId), logs.Logs(options.LogSpans), written =>
            {
                if (watch.Elapsed - last > TimeSpan.FromSeconds(30))
                {
                    last = watch.Elapsed;
                    Console.WriteLine($"  {written:N0} spans in {watch.Elapsed.TotalSeconds:F0} s");
                }
            });
            Console.WriteLine($"generated {logSpans:N0} log spans through EventStore.ApplyAsync in {watch.Elapsed.TotalSeconds:F0} s ({logSpans / watch.Elapsed.TotalSeconds:N0} spans/s)");
            watch.Restart();
            var cases = options.ExperimentSpans / 5;
            var experimentSpans = await EventLoader.LoadAsync(database, new EventObject(EventObjectType.Experiment, experimentId),
                experiment.Experiment(cases, LogGenerator.LogStart.AddDays(LogGenerator.LogDays - 1)));
            Console.WriteLine($"generated {experimentSpans:N0} experiment spans in {watch.Elapsed.TotalSeconds:F0} s");

            watch.Restart();
            await using var connection = await database.OpenAsync();
            // What a store that has been running a while has: PostgreSQL's autovacuum has analyzed the tables and
            // set the visibility map; SQLite's WAL has been checkpointed into the database file.
            await connection.ExecuteAsync(url is null ? "PRAGMA wal_checkpoint(TRUNCATE)" : "VACUUM ANALYZE", commandTimeout: 3600);
            Console.WriteLine($"{(url is null ? "checkpointed" : "vacuumed and analyzed")} in {watch.Elapsed.TotalSeconds:F0} s");

            var data = new QueryData(orgId, projectId, experimentId, logSpans, logs.Traces, logs.FilteredEnvRows, logs.ErrorTraces, experimentSpans, cases);
            await File.WriteAllTextAsync(manifest, JsonSerializer.Serialize(data, ManifestJson));
            return data;
        }
    }

    private async Task<JsonNode> GetJsonAsync(string path)
    {
        using var response = await _server!.Http.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private async Task<string> CreateExperimentAsync(string projectId)
    {
        var body = new JsonObject { ["project_id"] = projectId, ["name"] = "query-bench-experiment" }.ToJsonString();
        using var response = await _server!.Http.PostAsync("/v1/experiment", new StringContent(body, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        return (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!;
    }

    /// <summary>
    /// The MATCH word: of the words ranked 150-229 (never in system prompts), the one whose share of the log's rows
    /// (in their input) is nearest 1%, counted with the search index.
    /// </summary>
    private async Task<(string Word, long Rows)> PickWordAsync(QueryData data, bool pg)
    {
        var vocabulary = new Vocabulary();
        var sql = pg
            ? "SELECT count(*) FROM event_history WHERE search_tokens @> @w AND object_type = 'project_logs' AND object_id = @p"
            : "SELECT count(*) FROM event_search s CROSS JOIN event_history h ON h.seq = s.rowid WHERE event_search MATCH @w AND h.object_type = 'project_logs' AND h.object_id = @p";
        await using var connection = await _database!.OpenAsync();
        var best = ("", 0L);
        var target = data.LogSpans / 100.0;
        for (var rank = LogGenerator.SystemPromptRanks; rank < LogGenerator.SystemPromptRanks + 80; rank++)
        {
            var word = vocabulary[rank];
            await using var command = Command(connection, sql, new Dictionary<string, object> { ["w"] = Questions.SearchParameter(pg, word), ["p"] = data.ProjectId });
            var rows = Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
            if (Math.Abs(rows - target) < Math.Abs(best.Item2 - target))
            {
                best = (word, rows);
            }
        }

        return best;
    }

    // ---- measuring ----

    private sealed record Side(List<double> Times, long Rows, long Chars)
    {
        public double P(double p)
        {
            var sorted = Times.Order().ToList();
            return sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];
        }
    }

    /// <summary>A question's figures; a side is a single run when the other was cut off, and null when it was itself.</summary>
    private sealed record Result(Question Question, Side? Engine, Side? Hand, Side? Http, string? Mismatch);

    private async Task<Result> MeasureAsync(Question question, QueryData data)
    {
        if (options.Explain)
        {
            await ExplainAsync(question, data);
        }

        // One untimed run of each side, under a time limit, checks that they give the same answer.
        var (compiled, identity) = Compile(question, data);
        var engineKeys = new List<string>();
        var handKeys = new List<string>();
        var engineFirst = await GuardedAsync(compiled.Sql, compiled.Parameters.ToDictionary(p => p.Key, p => p.Value ?? DBNull.Value),
            reader => new ResultReader(compiled, identity).ReadAsync(reader, row =>
            {
                using var document = JsonDocument.Parse(row);
                engineKeys.Add(question.EngineKey(document.RootElement));
                return ValueTask.CompletedTask;
            }, CancellationToken.None));
        var handFirst = await GuardedAsync(question.Sql, question.Parameters, async reader =>
        {
            while (await reader.ReadAsync())
            {
                handKeys.Add(question.HandKey(reader));
            }
        });
        if (engineFirst is null || handFirst is null)
        {
            return new Result(question, engineFirst is null ? null : Once(engineFirst.Value, engineKeys.Count), handFirst is null ? null : Once(handFirst.Value, handKeys.Count), null, null);
        }

        var mismatch = engineKeys.SequenceEqual(handKeys) ? null : Difference(engineKeys, handKeys);

        // A slow question's first run was warm-up enough.
        var warmup = Math.Max(engineFirst.Value, handFirst.Value) > 1000 ? 0 : options.Warmup;
        var engine = new Side([], 0, 0);
        var hand = new Side([], 0, 0);
        var budget = Stopwatch.StartNew();
        for (var i = 0; i < warmup + options.Iterations; i++)
        {
            // Alternate which side goes first, so neither always runs on the other's warm cache.
            var first = i % 2 == 0 ? await RunEngineAsync(question, data) : await RunHandAsync(question);
            var second = i % 2 == 0 ? await RunHandAsync(question) : await RunEngineAsync(question, data);
            var (e, h) = i % 2 == 0 ? (first, second) : (second, first);
            if (i >= warmup)
            {
                engine.Times.Add(e.Ms);
                hand.Times.Add(h.Ms);
                engine = engine with { Rows = e.Rows, Chars = e.Chars };
                hand = hand with { Rows = h.Rows, Chars = h.Chars };
                if (engine.Times.Count >= 3 && budget.Elapsed.TotalSeconds > 2 * options.Seconds)
                {
                    break;
                }
            }
        }

        var http = new Side([], 0, 0);
        budget.Restart();
        for (var i = 0; i < warmup + options.Iterations; i++)
        {
            var (ms, chars) = await RunHttpAsync(question);
            if (i >= warmup)
            {
                http.Times.Add(ms);
                http = http with { Chars = chars };
                if (http.Times.Count >= 3 && budget.Elapsed.TotalSeconds > options.Seconds)
                {
                    break;
                }
            }
        }

        return new Result(question, engine, hand, http, mismatch);
    }

    private static Side Once(double ms, long rows) => new([ms], rows, 0);

    /// <summary>
    /// Runs a statement on a connection of its own, interrupted after <see cref="BenchOptions.Limit"/> seconds
    /// (SQLite's command timeout only bounds waiting for locks); returns its time, or null when it was cut off.
    /// </summary>
    private async Task<double?> GuardedAsync(string sql, IReadOnlyDictionary<string, object> parameters, Func<DbDataReader, Task> read)
    {
        var watch = Stopwatch.StartNew();
        await using var connection = await _database!.OpenAsync();
        await using var command = Command(connection, sql, parameters);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(options.Limit));
        var timedOut = false;
        await using var registration = limit.Token.Register(() =>
        {
            timedOut = true;
            if (connection is SqliteConnection sqlite)
            {
                SQLitePCL.raw.sqlite3_interrupt(sqlite.Handle);
            }
            else
            {
                command.Cancel();
            }
        });
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            await read(reader);
            return watch.Elapsed.TotalMilliseconds;
        }
        catch (Exception) when (timedOut)
        {
            return null;
        }
    }

    private static string Difference(List<string> engine, List<string> hand)
    {
        var at = engine.Zip(hand).TakeWhile(pair => pair.First == pair.Second).Count();
        return $"ANSWERS DIFFER: engine {engine.Count} keys, hand-written {hand.Count}; first difference at {at}: " +
            $"{(at < engine.Count ? engine[at] : "(end)")} vs {(at < hand.Count ? hand[at] : "(end)")}";
    }

    private (CompiledQuery Compiled, IReadOnlyDictionary<string, string> Identity) Compile(Question question, QueryData data)
    {
        var parsed = QueryParser.Parse(question.Query);
        var experiment = parsed.From.Source == "experiment";
        var source = new QuerySource(parsed.From.Source, data.OrgId, [new SourceObject(experiment ? data.ExperimentId : data.ProjectId, data.ProjectId)]);
        var identity = experiment
            ? $"\"project_id\":\"{data.ProjectId}\",\"experiment_id\":\"{data.ExperimentId}\""
            : $"\"org_id\":\"{data.OrgId}\",\"project_id\":\"{data.ProjectId}\",\"log_id\":\"g\"";
        var dialect = options.Store == "postgres" ? QueryDialect.Postgres : QueryDialect.Sqlite;
        return (QueryCompiler.Compile(parsed, source, dialect, new QueryOptions()), new Dictionary<string, string> { [source.Objects[0].Id] = identity });
    }

    private async Task<(double Ms, long Rows, long Chars)> RunEngineAsync(Question question, QueryData data)
    {
        var watch = Stopwatch.StartNew();
        var (compiled, identity) = Compile(question, data);
        long rows = 0, chars = 0;
        await new QueryRunner(_database!, TimeSpan.FromSeconds(options.Limit)).RunAsync(compiled, identity, row =>
        {
            rows++;
            chars += row.Length;
            return ValueTask.CompletedTask;
        }, CancellationToken.None);
        return (watch.Elapsed.TotalMilliseconds, rows, chars);
    }

    private async Task<(double Ms, long Rows, long Chars)> RunHandAsync(Question question)
    {
        var watch = Stopwatch.StartNew();
        await using var connection = await _database!.OpenAsync();
        await using var command = Command(connection, question.Sql, question.Parameters);
        await using var reader = await command.ExecuteReaderAsync();
        long rows = 0, chars = 0;
        while (await reader.ReadAsync())
        {
            rows++;
            for (var i = 0; i < reader.FieldCount; i++)
            {
                chars += reader.IsDBNull(i) ? 0 : reader.GetValue(i) is string text ? text.Length : 8;
            }

        }

        return (watch.Elapsed.TotalMilliseconds, rows, chars);
    }

    private async Task<(double Ms, long Chars)> RunHttpAsync(Question question)
    {
        var body = new JsonObject { ["query"] = question.Query }.ToJsonString();
        var watch = Stopwatch.StartNew();
        using var response = await _server!.Http.PostAsync("/btql", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /btql failed: {(int)response.StatusCode} {text}");
        }

        return (watch.Elapsed.TotalMilliseconds, text.Length);
    }

    private static DbCommand Command(DbConnection connection, string sql, IReadOnlyDictionary<string, object> parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 600;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    /// <summary>Prints the compiled SQL with its parameters, the hand-written SQL, and each one's plan.</summary>
    private async Task ExplainAsync(Question question, QueryData data)
    {
        var (compiled, _) = Compile(question, data);
        Console.WriteLine($"---- {question.Name}: {question.Query}");
        Console.WriteLine("compiled SQL:\n" + compiled.Sql);
        Console.WriteLine("parameters: " + string.Join(", ", compiled.Parameters.Select(p => $"{p.Key}={Show(p.Value)}")));
        await PlanAsync(compiled.Sql, compiled.Parameters.ToDictionary(p => p.Key, p => p.Value ?? DBNull.Value));
        Console.WriteLine("hand-written SQL:\n" + question.Sql);
        await PlanAsync(question.Sql, question.Parameters);
    }

    private static string Show(object? value) => value switch
    {
        string[] array => "{" + string.Join(",", array) + "}",
        null => "NULL",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>The plan; on PostgreSQL, one measured by running the statement, unless that takes past the limit.</summary>
    private async Task PlanAsync(string sql, IReadOnlyDictionary<string, object> parameters)
    {
        var pg = options.Store == "postgres";
        var plan = new StringBuilder("plan:\n");
        async Task Read(DbDataReader reader)
        {
            while (await reader.ReadAsync())
            {
                // SQLite: id, parent, notused, detail; PostgreSQL: one text column.
                plan.Append("  ").AppendLine(reader.FieldCount >= 4 ? $"{reader.GetValue(0)}<-{reader.GetValue(1)} {reader.GetString(3)}" : reader.GetString(0));
            }
        }

        if (await GuardedAsync((pg ? "EXPLAIN (ANALYZE, BUFFERS) " : "EXPLAIN QUERY PLAN ") + sql, parameters, Read) is null)
        {
            plan.Clear().AppendLine($"plan (EXPLAIN ANALYZE cut off after {options.Limit:0} s; estimated only):");
            await GuardedAsync("EXPLAIN " + sql, parameters, Read);
        }

        Console.WriteLine(plan);
    }

    // ---- the report ----

    private static string Ms(double ms) => ms < 10 ? ms.ToString("0.0", CultureInfo.InvariantCulture) : ms.ToString("0", CultureInfo.InvariantCulture);

    private string Figures(Side? side) =>
        side is null ? $"> {options.Limit:0} s (cut off)"
        : side.Times.Count == 1 ? $"{Ms(side.Times[0])} ms (one run)"
        : $"{Ms(side.P(0.5))} / {Ms(side.P(0.95))} ms";

    private static string Ratio(Side? engine, Side? hand, double limitMs, double p)
    {
        if (engine is null && hand is null)
        {
            return "?";
        }

        var (e, h) = (engine?.P(p) ?? limitMs, hand?.P(p) ?? limitMs);
        var prefix = engine is null ? ">" : hand is null ? "<" : "";
        return prefix + (e / h).ToString(e / h < 10 ? "0.00" : "0", CultureInfo.InvariantCulture) + "x";
    }

    private string Describe(Result r) =>
        $"{r.Question.What}: engine {Figures(r.Engine)}, hand-written SQL {Figures(r.Hand)}, ratio {Ratio(r.Engine, r.Hand, options.Limit * 1000, 0.5)}, " +
        $"POST /btql {(r.Http is null ? "not run" : Figures(r.Http))} ({r.Engine?.Times.Count ?? 0} runs, {r.Engine?.Rows ?? 0} rows)" + (r.Mismatch is null ? "" : "; " + r.Mismatch);

    private string Table(List<Result> results)
    {
        var text = new StringBuilder();
        text.AppendLine("| question | rows | engine p50 / p95 | hand-written SQL p50 / p95 | ratio p50 (p95) | POST /btql p50 / p95 | targets |");
        text.AppendLine("|---|---|---|---|---|---|---|");
        var limit = options.Limit * 1000;
        foreach (var r in results)
        {
            var ratio = r.Engine is null ? double.PositiveInfinity : r.Engine.P(0.5) / (r.Hand?.P(0.5) ?? limit);
            var targets = new List<string> { ratio <= 1.5 ? "≤1.5x met" : "≤1.5x MISSED" };
            if (r.Question.TargetMs is { } target && options.Store != "postgres")
            {
                targets.Add(r.Engine is not null && r.Engine.P(0.5) < target ? $"p50 < {target} ms met" : $"p50 < {target} ms MISSED");
            }

            if (r.Mismatch is not null)
            {
                targets.Add(r.Mismatch.StartsWith("failed", StringComparison.Ordinal) ? r.Mismatch : "ANSWERS DIFFER");
            }

            text.AppendLine($"| {r.Question.Name}: {r.Question.What} | {r.Engine?.Rows ?? r.Hand?.Rows} | {Figures(r.Engine)} | {Figures(r.Hand)} | " +
                $"{Ratio(r.Engine, r.Hand, limit, 0.5)} ({Ratio(r.Engine, r.Hand, limit, 0.95)}) | {(r.Http is null ? "-" : Figures(r.Http))} | {string.Join(", ", targets)} |");
        }

        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        _server?.Dispose();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        if (_postgresDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(options.Postgres);
            await connection.OpenAsync();
            await connection.ExecuteAsync($"DROP DATABASE IF EXISTS {_postgresDatabase} WITH (FORCE)");
        }

        if (Directory.Exists(_scratch))
        {
            Directory.Delete(_scratch, recursive: true);
        }
    }
}
