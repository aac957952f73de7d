using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Query.Golden;

/// <summary>
/// One server with the golden data set (<c>fixture.json</c>) written once: a project's logs in six batches (so
/// <c>_xact_id</c> order differs from <c>created</c> order, and the last batch replaces a row for <c>version</c> reads),
/// a second project's logs, an experiment and a dataset, all in one organization of their own.
/// </summary>
public sealed class GoldenFixture : IAsyncLifetime
{
    private readonly BraidApp _app = new();

    public ApiClient Api { get; private set; } = null!;

    /// <summary>What <c>{name}</c> placeholders in the corpus stand for: ids, names and batch transaction ids.</summary>
    public IReadOnlyDictionary<string, string> Placeholders { get; private set; } = null!;

    public static JsonObject Data { get; } = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Query", "Golden", "fixture.json")))!.AsObject();

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_app).InitializeAsync();
        Api = await _app.NewTenantAsync();
        var placeholders = new Dictionary<string, string>(StringComparer.Ordinal);
        async Task<string> Create(string key, string path, object body)
        {
            var created = (await Api.PostAsync(path, body)).AssertOk().Object;
            placeholders[key] = (string)created["id"]!;
            placeholders[key + "_name"] = (string)created["name"]!;
            return placeholders[key];
        }

        var project = await Create("project", "/v1/project", new { name = "golden-support-bot" });
        var second = await Create("project_b", "/v1/project", new { name = "golden-search-bot" });
        var experiment = await Create("experiment", "/v1/experiment", new { project_id = project, name = "golden-experiment" });
        var dataset = await Create("dataset", "/v1/dataset", new { project_id = project, name = "golden-dataset" });

        var batch = 0;
        foreach (var rows in Data["project_logs_batches"]!.AsArray())
        {
            await Api.InsertAsync($"project_logs/{project}", [.. rows!.AsArray().Select(r => (object)r!.DeepClone())]);
            batch++;
            var last = await Api.PostAsync("/btql", new { query = $"select: _xact_id | from: project_logs('{project}') | sort: _xact_id desc | limit: 1" });
            placeholders[$"xact:{batch}"] = (string)last.AssertOk().Json["data"]![0]!["_xact_id"]!;
        }

        await Insert($"project_logs/{second}", "second_project_logs");
        await Insert($"experiment/{experiment}", "experiment");
        await Insert($"dataset/{dataset}", "dataset");
        Placeholders = placeholders;
    }

    private Task<List<string>> Insert(string log, string key) =>
        Api.InsertAsync(log, [.. Data[key]!.AsArray().Select(r => (object)r!.DeepClone())]);

    /// <summary>Replaces every <c>{name}</c> the fixture knows in a query text or JSON string.</summary>
    public string Fill(string text)
    {
        foreach (var (name, value) in Placeholders)
        {
            text = text.Replace("{" + name + "}", value, StringComparison.Ordinal);
        }

        return text;
    }

    public Task DisposeAsync() => ((IAsyncLifetime)_app).DisposeAsync();
}
