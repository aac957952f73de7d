using System.Text;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;
using Braid.Server.Tests.Query.Parquet;

namespace Braid.Server.Tests.Automations;

public sealed class ExportTests(AutomationFixture fixture) : IClassFixture<AutomationFixture>
{
    internal static async Task<string> ExportAsync(ApiClient api, string project, string path, string format = "jsonl", int batchSize = 10, object? definition = null, double interval = 3600) =>
        (await api.PostAsync("/v1/project_automation", new
        {
            project_id = project, name = "export " + Guid.NewGuid().ToString("N")[..6],
            config = new
            {
                event_type = "btql_export", export_definition = definition ?? new { type = "log_spans" }, export_path = path, format,
                interval_seconds = interval, credentials = new { type = "aws_iam", role_arn = "arn:aws:iam::1:role/x", external_id = "x" }, batch_size = batchSize,
            },
        })).AssertOk().Id;

    /// <summary>Every row of every published JSON-lines file under a directory (temporary files are not published).</summary>
    internal static List<JsonObject> Rows(string directory) =>
        !Directory.Exists(directory)
            ? []
            : Directory.EnumerateFiles(directory, "*.jsonl", SearchOption.AllDirectories)
                .Where(f => !Path.GetFileName(f).StartsWith('.'))
                .SelectMany(File.ReadAllLines)
                .Select(line => JsonNode.Parse(line)!.AsObject())
                .ToList();

    private static object[] Spans(string prefix, int count) =>
        Enumerable.Range(0, count).Select(i => (object)new { id = $"{prefix}-{i}", input = i }).ToArray();

    [Fact]
    public async Task AnExportRunTwice_WithNewRowsBetween_WritesEveryRowOnce_InAHiveLayout()
    {
        var api = await fixture.App.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var dir = "twice-" + Guid.NewGuid().ToString("N")[..8];
        await api.InsertAsync($"project_logs/{project}", Spans("first", 25));
        var automation = await ExportAsync(api, project, $"file://{dir}");

        await fixture.PassAsync();
        var root = Path.Combine(fixture.ExportDirectory, dir);
        var afterFirst = Rows(root);
        Assert.True(afterFirst.Count == 25, (await api.GetAsync($"/v1/project_automation/{automation}/runs")).Body);

        // The next run is an hour away; "run once" makes it due now.
        await api.InsertAsync($"project_logs/{project}", Spans("second", 7));
        (await api.PostAsync($"/v1/project_automation/{automation}/run", new { })).AssertOk();
        await fixture.PassAsync();

        var ids = Rows(root).Select(r => (string)r["id"]!).ToList();
        Assert.Equal(32, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal((await api.FetchAllAsync($"project_logs/{project}")).Select(r => (string)r["id"]!).Order(), ids.Order());

        // Hive-style partitions, one file per batch of at most batch_size rows.
        var files = Directory.EnumerateFiles(root, "*.jsonl", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)).ToList();
        Assert.All(files, f => Assert.Matches(@"^date=\d{4}-\d{2}-\d{2}/part-\d{20}-\d{20}\.jsonl$", f.Replace('\\', '/')));
        Assert.Equal(4, files.Count);
        var runs = (await api.GetAsync($"/v1/project_automation/{automation}/runs")).AssertOk().Objects;
        Assert.Equal([7, 25], runs.Select(r => (long)r["rows"]!).Order());
        Assert.All(runs, r => Assert.Equal("success", (string)r["outcome"]!));
    }

    [Fact]
    public async Task ParquetExports_GoToAnS3Bucket_AndTraceExportsHaveOneRowPerTrace()
    {
        var api = await fixture.App.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        await api.InsertAsync($"project_logs/{project}",
            new { id = "root", span_id = "root", root_span_id = "t1", input = "q" },
            new { id = "child", span_id = "child", root_span_id = "t1", span_parents = new[] { "root" } },
            new { id = "alone", span_id = "alone", root_span_id = "t2", input = "r" });
        var prefix = "spans-" + Guid.NewGuid().ToString("N")[..8];
        var spanExport = await ExportAsync(api, project, $"s3://bucket/{prefix}", "parquet");
        await ExportAsync(api, project, $"s3://bucket/{prefix}-traces", "jsonl", definition: new { type = "log_traces" });

        await fixture.PassAsync();

        var spans = fixture.S3.Objects.Where(o => o.Key.StartsWith($"bucket/{prefix}/date=", StringComparison.Ordinal)).ToList();
        Assert.True(spans.Count == 1, (await api.GetAsync($"/v1/project_automation/{spanExport}/runs")).Body);
        var file = spans[0];
        Assert.EndsWith(".parquet", file.Key, StringComparison.Ordinal);
        Assert.Equal(["alone", "child", "root"], ParquetFile.Read(file.Value)["id"].Cast<string>().Order());
        var traces = fixture.S3.Objects.Where(o => o.Key.StartsWith($"bucket/{prefix}-traces/", StringComparison.Ordinal))
            .SelectMany(o => Encoding.UTF8.GetString(o.Value).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            .Select(line => JsonNode.Parse(line)!)
            .ToList();
        Assert.Equal(["t1", "t2"], traces.Select(t => (string)t["root_span_id"]!).Order());
    }

    [Fact]
    public async Task ACustomQueryExport_WritesTheQuerysRows_AndABadPathIsARunErrorThatSaysWhy()
    {
        var api = await fixture.App.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        await api.InsertAsync($"project_logs/{project}",
            new { id = "a", metadata = new { env = "prod" } }, new { id = "b", metadata = new { env = "dev" } });
        var dir = "query-" + Guid.NewGuid().ToString("N")[..8];
        await ExportAsync(api, project, $"file://{dir}", definition: new
        {
            type = "btql_query", btql_query = $"select: id, metadata.env as env | from: project_logs('{project}') | filter: metadata.env = 'prod'",
        });
        var outside = await ExportAsync(api, project, "file:///etc/braid-export");

        await fixture.PassAsync();

        var row = Assert.Single(Rows(Path.Combine(fixture.ExportDirectory, dir)));
        Assert.Equal("a", (string)row["id"]!);
        Assert.Equal("prod", (string)row["env"]!);
        var failed = (await api.GetAsync($"/v1/project_automation/{outside}/runs")).AssertOk().Objects.Single();
        Assert.Equal("error", (string)failed["outcome"]!);
        Assert.Contains("outside this server's export directory", (string)failed["error"]!, StringComparison.Ordinal);
    }
}
