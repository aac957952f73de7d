using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Braid.Server.Http;
using Braid.Server.Objects;
using Braid.Server.Secrets;
using Braid.Server.Tests.Infrastructure;
using Braid.Server.Tests.Secrets;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Objects;

public sealed class AiSecretsTests(BraidApp app) : IClassFixture<BraidApp>
{
    // The spec's AISecret, all of it and nothing else.
    private static readonly string[] Shape =
    [
        "id", "created", "updated_at", "secret_updated_at", "org_id", "name", "type", "metadata", "secret_updated_by_user_id", "preview_secret",
    ];

    [Fact]
    public async Task Post_StoresTheSecretSealed_AndShowsOnlyAMaskedPreview()
    {
        var api = await app.NewTenantAsync();
        var secret = NewSecret();
        var created = (await api.PostAsync("/v1/ai_secret", new { name = "OPENAI_API_KEY", type = "openai", metadata = new { env = "prod" }, secret })).AssertOk();

        Assert.Equal(Shape.Order(), created.Object.Select(p => p.Key).Order());
        Assert.Equal(api.OrgId, (string)created.Json["org_id"]!);
        Assert.Equal("openai", (string)created.Json["type"]!);
        Assert.Equal("prod", (string)created.Json["metadata"]!["env"]!);
        Assert.Equal("********" + secret[^4..], (string)created.Json["preview_secret"]!);
        Assert.Equal(api.Key!.User.Id, (string)created.Json["secret_updated_by_user_id"]!);
        Assert.NotNull((string?)created.Json["secret_updated_at"]);
        Assert.Equal((string)created.Json["created"]!, (string)created.Json["updated_at"]!);
        Assert.Equal(secret, await RevealAsync(api, "OPENAI_API_KEY"));
    }

    [Fact]
    public async Task Post_OfATakenName_ReturnsTheExistingSecretUnchanged()
    {
        var api = await app.NewTenantAsync();
        var secret = NewSecret();
        var created = (await api.PostAsync("/v1/ai_secret", new { name = "k", secret })).AssertOk();

        var again = (await api.PostAsync("/v1/ai_secret", new { name = "k", type = "other", secret = NewSecret() })).AssertOk();
        Assert.Equal("true", again.Header("x-bt-found-existing"));
        Assert.True(JsonNode.DeepEquals(created.Json, again.Json), again.Body);
        Assert.Equal(secret, await RevealAsync(api, "k"));
    }

    [Fact]
    public async Task Put_ReplacesTheGivenFields_AndWithoutSecretKeepsTheStoredOne()
    {
        var api = await app.NewTenantAsync();
        var secret = NewSecret();
        var created = (await Put(api, new { name = "anthropic", type = "anthropic", metadata = new { a = 1 }, secret })).AssertOk();
        Assert.Null(created.Header("x-bt-found-existing"));

        var replaced = (await Put(api, new { name = "anthropic", type = "bedrock", metadata = new { b = 2 } })).AssertOk();
        Assert.Equal("true", replaced.Header("x-bt-found-existing"));
        Assert.Equal(created.Id, replaced.Id);
        Assert.Equal("bedrock", (string)replaced.Json["type"]!);
        Assert.Equal("""{"b":2}""", replaced.Json["metadata"]!.ToJsonString());
        Assert.Equal((string)created.Json["preview_secret"]!, (string)replaced.Json["preview_secret"]!);
        Assert.Equal((string)created.Json["secret_updated_at"]!, (string)replaced.Json["secret_updated_at"]!);
        Assert.Equal(secret, await RevealAsync(api, "anthropic"));

        var rotated = NewSecret();
        var withSecret = (await Put(api, new { name = "anthropic", secret = rotated })).AssertOk();
        Assert.Equal("********" + rotated[^4..], (string)withSecret.Json["preview_secret"]!);
        Assert.Equal(rotated, await RevealAsync(api, "anthropic"));

        // An explicit null is not an omission: it removes the secret.
        var cleared = (await Put(api, new { name = "anthropic", secret = (string?)null })).AssertOk();
        Assert.Null(cleared.Json["preview_secret"]);
        Assert.Null(await RevealAsync(api, "anthropic"));
    }

