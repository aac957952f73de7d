using System.Diagnostics;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;
using Braid.Server.Tests.Query.Parquet;
using ParquetSharp;

namespace Braid.Server.Tests.Cli;

/// <summary>A running server for the export tests to fill through the API, and its store for the CLI to export from.</summary>
public sealed class ExportServer : IAsyncLifetime
{
    private readonly ProcessWorkspace _workspace = new();
    private ServerProcess? _server;

    public ApiClient Api => _server!.Client(_workspace.InitialKey);

    public async Task InitializeAsync()
    {
        await _workspace.InitializeAsync();
        _server = await _workspace.StartAsync();
    }

    public async Task DisposeAsync()
    {
        _server?.Dispose();
        await _workspace.DisposeAsync();
    }

    /// <summary>An empty directory of the test's own inside the working directory, for the export's files.</summary>
    public string NewDirectory()
    {
        var path = Path.Combine(_workspace.Directory, ApiClient.Unique("out"));
        Directory.CreateDirectory(path);
        return path;
    }

    public Task<CliResult> RunAsync(params string[] args) => ServerProcess.RunCliToEndAsync(_workspace.Directory, _workspace.DatabaseUrl, args);

    public Process Start(params string[] args) => ServerProcess.StartCli(_workspace.Directory, _workspace.DatabaseUrl, args);
}

/// <summary>
/// <c>braid export</c> run as a user runs it, against the store of a server the rows went into through the API:
/// each export holds the rows <c>POST /btql</c> answers for <c>select: *</c>, each once, in id order, in JSON lines
/// or Parquet.
/// </summary>
public sealed class ExportTests(ExportServer server) : IClassFixture<ExportServer>
{
    /// <summary>Small enough that the 49 live rows of <see cref="LogWithRowsAsync"/> take 7 full pages.</summary>
    private const string PageSize = "7";

