using System.Net;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Proxy;

/// <summary>
/// The proxy keeps each organization's resolved provider keys between requests; a change to an API key, an ai_secret
/// or a project's provider key must still show on the very next call, on this node and on any other over the store.
/// </summary>
public sealed class ProxyKeyChangesTests(ProxyFixture fixture) : IClassFixture<ProxyFixture>
{
    private static object Chat(string text) => new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = text } } };

    private static async Task<string> SecretIdAsync(ProxyTenant tenant, string name) =>
        (string)(await tenant.Api.GetAsync($"/v1/ai_secret?ai_secret_name={name}")).AssertOk().Objects.Single()["id"]!;

    /// <summary>Proxies a call with a text of its own and returns the provider key it was sent with.</summary>
    private async Task<string> CallAsync(ProxyTenant tenant, IDictionary<string, string>? headers = null)
    {
        var text = ApiClient.Unique("call");
        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(text), headers)).AssertOk();
        return fixture.KeyUsedFor(text);
    }

    [Fact]
    public async Task ChangedAiSecret_IsUsedByTheVeryNextCall()
    {
        var tenant = await fixture.NewTenantAsync();
        var id = await SecretIdAsync(tenant, "OPENAI_API_KEY");
        Assert.Equal("Bearer " + tenant.OpenAIKey, await CallAsync(tenant));

        var rotated = "sk-rotated-" + Guid.NewGuid().ToString("N");
        (await tenant.Api.PatchAsync($"/v1/ai_secret/{id}", new { secret = rotated })).AssertOk();
        Assert.Equal("Bearer " + rotated, await CallAsync(tenant));

        (await tenant.Api.PatchAsync($"/v1/ai_secret/{id}", new { metadata = new { api_base = "http://127.0.0.1:9/v1" } })).AssertOk();
        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat("x"))).AssertError(HttpStatusCode.BadGateway, "ai_secret 'OPENAI_API_KEY'");
    }

    [Fact]
    public async Task DeletedAiSecret_IsRefusedOnTheVeryNextCall()
    {
        var tenant = await fixture.NewTenantAsync();
        await CallAsync(tenant);

        (await tenant.Api.DeleteAsync($"/v1/ai_secret/{await SecretIdAsync(tenant, "OPENAI_API_KEY")}")).AssertOk();

        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat("x"))).AssertError(HttpStatusCode.BadRequest, "no AI secret for provider 'openai'");
    }

    [Fact]
    public async Task DeletedApiKey_IsA401OnTheVeryNextCall()
    {
        var tenant = await fixture.NewTenantAsync();
        var otherKey = await tenant.OtherKeyAsync();
        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat("x"), bearer: otherKey.Key)).AssertOk();

        (await tenant.Api.DeleteAsync($"/v1/api_key/{otherKey.Id}")).AssertOk();

        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat("x"), bearer: otherKey.Key)).AssertError(HttpStatusCode.Unauthorized, "invalid API key");
    }

    [Fact]
    public async Task ChangedProjectProviderKey_IsUsedByTheVeryNextCall()
    {
        var tenant = await fixture.NewTenantAsync();
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        var inProject = new Dictionary<string, string> { ["x-bt-project-id"] = project };
        var variable = (string)(await tenant.Api.PostAsync("/v1/env_var", new
        {
            object_type = "project", object_id = project, name = "OPENAI_API_KEY", value = "sk-project-1", secret_type = "openai",
            metadata = new { api_base = fixture.Provider.Url + "/v1" },
        })).AssertOk().Json["id"]!;
        Assert.Equal("Bearer sk-project-1", await CallAsync(tenant, inProject));

        (await tenant.Api.PatchAsync($"/v1/env_var/{variable}", new { name = "OPENAI_API_KEY", value = "sk-project-2" })).AssertOk();
        Assert.Equal("Bearer sk-project-2", await CallAsync(tenant, inProject));

        // Without its provider key the project falls back to the organization's.
        (await tenant.Api.DeleteAsync($"/v1/env_var/{variable}")).AssertOk();
        Assert.Equal("Bearer " + tenant.OpenAIKey, await CallAsync(tenant, inProject));
    }

    [Fact]
    public async Task AChangeMadeThroughOneNode_IsUsedByAnotherOnItsVeryNextCall()
    {
        var first = new BraidApp();
        await ((IAsyncLifetime)first).InitializeAsync();
        _ = first.Server;
        var second = first.Reopen();
        try
        {
            var api = await first.NewTenantAsync();
            var onFirst = new ProxyTenant(api, first, "sk-first", "", "");
            var onSecond = onFirst with { App = second };
            var id = (string)(await api.PostAsync("/v1/ai_secret", new
            {
                name = "OPENAI_API_KEY", type = "openai", secret = "sk-first", metadata = new { api_base = fixture.Provider.Url + "/v1" },
            })).AssertOk().Json["id"]!;
            Assert.Equal("Bearer sk-first", await CallAsync(onFirst));
            Assert.Equal("Bearer sk-first", await CallAsync(onSecond));

            (await api.PatchAsync($"/v1/ai_secret/{id}", new { secret = "sk-second" })).AssertOk();
            Assert.Equal("Bearer sk-second", await CallAsync(onSecond));

            (await new ApiClient(second.CreateClient(), api.Key).DeleteAsync($"/v1/api_key/{api.Key!.Id}")).AssertOk();
            (await onFirst.PostAsync("/v1/proxy/chat/completions", Chat("x"))).AssertError(HttpStatusCode.Unauthorized, "invalid API key");
        }
        finally
        {
            await ((IAsyncLifetime)first).DisposeAsync();
            await ((IAsyncLifetime)second).DisposeAsync();
        }
    }
}
