using System.Net;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Proxy;

public sealed class ProjectProviderKeysTests(ProxyFixture fixture) : IClassFixture<ProxyFixture>
{
    private static object Chat(string text) => new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = text } } };

    private async Task<string> ProjectKeyAsync(ProxyTenant tenant, string project, string? secretType = "openai")
    {
        var key = "sk-project-" + Guid.NewGuid().ToString("N");
        (await tenant.Api.PostAsync("/v1/env_var", new
        {
            object_type = "project", object_id = project, name = "OPENAI_API_KEY", value = key, secret_type = secretType,
            metadata = new { api_base = fixture.Provider.Url + "/v1" },
        })).AssertOk();
        return key;
    }

    [Fact]
    public async Task AProjectsProviderKey_IsUsedForItsCalls_AndTheOrganizationsForOthers()
    {
        var tenant = await fixture.NewTenantAsync();
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        var other = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        var projectKey = await ProjectKeyAsync(tenant, project);

        var withHeader = ApiClient.Unique("header");
        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(withHeader), new Dictionary<string, string> { ["x-bt-project-id"] = project })).AssertOk();
        var loggedThere = ApiClient.Unique("parent");
        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(loggedThere), new Dictionary<string, string> { ["x-bt-parent"] = $"project_id:{project}" })).AssertOk();
        var elsewhere = ApiClient.Unique("other");
        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(elsewhere), new Dictionary<string, string> { ["x-bt-project-id"] = other })).AssertOk();
        var plain = ApiClient.Unique("plain");
        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(plain))).AssertOk();

        Assert.Equal("Bearer " + projectKey, fixture.KeyUsedFor(withHeader));
        Assert.Equal("Bearer " + projectKey, fixture.KeyUsedFor(loggedThere));
        Assert.Equal("Bearer " + tenant.OpenAIKey, fixture.KeyUsedFor(elsewhere));
        Assert.Equal("Bearer " + tenant.OpenAIKey, fixture.KeyUsedFor(plain));
    }

    [Fact]
    public async Task AFunction_RunsWithItsProjectsProviderKey()
    {
        var tenant = await fixture.NewTenantAsync();
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        var projectKey = await ProjectKeyAsync(tenant, project);
        var function = (await tenant.Api.PostAsync("/v1/function", new
        {
            project_id = project, name = "keyed", slug = "keyed", function_data = new { type = "prompt" },
            prompt_data = new { prompt = new { type = "chat", messages = new[] { new { role = "user", content = "{{input}}" } } }, options = new { model = "gpt-4o-mini" } },
        })).AssertOk().Object;
        var text = ApiClient.Unique("fn");

        (await tenant.PostAsync("/function/invoke", new { function_id = function["id"], input = text })).AssertOk();

        Assert.Equal("Bearer " + projectKey, fixture.KeyUsedFor(text));
    }

    [Fact]
    public async Task AnEnvVarWithoutAProviderType_IsNoProviderKey_AndAnUnreadableProjectIsRefused()
    {
        var tenant = await fixture.NewTenantAsync();
        var project = (string)(await tenant.Api.CreateProjectAsync())["id"]!;
        await ProjectKeyAsync(tenant, project, secretType: null);
        var variable = (await tenant.Api.GetAsync($"/v1/env_var?object_type=project&object_id={project}")).AssertOk().Objects.Single();
        Assert.Equal("env_var", (string)variable["secret_category"]!);
        var text = ApiClient.Unique("untyped");

        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(text), new Dictionary<string, string> { ["x-bt-project-id"] = project })).AssertOk();

        Assert.Equal("Bearer " + tenant.OpenAIKey, fixture.KeyUsedFor(text));
        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat("x"), new Dictionary<string, string> { ["x-bt-project-id"] = Guid.NewGuid().ToString() }))
            .AssertError(HttpStatusCode.BadRequest, "x-bt-project-id");
    }
}