    [Fact]
    public async Task Patch_ChangesNameTypeMetadataAndSecret()
    {
        var api = await app.NewTenantAsync();
        var secret = NewSecret();
        var id = (await api.PostAsync("/v1/ai_secret", new { name = "a", type = "openai", metadata = new { x = 1 }, secret })).AssertOk().Id;
        (await api.PostAsync("/v1/ai_secret", new { name = "taken" })).AssertOk();

        var patched = (await api.PatchAsync($"/v1/ai_secret/{id}", new { name = "b", type = "azure", metadata = new { y = 2 } })).AssertOk();
        Assert.Equal("b", (string)patched.Json["name"]!);
        Assert.Equal("azure", (string)patched.Json["type"]!);
        Assert.Equal("""{"x":1,"y":2}""", patched.Json["metadata"]!.ToJsonString());
        Assert.Equal(secret, await RevealAsync(api, "b"));
        Assert.Null(await RevealAsync(api, "a"));

        var rotated = NewSecret();
        var withSecret = (await api.PatchAsync($"/v1/ai_secret/{id}", new { secret = rotated })).AssertOk();
        Assert.Equal("********" + rotated[^4..], (string)withSecret.Json["preview_secret"]!);
        Assert.Equal(rotated, await RevealAsync(api, "b"));
        Assert.Equal((string)withSecret.Json["preview_secret"]!, (string)(await api.GetAsync($"/v1/ai_secret/{id}")).AssertOk().Json["preview_secret"]!);

        (await api.PatchAsync($"/v1/ai_secret/{id}", new { name = "taken" })).AssertError(HttpStatusCode.BadRequest, "taken");
    }

    [Fact]
    public async Task List_FiltersByNameAndType_CommaJoinedOrRepeated()
    {
        var api = await app.NewTenantAsync();
        var a = (await api.PostAsync("/v1/ai_secret", new { name = "a", type = "openai" })).AssertOk().Id;
        var b = (await api.PostAsync("/v1/ai_secret", new { name = "b", type = "anthropic" })).AssertOk().Id;
        var c = (await api.PostAsync("/v1/ai_secret", new { name = "c", type = "openai" })).AssertOk().Id;
        var other = await app.NewTenantAsync();
        (await other.PostAsync("/v1/ai_secret", new { name = "a", type = "openai" })).AssertOk();

        async Task<IEnumerable<string>> Ids(string query) =>
            (await api.GetAsync("/v1/ai_secret" + query)).AssertOk().Objects.Select(o => (string)o["id"]!);

        Assert.Equal([c, b, a], await Ids(""));
        Assert.Equal([c, a], await Ids("?ai_secret_type=openai"));
        Assert.Equal([c, b, a], await Ids("?ai_secret_type=openai,anthropic"));
        Assert.Equal([b], await Ids("?ai_secret_type=anthropic&ai_secret_type=azure"));
        Assert.Equal([b], await Ids("?ai_secret_name=b"));
        Assert.Equal([a], await Ids($"?ids={a},{b}&ai_secret_type=openai"));
        Assert.Equal([c], await Ids("?limit=1"));
        Assert.Equal([b], await Ids($"?starting_after={c}&limit=1"));
        Assert.Empty(await Ids("?ai_secret_name=zzz"));
        (await api.GetAsync("/v1/ai_secret?ids=nope")).AssertError(HttpStatusCode.BadRequest, "ids");
    }

    [Fact]
    public async Task DeleteByBodyName_AndById_RemoveTheSecret()
    {
        var api = await app.NewTenantAsync();
        var first = (await api.PostAsync("/v1/ai_secret", new { name = "first", secret = NewSecret() })).AssertOk().Id;
        var second = (await api.PostAsync("/v1/ai_secret", new { name = "second", secret = NewSecret() })).AssertOk().Id;

        var deleted = (await DeleteByBody(api, new { name = "first", org_name = api.OrgName })).AssertOk();
        Assert.Equal(first, deleted.Id);
        Assert.Equal(Shape.Order(), deleted.Object.Select(p => p.Key).Order());
        (await api.GetAsync($"/v1/ai_secret/{first}")).AssertStatus(HttpStatusCode.NotFound);
        Assert.Null(await RevealAsync(api, "first"));
        (await DeleteByBody(api, new { name = "first" })).AssertError(HttpStatusCode.NotFound, "first");

        Assert.Equal(second, (await api.DeleteAsync($"/v1/ai_secret/{second}")).AssertOk().Id);
        (await api.DeleteAsync($"/v1/ai_secret/{second}")).AssertStatus(HttpStatusCode.NotFound);
        Assert.Empty((await api.GetAsync("/v1/ai_secret")).AssertOk().Objects);

        // The name is free again: a new secret, not the deleted one.
        var again = (await api.PostAsync("/v1/ai_secret", new { name = "first" })).AssertOk();
        Assert.NotEqual(first, again.Id);
        Assert.Null(again.Header("x-bt-found-existing"));
    }