    [Fact]
    public async Task JsonLines_ReadInSmallPages_HoldEveryRowOnce_ExactlyAsBtqlAnswers()
    {
        var (project, expected) = await LogWithRowsAsync();

        var piped = await ExportAsync("project_logs", project, "--page-size", PageSize);
        AssertSameRows(expected, Lines(piped.Output));
        Assert.Contains("Exported 49 rows", piped.Error, StringComparison.Ordinal);

        var directory = server.NewDirectory();
        var written = await ExportAsync("project_logs", project, "--page-size", PageSize, "--out", Path.Combine(directory, "logs.jsonl"));
        Assert.Empty(written.Output);
        Assert.Equal(piped.Output, await File.ReadAllTextAsync(Path.Combine(directory, "logs.jsonl")));
        Assert.Equal(["logs.jsonl"], Directory.GetFiles(directory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Parquet_ReadInSmallPages_HoldsEveryRowOnce_AsAnIndependentReaderSeesIt()
    {
        var (project, expected) = await LogWithRowsAsync();
        var directory = server.NewDirectory();
        var path = Path.Combine(directory, "logs.parquet");

        var result = await ExportAsync("project_logs", project, "--page-size", PageSize, "--out", path);
        Assert.Empty(result.Output);
        Assert.Contains("Exported 49 rows", result.Error, StringComparison.Ordinal);

        var file = ParquetFile.Read(await File.ReadAllBytesAsync(path));
        Assert.Equal([7L, 7L, 7L, 7L, 7L, 7L, 7L], file.RowGroups);
        AssertSameRows(expected.Select(WithoutNulls).ToList(), ParquetRows(file));
        Assert.Equal(["logs.parquet"], Directory.GetFiles(directory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task ExperimentsAndDatasets_AreFoundByName_AndTheFormatFollowsTheFlagOrTheExtension()
    {
        var api = server.Api;
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var experimentName = ApiClient.Unique("experiment");
        var experiment = (string)(await api.CreateExperimentAsync(project, new { name = experimentName }))["id"]!;
        await api.InsertAsync($"experiment/{experiment}", Events(12));
        var datasetName = ApiClient.Unique("dataset");
        var dataset = (await api.PostAsync("/v1/dataset", new { project_id = project, name = datasetName })).AssertOk().Id;
        await api.InsertAsync($"dataset/{dataset}", Events(5));
        var directory = server.NewDirectory();

        // --format wins over an extension that names no format.
        var asParquet = Path.Combine(directory, "experiment.data");
        await ExportAsync("experiment", experimentName, "--format", "parquet", "--page-size", "5", "--out", asParquet);
        var experimentRows = await BtqlAsync($"experiment('{experiment}')");
        AssertSameRows(experimentRows.Select(WithoutNulls).ToList(), ParquetRows(ParquetFile.Read(await File.ReadAllBytesAsync(asParquet))));

        // An extension that names no format, and no --format: JSON lines.
        var asLines = Path.Combine(directory, "dataset.out");
        await ExportAsync("dataset", datasetName, "--out", asLines);
        AssertSameRows(await BtqlAsync($"dataset('{dataset}')"), Lines(await File.ReadAllTextAsync(asLines)));
        Assert.All(Lines(await File.ReadAllTextAsync(asLines)), row => Assert.Equal(dataset, (string)row["dataset_id"]!));
    }

    [Fact]
    public async Task AnEmptyLog_IsAnEmptyButValidFile()
    {
        var project = (string)(await server.Api.CreateProjectAsync())["id"]!;
        var directory = server.NewDirectory();

        var lines = await ExportAsync("project_logs", project, "--out", Path.Combine(directory, "empty.jsonl"));
        Assert.Contains("Exported 0 rows", lines.Error, StringComparison.Ordinal);
        Assert.Equal("", await File.ReadAllTextAsync(Path.Combine(directory, "empty.jsonl")));

        await ExportAsync("project_logs", project, "--out", Path.Combine(directory, "empty.parquet"));
        var file = ParquetFile.Read(await File.ReadAllBytesAsync(Path.Combine(directory, "empty.parquet")));
        Assert.Equal(0, file.RowCount);
        Assert.Contains(file.Columns, c => c.Name == "extra");
    }

    [Fact]
    public async Task AnInterruptedExport_RemovesItsTemporaryFile_AndLeavesTheOutputAlone()
    {
        // A page a row (3,000 queries), so the export runs long enough to be caught once it has started its file.
        var api = server.Api;
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        foreach (var chunk in Enumerable.Range(0, 6))
        {
            await api.InsertAsync($"project_logs/{project}", [.. Enumerable.Range(chunk * 500, 500).Select(i => (object)new { id = $"row-{i:D4}", input = i })]);
        }

        var directory = server.NewDirectory();
        var path = Path.Combine(directory, "logs.jsonl");
        await File.WriteAllTextAsync(path, "kept\n");
        using var export = server.Start("export", "project_logs", project, "--page-size", "1", "--out", path);
        var stderr = export.StandardError.ReadToEndAsync();
        var waiting = Stopwatch.StartNew();
        while (!Directory.GetFiles(directory).Any(f => f.EndsWith(".tmp", StringComparison.Ordinal)))
        {
            if (export.HasExited)
            {
                Assert.Fail("the export ended before it could be interrupted: " + await stderr);
            }

            Assert.True(waiting.Elapsed < TimeSpan.FromSeconds(60), "the export never started its file");
            await Task.Delay(10);
        }

        using (var kill = Process.Start("kill", ["-TERM", export.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await export.WaitForExitAsync();
        Assert.True(export.ExitCode == 143, $"exit code {export.ExitCode}: {await stderr}");
        Assert.Contains("interrupted", await stderr, StringComparison.Ordinal);
        Assert.Equal("kept\n", await File.ReadAllTextAsync(path));
        Assert.Equal(["logs.jsonl"], Directory.GetFiles(directory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task UnknownLogsAndOrganizations_FailClearly_AndLeaveTheOutputAlone()
    {
        var project = (string)(await server.Api.CreateProjectAsync())["id"]!;
        var directory = server.NewDirectory();
        var existing = Path.Combine(directory, "previous.jsonl");
        await File.WriteAllTextAsync(existing, "kept\n");

        var unknown = await server.RunAsync("export", "project_logs", "no-such-project", "--out", existing);
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("project 'no-such-project' not found", unknown.Error, StringComparison.Ordinal);
        Assert.Empty(unknown.Output);
        Assert.Equal("kept\n", await File.ReadAllTextAsync(existing));
        Assert.Equal(["previous.jsonl"], Directory.GetFiles(directory).Select(Path.GetFileName));

        // Another organization does not see the project, even by its id.
        var other = ApiClient.Unique("other-org");
        (await server.RunAsync("keys", "create", "--org", other)).AssertSucceeded();
        var elsewhere = await server.RunAsync("export", "project_logs", project, "--org", other);
        Assert.NotEqual(0, elsewhere.ExitCode);
        Assert.Contains($"project '{project}' not found", elsewhere.Error, StringComparison.Ordinal);

        var noOrganization = await server.RunAsync("export", "project_logs", project, "--org", "no-such-org");
        Assert.NotEqual(0, noOrganization.ExitCode);
        Assert.Contains("organization 'no-such-org' not found", noOrganization.Error, StringComparison.Ordinal);

        var badFormat = await server.RunAsync("export", "project_logs", project, "--format", "csv");
        Assert.Equal(2, badFormat.ExitCode);
        Assert.Contains("--format must be jsonl or parquet", badFormat.Error, StringComparison.Ordinal);
        Assert.Contains("usage: braid", badFormat.Error, StringComparison.Ordinal);

        var notALog = await server.RunAsync("export", "prompt", "p");
        Assert.Equal(2, notALog.ExitCode);
    }

    [Fact]
    public async Task AnAmbiguousName_IsAnError_ListingTheIds()
    {
        var api = server.Api;
        var name = ApiClient.Unique("same-name");
        var first = (string)(await api.CreateExperimentAsync((string)(await api.CreateProjectAsync())["id"]!, new { name }))["id"]!;
        var second = (string)(await api.CreateExperimentAsync((string)(await api.CreateProjectAsync())["id"]!, new { name }))["id"]!;

        var result = await server.RunAsync("export", "experiment", name);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"more than one experiment is named '{name}'", result.Error, StringComparison.Ordinal);
        Assert.Contains(first, result.Error, StringComparison.Ordinal);
        Assert.Contains(second, result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    private async Task<CliResult> ExportAsync(params string[] args) =>
        (await server.RunAsync(["export", .. args])).AssertSucceeded();

    /// <summary>
    /// A project's logs of 50 rows, one of them merged into and one deleted afterwards; returns the project and
    /// what <c>POST /btql</c> answers for all its rows.
    /// </summary>
    private async Task<(string Project, List<JsonObject> Rows)> LogWithRowsAsync()
    {
        var api = server.Api;
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        await api.InsertAsync($"project_logs/{project}", Events(50));
        await api.InsertAsync($"project_logs/{project}",
            new { id = "row-001", _is_merge = true, metadata = new { merged = true } },
            new { id = "row-002", _object_delete = true });

        var rows = await BtqlAsync($"project_logs('{project}')");
        Assert.Equal(49, rows.Count);
        Assert.Contains(rows, r => r["metadata"]?["merged"] is not null);
        return (project, rows);
    }

    /// <summary>Rows with nested values, nulls, non-ASCII text, a large integer and a top-level field of their own.</summary>
    private static object[] Events(int count) => [.. Enumerable.Range(0, count).Select(i => (object)new
    {
        id = $"row-{i:D3}",
        input = new { question = $"question {i}", list = new object?[] { i, "two", null, new { deep = true } } },
        output = i % 3 == 0 ? null : $"héllo ✓ {i}",
        expected = i % 2 == 0 ? (object)(i * 1.5) : new[] { "a", "b" },
        scores = new { accuracy = i / 100.0, none = (double?)null },
        metadata = new { n = i, big = 9007199254740993L, model = "gpt" },
        tags = new[] { "t" },
        custom_field = new { kept = i },
    })];

    /// <summary>
    /// Every row of a source as <c>POST /btql</c> answers <c>select: *</c> (one page: the logs are small), in the
    /// export's order: by id.
    /// </summary>
    private async Task<List<JsonObject>> BtqlAsync(string from)
    {
        var answer = (await server.Api.PostAsync("/btql", new { query = $"select: * | from: {from}" })).AssertOk().Object;
        Assert.Null(answer["cursor"]);
        return [.. answer["data"]!.AsArray().Select(r => r!.AsObject()).OrderBy(r => (string)r["id"]!, StringComparer.Ordinal)];
    }

    private static List<JsonObject> Lines(string text) =>
        [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!.AsObject())];

    /// <summary>Rows rebuilt from the event-row columns: JSON columns parsed, <c>extra</c>'s fields spread back to the top.</summary>
    private static List<JsonObject> ParquetRows(ParquetFile file)
    {
        var rows = new List<JsonObject>();
        for (var i = 0; i < file.RowCount; i++)
        {
            var row = new JsonObject();
            for (var c = 0; c < file.Columns.Count; c++)
            {
                var (column, value) = (file.Columns[c], file.Values[c][i]);
                if (value is null)
                {
                    continue;
                }

                if (column.Name == "extra")
                {
                    foreach (var (name, field) in JsonNode.Parse((string)value)!.AsObject())
                    {
                        row[name] = field?.DeepClone();
                    }
                }
                else
                {
                    row[column.Name] = column.Logical == LogicalTypeEnum.Json ? JsonNode.Parse((string)value)
                        : value switch
                        {
                            string text => JsonValue.Create(text),
                            bool flag => JsonValue.Create(flag),
                            _ => throw new InvalidOperationException($"unexpected {value.GetType()} in {column.Name}"),
                        };
                }
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>A row without its top-level nulls, which Parquet cannot tell from missing fields.</summary>
    private static JsonObject WithoutNulls(JsonObject row) =>
        new(row.Where(p => p.Value is not null).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value!.DeepClone())));

    /// <summary>The same rows in the same order, each id once.</summary>
    private static void AssertSameRows(List<JsonObject> expected, List<JsonObject> actual)
    {
        var ids = actual.Select(r => (string)r["id"]!).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(expected.Select(r => (string)r["id"]!), ids);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(JsonNode.DeepEquals(expected[i], actual[i]), $"row {i}:\nexpected {expected[i].ToJsonString()}\nactual   {actual[i].ToJsonString()}");
        }
    }
}
