using Braid.Server.Tests.Infrastructure;
using Braid.Storage;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Storage;

public sealed class SearchIndexTests(BraidApp app) : IClassFixture<BraidApp>
{
    private readonly SearchIndex _index = new(app);

    [Fact]
    public async Task Created_IsStoredNormalizedToUtc_AndMergesAndFeedbackKeepIt()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("experiment");
        await api.InsertAsync(log,
            new { id = "offset", input = "a", created = "2024-01-02T03:04:05+02:00" },
            new { id = "date", input = "b", created = "2024-03-04T05:06:07Z" },
            new { id = "default", input = "d" });

        Assert.Equal("2024-01-02T01:04:05.000Z", await _index.CreatedAsync(log, "offset"));
        Assert.Equal("2024-03-04T05:06:07.000Z", await _index.CreatedAsync(log, "date"));
        var rows = await api.FetchAllAsync(log);
        Assert.Equal((string)rows.Single(r => (string)r["id"]! == "default")["created"]!, await _index.CreatedAsync(log, "default"));
        // The row itself keeps what the client sent.
        Assert.Equal("2024-01-02T03:04:05+02:00", (string)rows.Single(r => (string)r["id"]! == "offset")["created"]!);

        await api.InsertAsync(log, new { id = "offset", _is_merge = true, output = "merged" });
        Assert.Equal("2024-01-02T01:04:05.000Z", await _index.CreatedAsync(log, "offset"));
        (await api.PostAsync($"/v1/{log}/feedback", new { feedback = new object[] { new { id = "offset", comment = "fine" } } })).AssertOk();
        Assert.Equal("2024-01-02T01:04:05.000Z", await _index.CreatedAsync(log, "offset"));