    [Fact]
    public async Task DeletedSecret_KeepsNoCiphertextInTheStore()
    {
        var api = await app.NewTenantAsync();
        var id = (await api.PostAsync("/v1/ai_secret", new { name = "gone", secret = "sk-deleted-secret-value-0123" })).AssertOk().Id;
        Assert.Contains(ObjectDocuments.HiddenPrefix, await StoreScan.StoredDocumentAsync(app, id));

        (await api.DeleteAsync($"/v1/ai_secret/{id}")).AssertOk();
        var stored = await StoreScan.StoredDocumentAsync(app, id);
        Assert.Contains("gone", stored);
        Assert.DoesNotContain(ObjectDocuments.HiddenPrefix, stored);
    }

    [Fact]
    public async Task DeleteByBody_OnlyReachesTheCallersOrganization()
    {
        var api = await app.NewTenantAsync();
        var other = await app.NewTenantAsync();
        (await other.PostAsync("/v1/ai_secret", new { name = "theirs" })).AssertOk();

        (await DeleteByBody(api, new { name = "theirs" })).AssertStatus(HttpStatusCode.NotFound);
        (await DeleteByBody(api, new { name = "theirs", org_name = other.OrgName })).AssertError(HttpStatusCode.Forbidden, "org_name");
        Assert.Single((await other.GetAsync("/v1/ai_secret")).AssertOk().Objects);
    }

    [Theory]
    [InlineData("POST", "{}", "name")]
    [InlineData("POST", """{"name":""}""", "name")]
    [InlineData("POST", """{"name":"n","secret":5}""", "secret")]
    [InlineData("POST", """{"name":"n","type":{}}""", "type")]
    [InlineData("POST", """{"name":"n","metadata":"m"}""", "metadata")]
    [InlineData("PUT", """{"secret":"sk-abcdefghijklmnop"}""", "name")]
    [InlineData("PUT", """{"name":"n","secret":["sk"]}""", "secret")]
    [InlineData("DELETE", "{}", "name")]
    [InlineData("DELETE", """{"name":7}""", "name")]
    [InlineData("DELETE", "", "required")]
    public async Task BadBody_Is400NamingTheField(string method, string body, string mentions)
    {
        var api = await app.NewTenantAsync();
        (await api.SendAsync(new HttpMethod(method), "/v1/ai_secret", body)).AssertError(HttpStatusCode.BadRequest, mentions);
    }

    [Fact]
    public async Task BadPatch_Is400NamingTheField_AndChangesNothing()
    {
        var api = await app.NewTenantAsync();
        var secret = NewSecret();
        var id = (await api.PostAsync("/v1/ai_secret", new { name = "n", secret })).AssertOk().Id;

        (await api.PatchAsync($"/v1/ai_secret/{id}", new { secret = true })).AssertError(HttpStatusCode.BadRequest, "secret");
        (await api.PatchAsync($"/v1/ai_secret/{id}", new { name = "" })).AssertError(HttpStatusCode.BadRequest, "name");
        (await api.PatchAsync($"/v1/ai_secret/{id}", new { name = "m", metadata = 1, secret = NewSecret() })).AssertError(HttpStatusCode.BadRequest, "metadata");
        Assert.Equal(secret, await RevealAsync(api, "n"));
    }

    [Theory]
    [InlineData("short", "********")]
    [InlineData("elevenchars", "********")]
    [InlineData("twelve-chars", "********hars")]
    [InlineData("sk-proj-0123456789-🔑🔑🔑🔑", "********🔑🔑🔑🔑")]
    [InlineData("", "********")]
    public async Task Preview_ShowsATailOnlyOfLongSecrets(string secret, string preview)
    {
        var api = await app.NewTenantAsync();
        var created = (await api.PostAsync("/v1/ai_secret", new { name = "p", secret })).AssertOk();
        Assert.Equal(preview, (string)created.Json["preview_secret"]!);
        Assert.Equal(secret, await RevealAsync(api, "p"));
    }

    [Fact]
    public async Task RegisteredWithoutASecret_HasNoPreviewAndNothingToReveal()
    {
        var api = await app.NewTenantAsync();
        var created = (await api.PostAsync("/v1/ai_secret", new { name = "empty" })).AssertOk();
        Assert.Null(created.Json["preview_secret"]);
        Assert.Null(created.Json["secret_updated_at"]);
        Assert.Null(await RevealAsync(api, "empty"));
        Assert.Null(await RevealAsync(api, "never-created"));
    }

