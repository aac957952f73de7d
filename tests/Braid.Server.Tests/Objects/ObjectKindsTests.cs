using System.Net;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Objects;

/// <summary>The rules every kind shares through the generic mechanism, asserted for each kind.</summary>
public sealed class ObjectKindsTests(BraidApp app) : IClassFixture<BraidApp>
{
    public static TheoryData<string> Kinds => new() { "project", "experiment", "dataset" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task ConcurrentRegistrationsOfOneName_AllGetTheSameObject(string kind)
    {
        var api = await app.NewTenantAsync();
        var body = await BodyAsync(api, kind, "racy");

        var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => api.PostAsync($"/v1/{kind}", body)));
        Assert.All(responses, r => r.AssertOk());
        Assert.Single(responses.Select(r => r.Id).Distinct());
        Assert.Equal(15, responses.Count(r => r.Header("x-bt-found-existing") == "true"));
        Assert.Single((await api.GetAsync($"/v1/{kind}?{kind}_name=racy")).AssertOk().Objects);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task PathIdThatIsNotAUuid_Is400_AndAnUnknownOneIs404(string kind)
    {
        var api = await app.NewTenantAsync();
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Patch, HttpMethod.Delete })
        {
            var body = method == HttpMethod.Patch ? "{}" : null;
            (await api.SendAsync(method, $"/v1/{kind}/123", body)).AssertError(HttpStatusCode.BadRequest, $"{kind}_id");
            (await api.SendAsync(method, $"/v1/{kind}/{Guid.NewGuid()}", body)).AssertError(HttpStatusCode.NotFound, kind);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task PatchWithWrongTypesOrNoObject_Is400NamingTheField(string kind)
    {
        var api = await app.NewTenantAsync();
        var id = (await api.PostAsync($"/v1/{kind}", await BodyAsync(api, kind, "x"))).AssertOk().Id;

        (await api.PatchAsync($"/v1/{kind}/{id}", new { name = 5 })).AssertError(HttpStatusCode.BadRequest, "name");
        (await api.PatchAsync($"/v1/{kind}/{id}", new { description = true })).AssertError(HttpStatusCode.BadRequest, "description");
        (await api.SendAsync(HttpMethod.Patch, $"/v1/{kind}/{id}", "[]")).AssertError(HttpStatusCode.BadRequest, "JSON object");
        (await api.SendAsync(HttpMethod.Patch, $"/v1/{kind}/{id}", "")).AssertError(HttpStatusCode.BadRequest, "required");
        Assert.Equal("x", (string)(await api.GetAsync($"/v1/{kind}/{id}")).AssertOk().Json["name"]!);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task ListWithBadParameters_Is400NamingTheParameter(string kind)
    {
        var api = await app.NewTenantAsync();
        (await api.GetAsync($"/v1/{kind}?limit=1.5")).AssertError(HttpStatusCode.BadRequest, "limit");
        (await api.GetAsync($"/v1/{kind}?ids=1,2")).AssertError(HttpStatusCode.BadRequest, "ids");
        (await api.GetAsync($"/v1/{kind}?ending_before=x")).AssertError(HttpStatusCode.BadRequest, "ending_before");
        if (kind != "project")
        {
            (await api.GetAsync($"/v1/{kind}?project_id=x")).AssertError(HttpStatusCode.BadRequest, "project_id");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task EmptyPatch_ChangesNothing(string kind)
    {
        var api = await app.NewTenantAsync();
        var created = (await api.PostAsync($"/v1/{kind}", await BodyAsync(api, kind, "same"))).AssertOk();
        var patched = (await api.PatchAsync($"/v1/{kind}/{created.Id}", new { })).AssertOk();
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(created.Object, patched.Object), patched.Body);
    }

    private static async Task<string> BodyAsync(ApiClient api, string kind, string name) =>
        kind == "project"
            ? ApiClient.Serialize(new { name })
            : ApiClient.Serialize(new { project_id = (string)(await api.CreateProjectAsync())["id"]!, name });
}
