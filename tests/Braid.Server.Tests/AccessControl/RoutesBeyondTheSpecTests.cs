using System.Net;
using Braid.Server.Tests.Infrastructure;
using Braid.Server.Tests.Otel;
using Braid.Server.Tests.Tenancy;

namespace Braid.Server.Tests.AccessControl;

/// <summary>The routes the spec does not list (so the matrix does not reach): /btql, the SDK's, OTLP and attachments.</summary>
public sealed class RoutesBeyondTheSpecTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task Btql_ReadsOnlySourcesTheCallerMayRead()
    {
        var owner = await app.NewTenantAsync();
        var member = await app.AddMemberAsync(owner);
        var readable = (string)(await owner.CreateProjectAsync())["id"]!;
        var hidden = (string)(await owner.CreateProjectAsync())["id"]!;
        await owner.InsertAsync($"project_logs/{readable}", new { input = "seen" });
        await owner.GrantAsync(new { object_type = "project", object_id = readable, user_id = member.UserId(), permission = "read" });

        var rows = (await member.PostAsync("/btql", new { query = $"select: input | from: project_logs('{readable}')" })).AssertOk().Json["data"]!.AsArray();
        Assert.Equal("seen", (string)Assert.Single(rows)!["input"]!);
        (await member.PostAsync("/btql", new { query = $"select: input | from: project_logs('{readable}', '{hidden}')" }))
            .AssertError(HttpStatusCode.Forbidden, "read");
        (await member.PostAsync("/btql", new { query = $"select: * | from: project_prompts('{hidden}')" })).AssertError(HttpStatusCode.Forbidden, "read");
        (await (await app.NewTenantAsync()).PostAsync("/btql", new { query = $"select: input | from: project_logs('{readable}')" }))
            .AssertStatus(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task SdkLogging_NeedsUpdateOnTheLog()
    {
        var owner = await app.NewTenantAsync();
        var viewer = await app.MemberAsync(owner, "Viewers");
        var engineer = await app.MemberAsync(owner, "Engineers");
        var project = (string)(await owner.CreateProjectAsync())["id"]!;
        var rows = new { rows = new[] { new { id = "r1", project_id = project, log_id = "g", input = "x" } }, api_version = 2 };

        (await viewer.PostAsync("/logs3", rows)).AssertError(HttpStatusCode.Forbidden, "update");
        (await engineer.PostAsync("/logs3", rows)).AssertOk();

        var span = Otlp.JsonRequest(new TestSpan(Otlp.NewTraceId(), Otlp.NewSpanId(), "s"));
        (await Otlp.PostAsync(viewer, Otlp.Json(span), $"project_id:{project}")).AssertError(HttpStatusCode.Forbidden, "update");
        (await Otlp.PostAsync(engineer, Otlp.Json(span), $"project_id:{project}")).AssertOk();
    }

    [Fact]
    public async Task SdkRegister_ReturnsAnExistingProjectToAReader_ButCreatesOnlyWithCreate()
    {
        var owner = await app.NewTenantAsync();
        var viewer = await app.MemberAsync(owner, "Viewers");
        var name = ApiClient.Unique("p");
        var project = (string)(await owner.CreateProjectAsync(name))["id"]!;

        var found = (await viewer.PostAsync("/api/project/register", new { project_name = name })).AssertOk();
        Assert.Equal(project, (string)found.Json["project"]!["id"]!);
        (await viewer.PostAsync("/api/project/register", new { project_name = ApiClient.Unique("new") })).AssertError(HttpStatusCode.Forbidden, "create");
        (await viewer.PostAsync("/api/experiment/register", new { project_id = project, experiment_name = "e" }))
            .AssertError(HttpStatusCode.Forbidden, "create");
    }

    [Fact]
    public async Task Attachments_AreWrittenByThoseWhoLog_AndReadByThoseWhoRead()
    {
        var owner = await app.NewTenantAsync();
        var viewer = await app.MemberAsync(owner, "Viewers");
        var member = await app.AddMemberAsync(owner);
        var key = Guid.NewGuid().ToString();
        var upload = new { key, filename = "a.txt", content_type = "text/plain", org_id = owner.OrgId };

        (await viewer.PostAsync("/attachment", upload)).AssertError(HttpStatusCode.Forbidden, "update");
        (await owner.PostAsync("/attachment", upload)).AssertOk();
        (await viewer.GetAsync($"/attachment?key={key}&org_id={owner.OrgId}")).AssertOk();
        (await member.GetAsync($"/attachment?key={key}&org_id={owner.OrgId}")).AssertError(HttpStatusCode.Forbidden, "read");
    }
}