    /// <summary>Issue 5's must-show: the raw secret is stored nowhere and returned by nothing, whatever route wrote or read it.</summary>
    [Fact]
    public async Task SecretValue_AppearsNowhereInTheStoreOrInAnyResponse()
    {
        var api = await app.NewTenantAsync();
        var name = ApiClient.Unique("leak-check");
        string[] secrets = [NewSecret(), NewSecret(), NewSecret(), NewSecret(), NewSecret()];
        var responses = new List<ApiResponse>
        {
            (await api.PostAsync("/v1/ai_secret", new { name, secret = secrets[0] })).AssertOk(),
            (await api.PostAsync("/v1/ai_secret", new { name, secret = secrets[1] })).AssertOk(),
            (await Put(api, new { name, secret = secrets[2] })).AssertOk(),
        };
        var id = responses[0].Id;
        responses.Add((await api.PatchAsync($"/v1/ai_secret/{id}", new { secret = secrets[3] })).AssertOk());
        responses.Add((await api.PatchAsync($"/v1/ai_secret/{id}", new { metadata = 5, secret = secrets[4] })).AssertStatus(HttpStatusCode.BadRequest));
        responses.Add((await Put(api, new { name, type = "openai" })).AssertOk());
        responses.Add((await api.GetAsync($"/v1/ai_secret/{id}")).AssertOk());
        responses.Add((await api.GetAsync($"/v1/ai_secret?ai_secret_name={name}")).AssertOk());
        responses.Add((await api.GetAsync("/v1/ai_secret")).AssertOk());
        Assert.Equal(secrets[3], await RevealAsync(api, name));

        var other = (await api.PostAsync("/v1/ai_secret", new { name = name + "-2", secret = secrets[0] })).AssertOk();
        responses.Add(other);
        responses.Add((await api.DeleteAsync($"/v1/ai_secret/{other.Id}")).AssertOk());
        responses.Add((await DeleteByBody(api, new { name })).AssertOk());

        foreach (var secret in secrets)
        {
            Assert.All(responses, r => Assert.DoesNotContain(secret, r.Body, StringComparison.Ordinal));
            Assert.False(await StoreScan.ContainsAsync(app, secret), $"a secret is stored in plain text on {TestStore.Name}");
        }

        // The scan sees what was written: the secret's name is there.
        Assert.True(await StoreScan.ContainsAsync(app, name), $"the store scan found nothing on {TestStore.Name}");
    }

    [Fact]
    public async Task AnotherMasterKey_CannotRevealTheSecret_ButEveryReadAndWriteStillWorks()
    {
        var first = new BraidApp().With("Braid:MasterKey", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        await ((IAsyncLifetime)first).InitializeAsync();
        var second = first.Reopen().With("Braid:MasterKey", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        try
        {
            var api = await first.NewTenantAsync();
            var secret = NewSecret();
            var id = (await api.PostAsync("/v1/ai_secret", new { name = "k", secret })).AssertOk().Id;
            Assert.Equal(secret, await first.Services.GetRequiredService<AiSecretReader>().RevealAsync(api.OrgId, "k"));
            await ((IAsyncLifetime)first).DisposeAsync();

            var again = new ApiClient(second.CreateClient(), api.Key);
            var reader = second.Services.GetRequiredService<AiSecretReader>();
            var error = await Assert.ThrowsAsync<ApiException>(() => reader.RevealAsync(api.OrgId, "k"));
            Assert.Equal(400, error.Status);
            Assert.Contains("master key", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, error.Message, StringComparison.Ordinal);

            Assert.Equal("********" + secret[^4..], (string)(await again.GetAsync($"/v1/ai_secret/{id}")).AssertOk().Json["preview_secret"]!);
            Assert.Single((await again.GetAsync("/v1/ai_secret")).AssertOk().Objects);
            (await again.PatchAsync($"/v1/ai_secret/{id}", new { type = "openai" })).AssertOk();

            // Setting the secret again under the new key is the way out.
            var rotated = NewSecret();
            (await Put(again, new { name = "k", secret = rotated })).AssertOk();
            Assert.Equal(rotated, await reader.RevealAsync(api.OrgId, "k"));
        }
        finally
        {
            await ((IAsyncLifetime)first).DisposeAsync();
            await ((IAsyncLifetime)second).DisposeAsync();
        }
    }

    private Task<string?> RevealAsync(ApiClient api, string name) =>
        app.Services.GetRequiredService<AiSecretReader>().RevealAsync(api.OrgId, name);

    private static Task<ApiResponse> Put(ApiClient api, object body) => api.SendAsync(HttpMethod.Put, "/v1/ai_secret", ApiClient.Serialize(body));

    private static Task<ApiResponse> DeleteByBody(ApiClient api, object body) =>
        api.SendAsync(HttpMethod.Delete, "/v1/ai_secret", ApiClient.Serialize(body));

    private static string NewSecret() => "sk-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
}
