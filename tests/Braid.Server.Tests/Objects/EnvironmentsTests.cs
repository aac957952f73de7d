using System.Net;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Objects;

/// <summary>Environments live at <c>/environment</c> (no <c>/v1</c>) and are named by a slug unique in the organization.</summary>
public sealed class EnvironmentsTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task Post_RegistersBySlug_ReturningTheExistingUnchanged()
    {
        var api = await app.NewTenantAsync();
        var created = (await api.PostAsync("/environment", new { name = "Production", slug = "production", description = "live" })).AssertOk();
        Assert.Equal(api.OrgId, (string)created.Json["org_id"]!);
        Assert.Null(created.Header("x-bt-found-existing"));

        var again = (await api.PostAsync("/environment", new { name = "Prod (renamed?)", slug = "production" })).AssertOk();
        Assert.Equal(created.Id, again.Id);
        Assert.Equal("true", again.Header("x-bt-found-existing"));
        Assert.Equal("Production", (string)again.Json["name"]!);

        // The same name under another slug is another environment.
        Assert.NotEqual(created.Id, (await api.PostAsync("/environment", new { name = "Production", slug = "prod-eu" })).AssertOk().Id);

        // Other organizations have their own slugs.
        var stranger = await app.NewTenantAsync();
        Assert.NotEqual(created.Id, (await stranger.PostAsync("/environment", new { name = "Production", slug = "production" })).AssertOk().Id);
        (await stranger.GetAsync($"/environment/{created.Id}")).AssertStatus(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task PatchListDelete_FollowTheObjectConventions()
    {
        var api = await app.NewTenantAsync();
        var staging = (await api.PostAsync("/environment", new { name = "Staging", slug = "staging" })).AssertOk().Id;
        var production = (await api.PostAsync("/environment", new { name = "Production", slug = "production" })).AssertOk().Id;

        var patched = (await api.PatchAsync($"/environment/{staging}", new { slug = "qa", description = "for testers" })).AssertOk();
        Assert.Equal("qa", (string)patched.Json["slug"]!);
        Assert.Equal("Staging", (string)patched.Json["name"]!);
        (await api.PatchAsync($"/environment/{staging}", new { slug = "production" })).AssertError(HttpStatusCode.BadRequest, "slug");

        Assert.Equal([production, staging], (await api.GetAsync("/environment")).AssertOk().Objects.Select(o => (string)o["id"]!));
        Assert.Equal([staging], (await api.GetAsync("/environment?name=Staging")).AssertOk().Objects.Select(o => (string)o["id"]!));
        Assert.Equal([production], (await api.GetAsync($"/environment?ids={production}")).AssertOk().Objects.Select(o => (string)o["id"]!));

        Assert.Equal(staging, (await api.DeleteAsync($"/environment/{staging}")).AssertOk().Id);
        (await api.GetAsync($"/environment/{staging}")).AssertStatus(HttpStatusCode.NotFound);
        Assert.Equal([production], (await api.GetAsync("/environment")).AssertOk().Objects.Select(o => (string)o["id"]!));

        // A deleted environment's slug is free again.
        Assert.NotEqual(staging, (await api.PostAsync("/environment", new { name = "QA", slug = "qa" })).AssertOk().Id);
    }

    [Fact]
    public async Task TheV1Path_IsNotAnEnvironmentRoute()
    {
        var api = await app.NewTenantAsync();
        (await api.PostAsync("/v1/environment", new { name = "x", slug = "x" })).AssertStatus(HttpStatusCode.NotFound);
        Assert.Empty((await api.GetAsync("/environment")).AssertOk().Objects);
    }

    [Theory]
    [InlineData("""{"slug":"s"}""", "name")]
    [InlineData("""{"name":"n"}""", "slug")]
    [InlineData("""{"name":"n","slug":""}""", "slug")]
    [InlineData("""{"name":"n","slug":["s"]}""", "slug")]
    [InlineData("""{"name":"n","slug":"s","description":7}""", "description")]
    public async Task Post_BadBody_Is400NamingTheField(string body, string mentions)
    {
        var api = await app.NewTenantAsync();
        (await api.SendAsync(HttpMethod.Post, "/environment", body)).AssertError(HttpStatusCode.BadRequest, mentions);
        Assert.Empty((await api.GetAsync("/environment")).AssertOk().Objects);
    }
}