        // A replace that sends no created keeps the row's; one that sends it moves it.
        await api.InsertAsync(log, new { id = "offset", input = "replaced" });
        Assert.Equal("2024-01-02T01:04:05.000Z", await _index.CreatedAsync(log, "offset"));
        await api.InsertAsync(log, new { id = "offset", input = "replaced", created = "2025-06-07T08:09:10.123456Z" });
        Assert.Equal("2025-06-07T08:09:10.123Z", await _index.CreatedAsync(log, "offset"));
    }

    [Fact]
    public async Task Search_FindsATokenInTheNamedFieldOnly()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("project_logs");
        await api.InsertAsync(log,
            new { id = "greeting", input = new { messages = new[] { new { role = "user", content = "Hello, World!" } } }, output = "a secret answer" },
            new { id = "other", input = "nothing here", metadata = new { note = "Hello from metadata" }, tags = new[] { "Prod" } });

        Assert.Equal(["greeting"], await _index.CurrentAsync(log, "input", "hello"));
        Assert.Equal(["greeting"], await _index.CurrentAsync(log, "input", "hello", "world"));
        Assert.Empty(await _index.CurrentAsync(log, "input", "secret"));
        Assert.Equal(["greeting"], await _index.CurrentAsync(log, "output", "secret"));
        Assert.Equal(["other"], await _index.CurrentAsync(log, "metadata", "hello"));
        Assert.Equal(["other"], await _index.CurrentAsync(log, "tags", "prod"));
        // Object keys are not indexed.
        Assert.Empty(await _index.CurrentAsync(log, "input", "messages"));
    }

    [Fact]
    public async Task Search_FindsCyrillicAndCjkTokens()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("dataset");
        await api.InsertAsync(log,
            new { id = "ru", input = "Привет, мир" },
            new { id = "zh", input = "你好世界", expected = "ＦＵＬＬ ｗｉｄｔｈ" });

        Assert.Equal(["ru"], await _index.CurrentAsync(log, "input", "привет", "мир"));
        Assert.Equal(["zh"], await _index.CurrentAsync(log, "input", "你", "好"));
        Assert.Equal(["zh"], await _index.CurrentAsync(log, "input", "世"));
        Assert.Empty(await _index.CurrentAsync(log, "input", "你好"));
        Assert.Equal(["zh"], await _index.CurrentAsync(log, "expected", "full", "width"));
    }

    [Fact]
    public async Task Search_AfterUpdates_MatchesTheCurrentVersionOnly()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("project_logs");
        var token = Token();
        await api.InsertAsync(log, new { id = "replaced", input = $"old{token}" }, new { id = "merged", input = new { a = $"old{token}" } });
        await api.InsertAsync(log,
            new { id = "replaced", input = $"new{token}" },
            new { id = "merged", _is_merge = true, input = new { a = $"new{token}", b = $"kept{token}" } });

        Assert.Empty(await _index.CurrentAsync(log, "input", $"old{token}"));
        Assert.Equal(["merged", "replaced"], await _index.CurrentAsync(log, "input", $"new{token}"));
        Assert.Equal(["merged"], await _index.CurrentAsync(log, "input", $"kept{token}"));
        // The old versions stay indexed under their own seq; it is the join to event_current that leaves them out.
        Assert.Equal(2, (await _index.VersionsAsync("input", $"old{token}")).Count);

        // Feedback writes a version too, with its expected and tags.
        (await api.PostAsync($"/v1/{log}/feedback", new { feedback = new object[] { new { id = "merged", expected = $"fb{token}", tags = new[] { "reviewed" } } } })).AssertOk();
        Assert.Equal(["merged"], await _index.CurrentAsync(log, "expected", $"fb{token}"));
        Assert.Equal(["merged"], await _index.CurrentAsync(log, "tags", "reviewed"));
        Assert.Equal(["merged"], await _index.CurrentAsync(log, "input", $"kept{token}"));
    }

    [Fact]
    public async Task Search_OneRequestWritingAnIdTwice_IndexesTheSecondVersionAsCurrent()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("experiment");
        var token = Token();
        await api.InsertAsync(log, new { id = "twice", input = $"first{token}" }, new { id = "twice", input = $"second{token}" });

        Assert.Empty(await _index.CurrentAsync(log, "input", $"first{token}"));
        Assert.Equal(["twice"], await _index.CurrentAsync(log, "input", $"second{token}"));
        var versions = await _index.HistoryAsync(log, "twice");
        Assert.Equal(versions[^1..], await _index.VersionsAsync("input", $"second{token}"));
    }

    [Fact]
    public async Task Search_IndexesRowsResolvedByTheWriter_AndNotTombstones()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("project_logs");
        var token = Token();
        await api.InsertAsync(log, new { id = "root", input = $"root{token}" });
        await api.InsertAsync(log, new { id = "child", _parent_id = "root", input = $"child{token}" });
        Assert.Equal(["child"], await _index.CurrentAsync(log, "input", $"child{token}"));

        await api.InsertAsync(log, new { id = "root", _object_delete = true });
        Assert.Empty(await _index.CurrentAsync(log, "input", $"root{token}"));
        var versions = await _index.HistoryAsync(log, "root");
        Assert.Equal(2, versions.Count);
        Assert.True(await _index.IsIndexedAsync(versions[0]));
        Assert.False(await _index.IsIndexedAsync(versions[1]));
    }

    [Fact]
    public async Task Sqlite_BundledBuildHasFts5_WithContentlessDelete()
    {
        if (TestStore.IsPostgres)
        {
            return;
        }

        await using var connection = await app.Services.GetRequiredService<Database>().OpenAsync();
        var version = Version.Parse(await connection.ExecuteScalarAsync<string>("SELECT sqlite_version()") ?? "0.0");
        Assert.True(version >= new Version(3, 43), $"SQLite {version} has no contentless_delete");
        var first = "первый" + Token();
        var second = "второй" + Token();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("""
            INSERT INTO event_search (rowid, input) VALUES (-1, @first);
            INSERT OR REPLACE INTO event_search (rowid, input) VALUES (-1, @second);
            """, new { first, second }, transaction);
        Assert.Equal([-1L], await connection.QueryAsync<long>("SELECT rowid FROM event_search WHERE event_search MATCH @q", new { q = $"{{input}} : (\"{second}\")" }, transaction));
        Assert.Empty(await connection.QueryAsync<long>("SELECT rowid FROM event_search WHERE event_search MATCH @q", new { q = $"\"{first}\"" }, transaction));
        await connection.ExecuteAsync("DELETE FROM event_search WHERE rowid = -1", transaction: transaction);
        Assert.Empty(await connection.QueryAsync<long>("SELECT rowid FROM event_search WHERE event_search MATCH @q", new { q = $"\"{second}\"" }, transaction));
        await transaction.RollbackAsync();
    }

    private static string Token() => Guid.NewGuid().ToString("N")[..12];
}
