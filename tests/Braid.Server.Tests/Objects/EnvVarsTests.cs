using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Braid.Server.Secrets;
using Braid.Server.Tests.Infrastructure;
using Braid.Server.Tests.Secrets;
using Braid.Storage.Objects;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Objects;

public sealed class EnvVarsTests(BraidApp app) : IClassFixture<BraidApp>
{
    // The spec's EnvVar, all of it and nothing else.
    private static readonly string[] Shape =
    [
        "id", "object_type", "object_id", "name", "created", "secret_updated_at", "secret_updated_by_user_id", "used", "metadata",
        "preview_secret", "secret_type", "secret_category",
    ];

    [Fact]
    public async Task DeletingTheProject_DropsTheCiphertextsOfItsEnvVars()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var id = (await api.PostAsync("/v1/env_var", new { object_type = "project", object_id = project, name = "KEY", value = "v-0123456789abcdef" })).AssertOk().Id;
        Assert.Contains(ObjectStore.SealedField, await StoreScan.StoredDocumentAsync(app, id));

        (await api.DeleteAsync($"/v1/project/{project}")).AssertOk();
        (await api.GetAsync($"/v1/env_var/{id}")).AssertStatus(HttpStatusCode.NotFound);
        var stored = await StoreScan.StoredDocumentAsync(app, id);
        Assert.Contains("KEY", stored);
        Assert.DoesNotContain(ObjectStore.SealedField, stored);
    }

    [Fact]
    public async Task Post_OnTheOrganizationOrAProject_SealsTheValue_AndShowsAPreview()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var value = NewValue();
        var onOrg = (await api.PostAsync("/v1/env_var", new { object_type = "organization", object_id = api.OrgId, name = "API_URL", value })).AssertOk();
        var onProject = (await api.PostAsync("/v1/env_var", new
        {
            object_type = "project", object_id = project, name = "API_URL", value = "p-" + value, metadata = new { team = "ml" }, secret_type = "openai",
        })).AssertOk();

        Assert.Equal(Shape.Order(), onOrg.Object.Select(p => p.Key).Order());
        Assert.NotEqual(onOrg.Id, onProject.Id);
        Assert.Equal(("organization", api.OrgId), ((string)onOrg.Json["object_type"]!, (string)onOrg.Json["object_id"]!));
        Assert.Equal(("project", project), ((string)onProject.Json["object_type"]!, (string)onProject.Json["object_id"]!));
        // secret_type naming an AI provider makes the variable that project's provider key.
        Assert.Equal("ai_provider", (string)onProject.Json["secret_category"]!);
        Assert.Equal("openai", (string)onProject.Json["secret_type"]!);
        Assert.Equal("ml", (string)onProject.Json["metadata"]!["team"]!);
        Assert.Null(onProject.Json["used"]);
        Assert.Equal("********" + value[^4..], (string)onProject.Json["preview_secret"]!);
        Assert.Equal(api.Key!.User.Id, (string)onProject.Json["secret_updated_by_user_id"]!);
        Assert.NotNull((string?)onProject.Json["secret_updated_at"]);
        Assert.Equal(value, await ValueAsync(api, onOrg.Id));
        Assert.Equal("p-" + value, await ValueAsync(api, onProject.Id));

        var again = (await api.PostAsync("/v1/env_var", new { object_type = "project", object_id = project, name = "API_URL", value = "ignored" })).AssertOk();
        Assert.Equal("true", again.Header("x-bt-found-existing"));
        Assert.True(JsonNode.DeepEquals(onProject.Json, again.Json), again.Body);
        Assert.Equal("p-" + value, await ValueAsync(api, onProject.Id));
    }

    [Fact]
    public async Task Put_CreatesOrReplaces_AndWithoutValueKeepsTheStoredOne()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var value = NewValue();
        var created = (await Put(api, new { object_type = "project", object_id = project, name = "TOKEN", value, secret_type = "a" })).AssertOk();
        Assert.Null(created.Header("x-bt-found-existing"));

        var replaced = (await Put(api, new { object_type = "project", object_id = project, name = "TOKEN", secret_type = "b", metadata = new { m = 1 } })).AssertOk();
        Assert.Equal("true", replaced.Header("x-bt-found-existing"));
        Assert.Equal(created.Id, replaced.Id);
        Assert.Equal("b", (string)replaced.Json["secret_type"]!);
        Assert.Equal((string)created.Json["preview_secret"]!, (string)replaced.Json["preview_secret"]!);
        Assert.Equal(value, await ValueAsync(api, created.Id));

        var rotated = NewValue();
        (await Put(api, new { object_type = "project", object_id = project, name = "TOKEN", value = rotated })).AssertOk();
        Assert.Equal(rotated, await ValueAsync(api, created.Id));
    }

    [Fact]
    public async Task Patch_RequiresName_AndChangesNameValueMetadataAndSecretType()
    {
        var api = await app.NewTenantAsync();
        var value = NewValue();
        var id = (await api.PostAsync("/v1/env_var", new { object_type = "organization", object_id = api.OrgId, name = "A", value, metadata = new { x = 1 } })).AssertOk().Id;
        (await api.PostAsync("/v1/env_var", new { object_type = "organization", object_id = api.OrgId, name = "TAKEN" })).AssertOk();

        (await api.PatchAsync($"/v1/env_var/{id}", new { value = NewValue() })).AssertError(HttpStatusCode.BadRequest, "name");
        Assert.Equal(value, await ValueAsync(api, id));

        var rotated = NewValue();
        var patched = (await api.PatchAsync($"/v1/env_var/{id}", new { name = "B", value = rotated, metadata = new { y = 2 }, secret_type = "s" })).AssertOk();
        Assert.Equal("B", (string)patched.Json["name"]!);
        Assert.Equal("s", (string)patched.Json["secret_type"]!);
        Assert.Equal("""{"x":1,"y":2}""", patched.Json["metadata"]!.ToJsonString());
        Assert.Equal("********" + rotated[^4..], (string)patched.Json["preview_secret"]!);
        Assert.Equal(rotated, await ValueAsync(api, id));

        // Only the name: the value stays.
        (await api.PatchAsync($"/v1/env_var/{id}", new { name = "B" })).AssertOk();
        Assert.Equal(rotated, await ValueAsync(api, id));
        (await api.PatchAsync($"/v1/env_var/{id}", new { name = "TAKEN" })).AssertError(HttpStatusCode.BadRequest, "TAKEN");
    }

    [Fact]
    public async Task List_FiltersByObjectNameAndIds()
    {
        var api = await app.NewTenantAsync();
        var p1 = (string)(await api.CreateProjectAsync())["id"]!;
        var p2 = (string)(await api.CreateProjectAsync())["id"]!;
        var orgA = await CreateAsync(api, "organization", api.OrgId, "A");
        var p1A = await CreateAsync(api, "project", p1, "A");
        var p1B = await CreateAsync(api, "project", p1, "B");
        var p2A = await CreateAsync(api, "project", p2, "A");
        await CreateAsync(await app.NewTenantAsync(), "organization", null, "A");

        async Task<IEnumerable<string>> Ids(string query) =>
            (await api.GetAsync("/v1/env_var" + query)).AssertOk().Objects.Select(o => (string)o["id"]!);

        Assert.Equal([p2A, p1B, p1A, orgA], await Ids(""));
        Assert.Equal([p1B, p1A], await Ids($"?object_type=project&object_id={p1}"));
        Assert.Equal([p2A, p1B, p1A], await Ids("?object_type=project"));
        Assert.Equal([orgA], await Ids($"?object_type=organization&object_id={api.OrgId}"));
        Assert.Equal([p2A, p1A, orgA], await Ids("?env_var_name=A"));
        Assert.Equal([p1A], await Ids($"?env_var_name=A&object_id={p1}"));
        Assert.Equal([p1A, orgA], await Ids($"?ids={orgA},{p1A}"));
        Assert.Equal([p2A], await Ids("?limit=1"));
        (await api.GetAsync("/v1/env_var?object_type=experiment")).AssertError(HttpStatusCode.BadRequest, "object_type");
        (await api.GetAsync("/v1/env_var?object_id=p1")).AssertError(HttpStatusCode.BadRequest, "object_id");
    }

    [Fact]
    public async Task Delete_ById_AndWithItsProject()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var first = await CreateAsync(api, "project", project, "FIRST");
        var second = await CreateAsync(api, "project", project, "SECOND");

        var deleted = (await api.DeleteAsync($"/v1/env_var/{first}")).AssertOk();
        Assert.Equal(Shape.Order(), deleted.Object.Select(p => p.Key).Order());
        (await api.GetAsync($"/v1/env_var/{first}")).AssertStatus(HttpStatusCode.NotFound);
        (await api.DeleteAsync($"/v1/env_var/{first}")).AssertStatus(HttpStatusCode.NotFound);

        (await api.DeleteAsync($"/v1/project/{project}")).AssertOk();
        (await api.GetAsync($"/v1/env_var/{second}")).AssertStatus(HttpStatusCode.NotFound);
        Assert.Empty((await api.GetAsync("/v1/env_var")).AssertOk().Objects);
    }

    [Theory]
    [InlineData("""{"object_id":"{org}","name":"N"}""", "object_type")]
    [InlineData("""{"object_type":"experiment","object_id":"{project}","name":"N"}""", "object_type")]
    [InlineData("""{"object_type":"project","name":"N"}""", "object_id")]
    [InlineData("""{"object_type":"project","object_id":"p","name":"N"}""", "object_id")]
    [InlineData("""{"object_type":"project","object_id":"{org}","name":"N"}""", "object_id")]
    [InlineData("""{"object_type":"organization","object_id":"{project}","name":"N"}""", "object_id")]
    [InlineData("""{"object_type":"function","object_id":"{project}","name":"N"}""", "object_id")]
    [InlineData("""{"object_type":"project","object_id":"{project}"}""", "name")]
    [InlineData("""{"object_type":"project","object_id":"{project}","name":""}""", "name")]
    [InlineData("""{"object_type":"project","object_id":"{project}","name":"N","value":5}""", "value")]
    [InlineData("""{"object_type":"project","object_id":"{project}","name":"N","metadata":[]}""", "metadata")]
    [InlineData("""{"object_type":"project","object_id":"{project}","name":"N","secret_type":1}""", "secret_type")]
    public async Task BadBody_Is400NamingTheField(string body, string mentions)
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        body = body.Replace("{org}", api.OrgId, StringComparison.Ordinal).Replace("{project}", project, StringComparison.Ordinal);
        foreach (var method in new[] { HttpMethod.Post, HttpMethod.Put })
        {
            (await api.SendAsync(method, "/v1/env_var", body)).AssertError(HttpStatusCode.BadRequest, mentions);
        }

        Assert.Empty((await api.GetAsync("/v1/env_var")).AssertOk().Objects);
    }

    /// <summary>Issue 5's must-show, for env vars: the value is stored nowhere and returned by nothing.</summary>
    [Fact]
    public async Task Value_AppearsNowhereInTheStoreOrInAnyResponse()
    {
        var api = await app.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var name = ApiClient.Unique("LEAK_CHECK");
        string[] values = [NewValue(), NewValue(), NewValue(), NewValue(), NewValue(), NewValue()];
        var scope = new { object_type = "project", object_id = project };
        var responses = new List<ApiResponse>
        {
            (await api.PostAsync("/v1/env_var", new { scope.object_type, scope.object_id, name, value = values[0] })).AssertOk(),
            (await api.PostAsync("/v1/env_var", new { scope.object_type, scope.object_id, name, value = values[1] })).AssertOk(),
            (await Put(api, new { scope.object_type, scope.object_id, name, value = values[2] })).AssertOk(),
        };
        var id = responses[0].Id;
        responses.Add((await api.PatchAsync($"/v1/env_var/{id}", new { name, value = values[3] })).AssertOk());
        responses.Add((await api.PatchAsync($"/v1/env_var/{id}", new { value = values[4] })).AssertStatus(HttpStatusCode.BadRequest));
        responses.Add((await Put(api, new { scope.object_type, scope.object_id, name, secret_type = "x" })).AssertOk());
        responses.Add((await api.GetAsync($"/v1/env_var/{id}")).AssertOk());
        responses.Add((await api.GetAsync($"/v1/env_var?object_type=project&object_id={project}")).AssertOk());
        var onOrg = (await api.PostAsync("/v1/env_var", new { object_type = "organization", object_id = api.OrgId, name, value = values[5] })).AssertOk();
        responses.Add(onOrg);
        responses.Add((await api.GetAsync("/v1/env_var")).AssertOk());
        Assert.Equal(values[3], await ValueAsync(api, id));
        Assert.Equal(values[5], await ValueAsync(api, onOrg.Id));
        responses.Add((await api.DeleteAsync($"/v1/env_var/{id}")).AssertOk());
        responses.Add((await api.DeleteAsync($"/v1/env_var/{onOrg.Id}")).AssertOk());

        foreach (var value in values)
        {
            Assert.All(responses, r => Assert.DoesNotContain(value, r.Body, StringComparison.Ordinal));
            Assert.False(await StoreScan.ContainsAsync(app, value), $"an env var value is stored in plain text on {TestStore.Name}");
        }

        Assert.True(await StoreScan.ContainsAsync(app, name), $"the store scan found nothing on {TestStore.Name}");
    }

    private static async Task<string> CreateAsync(ApiClient api, string objectType, string? objectId, string name) =>
        (await api.PostAsync("/v1/env_var", new { object_type = objectType, object_id = objectId ?? api.OrgId, name, value = NewValue() })).AssertOk().Id;

    // Env vars have no reveal route yet (functions will read them): open the stored ciphertext directly.
    private async Task<string?> ValueAsync(ApiClient api, string id)
    {
        var row = await app.Services.GetRequiredService<ObjectStore>().GetAsync(api.OrgId, "env_var", id);
        var sealedValue = (string?)JsonNode.Parse(row!.Data)![SecretFields.Ciphertext];
        return sealedValue is not null && app.Services.GetRequiredService<SecretCipher>().TryDecrypt(sealedValue, id, out var value) ? value : null;
    }

    private static Task<ApiResponse> Put(ApiClient api, object body) => api.SendAsync(HttpMethod.Put, "/v1/env_var", ApiClient.Serialize(body));

    private static string NewValue() => "v-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
}
