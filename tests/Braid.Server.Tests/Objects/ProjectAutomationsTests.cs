using System.Net;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Objects;

public sealed class ProjectAutomationsTests(BraidApp app) : IClassFixture<BraidApp>
{
    private const string Webhook = """{"type":"webhook","url":"https://example.com/hook"}""";
    private const string Slack = """{"type":"slack","workspace_id":"T1","channel":"C1"}""";

    // One valid config per event_type (spec AutomationConfig); "{user}" is the caller's user id.
    public static TheoryData<string> ValidConfigs => new()
    {
        $$"""{"event_type":"logs","btql_filter":"scores.accuracy < 0.5","interval_seconds":3600,"action":{{Webhook}}}""",
        $$"""{"event_type":"logs","btql_filter":"","interval_seconds":60,"action":{{Slack}}}""",
        """{"event_type":"btql_export","export_definition":{"type":"log_traces"},"export_path":"s3://bucket/x","format":"parquet","interval_seconds":86400,"credentials":{"type":"aws_iam","role_arn":"arn:aws:iam::1:role/r","external_id":"e"}}""",
        """{"event_type":"btql_export","status":"paused","export_definition":{"type":"btql_query","btql_query":"select: *"},"export_path":"gs://b/x","format":"jsonl","interval_seconds":60,"credentials":{"type":"gcp_service_account","service_account_email":"sa@x.iam"},"batch_size":500}""",
        """{"event_type":"async_query","created_by_user_id":"{user}","object_type":"experiment","object_id":"e1","query":"select: *","format":"jsonl"}""",
        """{"event_type":"retention","object_type":"project_logs","retention_days":30}""",
        $$"""{"event_type":"environment_update","environment_filter":["production"],"action":{{Webhook}}}""",
        $$"""{"event_type":"topic_digest","scheduled_time_minutes_utc":540,"action":{{Slack}}}""",
    };

    [Theory]
    [MemberData(nameof(ValidConfigs))]
    public async Task Post_StoresAValidConfigOfEachEventType(string config)
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var given = JsonNode.Parse(config.Replace("{user}", api.Key!.User.Id, StringComparison.Ordinal))!;

