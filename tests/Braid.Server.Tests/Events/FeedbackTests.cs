using System.Net;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Events;

public sealed class FeedbackTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task Feedback_MergesScores_UpdatesExpectedAndTags_AddsComment_AndAudits()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("experiment");
        await api.InsertAsync(log, new { id = "r", input = "q", output = "a", expected = "old", scores = new { auto = 0.5 }, tags = new[] { "t1" } });

        (await api.PostAsync($"/v1/{log}/feedback", new { feedback = new object[] { new { id = "r", scores = new { human = 1 }, expected = "new", tags = new[] { "reviewed" }, comment = "looks right", metadata = new { reviewer = "ana" }, source = "app" } } })).AssertOk();
        (await api.PostAsync($"/v1/{log}/feedback", new { feedback = new object[] { new { id = "r", scores = new { human = 0 } } } })).AssertOk();

        var row = (await api.FetchAllAsync(log)).Single();
        Assert.Equal(0.5, (double)row["scores"]!["auto"]!);
        Assert.Equal(0.0, (double)row["scores"]!["human"]!);
        Assert.Equal("new", (string)row["expected"]!);
        Assert.Equal(["reviewed"], row["tags"]!.AsArray().Select(t => (string)t!));
        Assert.Equal("a", (string)row["output"]!);

        var comment = row["comments"]!.AsArray().Single()!;
        Assert.Equal("looks right", (string)comment["comment"]!["text"]!);
        Assert.Equal(api.Key!.User.Id, (string)comment["user_id"]!);

        var audit = row["audit_data"]!.AsArray();
        Assert.Equal(["app", "external"], audit.Select(a => (string)a!["source"]!));
        Assert.Equal("ana", (string)audit[0]!["metadata"]!["reviewer"]!);
    }

    [Fact]
    public async Task Feedback_OnADatasetTakesCommentsAndTags()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("dataset");
        await api.InsertAsync(log, new { id = "d", input = 1 });
        (await api.PostAsync($"/v1/{log}/feedback", new { feedback = new object[] { new { id = "d", comment = "fix me", tags = new[] { "bad" } } } })).AssertOk();
        var row = (await api.FetchAllAsync(log)).Single();
        Assert.Equal("fix me", (string)row["comments"]![0]!["comment"]!["text"]!);
        Assert.Equal("bad", (string)row["tags"]![0]!);
    }

    [Theory]
    [InlineData("{}", "feedback")]
    [InlineData("{\"feedback\":[{}]}", "feedback[0].id")]
    [InlineData("{\"feedback\":[{\"id\":\"r\",\"scores\":{\"x\":2}}]}", "feedback[0].scores.x")]
    [InlineData("{\"feedback\":[{\"id\":\"r\",\"source\":\"robot\"}]}", "feedback[0].source")]
    [InlineData("{\"feedback\":[{\"id\":\"r\",\"comment\":5}]}", "feedback[0].comment")]
    [InlineData("{\"feedback\":[{\"id\":\"r\",\"tags\":\"t\"}]}", "feedback[0].tags")]
    public async Task Feedback_BadItems_Are400(string body, string mentions)
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("project_logs");
        await api.InsertAsync(log, new { id = "r" });
        (await api.SendAsync(HttpMethod.Post, $"/v1/{log}/feedback", body)).AssertError(HttpStatusCode.BadRequest, mentions);
    }

    [Fact]
    public async Task Feedback_ForAMissingRow_Is404AndWritesNothing()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("project_logs");
        await api.InsertAsync(log, new { id = "r" });
        (await api.PostAsync($"/v1/{log}/feedback", new { feedback = new object[] { new { id = "r", comment = "first" }, new { id = "ghost", comment = "second" } } }))
            .AssertError(HttpStatusCode.NotFound, "ghost");
        Assert.Null((await api.FetchAllAsync(log)).Single()["comments"]);
    }

    [Fact]
    public async Task Feedback_ScoresAndExpectedOnADataset_Are400()
    {
        var api = await app.NewTenantAsync();
        var log = await api.CreateLogAsync("dataset");
        (await api.PostAsync($"/v1/{log}/feedback", new { feedback = new object[] { new { id = "d", scores = new { x = 1 } } } })).AssertError(HttpStatusCode.BadRequest, "scores");
    }
}