        var created = (await api.PostAsync("/v1/project_automation", new JsonObject { ["project_id"] = project, ["name"] = "a", ["config"] = given }.ToJsonString())).AssertOk();
        Assert.True(JsonNode.DeepEquals(given, created.Json["config"]), created.Body);
        Assert.True(JsonNode.DeepEquals(given, (await api.GetAsync($"/v1/project_automation/{created.Id}")).AssertOk().Json["config"]));
    }

    [Theory]
    [InlineData("""{"btql_filter":"x","interval_seconds":60,"action":{"type":"webhook","url":"u"}}""", "config.event_type")]
    [InlineData("""{"event_type":"nightly"}""", "config.event_type")]
    [InlineData("""{"event_type":"logs","interval_seconds":60,"action":{"type":"webhook","url":"u"}}""", "config.btql_filter")]
    [InlineData("""{"event_type":"logs","btql_filter":"x","interval_seconds":0,"action":{"type":"webhook","url":"u"}}""", "config.interval_seconds")]
    [InlineData("""{"event_type":"logs","btql_filter":"x","interval_seconds":"hourly","action":{"type":"webhook","url":"u"}}""", "config.interval_seconds")]
    [InlineData("""{"event_type":"logs","btql_filter":"x","interval_seconds":60,"action":{"type":"email"}}""", "config.action.type")]
    [InlineData("""{"event_type":"logs","btql_filter":"x","interval_seconds":60,"action":{"type":"slack","workspace_id":"T"}}""", "config.action.channel")]
    [InlineData("""{"event_type":"btql_export","export_definition":{"type":"log_spans"},"export_path":"p","format":"csv","interval_seconds":60,"credentials":{"type":"aws_iam","role_arn":"r"}}""", "config.format")]
    [InlineData("""{"event_type":"btql_export","export_definition":{"type":"log_spans"},"export_path":"p","format":"jsonl","interval_seconds":60,"credentials":{"type":"aws_iam"}}""", "config.credentials.role_arn")]
    [InlineData("""{"event_type":"btql_export","export_definition":{"type":"btql_query"},"export_path":"p","format":"jsonl","interval_seconds":60,"credentials":{"type":"aws_iam","role_arn":"r"}}""", "config.export_definition.btql_query")]
    [InlineData("""{"event_type":"btql_export","status":"running","export_definition":{"type":"log_spans"},"export_path":"p","format":"jsonl","interval_seconds":60,"credentials":{"type":"aws_iam","role_arn":"r"}}""", "config.status")]
    [InlineData("""{"event_type":"async_query","object_type":"experiment","object_id":"e","query":"q","format":"jsonl"}""", "config.created_by_user_id")]
    [InlineData("""{"event_type":"retention","object_type":"project_logs","retention_days":-1}""", "config.retention_days")]
    [InlineData("""{"event_type":"retention","object_type":"prompt","retention_days":1}""", "config.object_type")]
    [InlineData("""{"event_type":"topic","sampling_rate":2,"facet_functions":[],"topic_map_functions":[]}""", "config.sampling_rate")]
    [InlineData("""{"event_type":"topic_digest","scheduled_time_minutes_utc":540,"action":{"type":"webhook","url":"u"}}""", "config.action.type")]
    [InlineData("""{"event_type":"topic_digest","scheduled_time_minutes_utc":1440,"action":{"type":"slack","workspace_id":"T","channel":"C"}}""", "config.scheduled_time_minutes_utc")]
    [InlineData("""{"event_type":"logs","btql_filter":"metadata.x = = 1","interval_seconds":60,"action":{"type":"webhook","url":"https://example.com"}}""", "config.btql_filter")]
    [InlineData("""{"event_type":"logs","btql_filter":"x","interval_seconds":60,"action":{"type":"webhook","url":"example.com/hook"}}""", "config.action.url")]
    [InlineData("""{"event_type":"environment_update","action":{"type":"webhook","url":"ftp://example.com/hook"}}""", "config.action.url")]
    [InlineData("""{"event_type":"logs","btql_filter":"x","interval_seconds":60,"action":{"type":"slack","workspace_id":"T","channel":"C","message_template":"{{#open}}"}}""", "config.action.message_template")]
    [InlineData("""{"event_type":"logs","btql_filter":"x","interval_seconds":60,"action":{"type":"slack","workspace_id":"T","channel":"C","message_template":7}}""", "config.action.message_template")]
    [InlineData("\"logs\"", "config")]
    [InlineData("null", "config")]
    public async Task Post_ConfigThatBreaksItsEventTypesRules_Is400NamingTheField(string config, string mentions)
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var body = $$"""{"project_id":"{{project}}","name":"a","config":{{config}}}""";

        (await api.SendAsync(HttpMethod.Post, "/v1/project_automation", body)).AssertError(HttpStatusCode.BadRequest, mentions);
        Assert.Empty((await api.GetAsync("/v1/project_automation")).AssertOk().Objects);
    }

    [Fact]
    public async Task RegisterPutPatchListDelete_FollowTheObjectConventions()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var retention = JsonNode.Parse("""{"event_type":"retention","object_type":"project_logs","retention_days":30}""")!;
        var body = new JsonObject { ["project_id"] = project, ["name"] = "cleanup", ["description"] = "old logs", ["config"] = retention };

        var created = (await api.PostAsync("/v1/project_automation", body.ToJsonString())).AssertOk();
        body["config"]!["retention_days"] = 7;
        var again = (await api.PostAsync("/v1/project_automation", body.ToJsonString())).AssertOk();
        Assert.Equal(created.Id, again.Id);
        Assert.Equal("true", again.Header("x-bt-found-existing"));
        Assert.Equal(30, (int)again.Json["config"]!["retention_days"]!);

        // PUT replaces the config it is given and keeps the description it is not.
        body.Remove("description");
        var replaced = (await api.PutAsync("/v1/project_automation", body.ToJsonString())).AssertOk();
        Assert.Equal(created.Id, replaced.Id);
        Assert.Equal(7, (int)replaced.Json["config"]!["retention_days"]!);
        Assert.Equal("old logs", (string)replaced.Json["description"]!);

        // PATCH deep-merges into the config, and the merged config must still be valid.
        var patched = (await api.PatchAsync($"/v1/project_automation/{created.Id}", new { config = new { retention_days = 90 } })).AssertOk();
        Assert.Equal(90, (int)patched.Json["config"]!["retention_days"]!);
        Assert.Equal("project_logs", (string)patched.Json["config"]!["object_type"]!);
        (await api.PatchAsync($"/v1/project_automation/{created.Id}", new { config = new { retention_days = -5 } }))
            .AssertError(HttpStatusCode.BadRequest, "config.retention_days");

        // A patch to another event type replaces the config: the old type's fields do not linger in the new one.
        var webhook = JsonNode.Parse($$"""{"event_type":"environment_update","action":{{Webhook}}}""")!;
        var switched = (await api.PatchAsync($"/v1/project_automation/{created.Id}", new JsonObject { ["config"] = webhook }.ToJsonString())).AssertOk();
        Assert.True(JsonNode.DeepEquals(webhook, switched.Json["config"]), switched.Body);
        (await api.PatchAsync($"/v1/project_automation/{created.Id}", new { config = new { event_type = "logs" } }))
            .AssertError(HttpStatusCode.BadRequest, "config.btql_filter");

        var other = (await api.PostAsync("/v1/project_automation", new JsonObject { ["project_id"] = project, ["name"] = "other", ["config"] = retention.DeepClone() }.ToJsonString())).AssertOk();
        Assert.Equal([created.Id], (await api.GetAsync("/v1/project_automation?project_automation_name=cleanup")).AssertOk().Objects.Select(o => (string)o["id"]!));
        Assert.Equal(2, (await api.GetAsync($"/v1/project_automation?project_id={project}")).AssertOk().Objects.Count);

        (await api.DeleteAsync($"/v1/project_automation/{other.Id}")).AssertOk();
        Assert.Equal([created.Id], (await api.GetAsync("/v1/project_automation")).AssertOk().Objects.Select(o => (string)o["id"]!));
    }
}
