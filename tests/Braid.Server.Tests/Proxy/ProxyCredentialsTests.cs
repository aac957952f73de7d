using System.Net;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Proxy;

public sealed class ProxyCredentialsTests(ProxyFixture fixture) : IClassFixture<ProxyFixture>
{
    private static object Chat(string model) => new { model, messages = new[] { new { role = "user", content = "temp" } } };

    [Fact]
    public async Task TemporaryCredential_CallsTheProxyAsTheIssuingKey()
    {
        var tenant = await fixture.NewTenantAsync();
        var key = (string)(await tenant.Api.PostAsync("/v1/proxy/credentials", new { })).AssertOk().Json["key"]!;

        var payload = JsonNode.Parse(Base64Url(key.Split('.')[1]))!;
        Assert.Equal("braintrust_proxy", (string)payload["aud"]!);
        Assert.Equal(600, (long)payload["exp"]! - (long)payload["iat"]!);
        Assert.DoesNotContain(tenant.Bearer, key);

        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat("gpt-4o-mini"), bearer: key)).AssertOk();
        Assert.Equal("Bearer " + tenant.OpenAIKey, fixture.Provider.Last("/v1/chat/completions").Headers["authorization"]);
    }

    [Fact]
    public async Task CredentialForOneModel_RefusesAnother()
    {
        var tenant = await fixture.NewTenantAsync();
        var key = (string)(await tenant.Api.PostAsync("/v1/proxy/credentials", new { model = "gpt-4o-mini" })).AssertOk().Json["key"]!;

        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat("gpt-4o-mini"), bearer: key)).AssertOk();
        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat("gpt-4o"), bearer: key)).AssertError(HttpStatusCode.Forbidden, "gpt-4o-mini");
    }

    [Fact]
    public async Task Credential_ExpiresAfterItsTtl()
    {
        var tenant = await fixture.NewTenantAsync();
        var key = (string)(await tenant.Api.PostAsync("/v1/proxy/credentials", new { ttl_seconds = 60 })).AssertOk().Json["key"]!;
        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat("gpt-4o-mini"), bearer: key)).AssertOk();

        fixture.Clock.Advance(TimeSpan.FromSeconds(61));

        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat("gpt-4o-mini"), bearer: key)).AssertError(HttpStatusCode.Unauthorized, "expired");
    }

    [Fact]
    public async Task TamperedCredential_IsA401()
    {
        var tenant = await fixture.NewTenantAsync();
        var key = (string)(await tenant.Api.PostAsync("/v1/proxy/credentials", new { model = "gpt-4o-mini" })).AssertOk().Json["key"]!;
        var parts = key.Split('.');
        var widened = JsonNode.Parse(Base64Url(parts[1]))!.AsObject();
        widened["bt"]!["model"] = null;
        var forged = parts[0] + "." + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(widened.ToJsonString())).TrimEnd('=').Replace('+', '-').Replace('/', '_') + "." + parts[2];

        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat("gpt-4o"), bearer: forged)).AssertError(HttpStatusCode.Unauthorized, "invalid temporary credential");
    }

    [Fact]
    public async Task CredentialWithLogging_LogsItsCallsToTheProject()
    {
        var tenant = await fixture.NewTenantAsync();
        var name = ApiClient.Unique("logged");
        var key = (string)(await tenant.Api.PostAsync("/v1/proxy/credentials", new { logging = new { project_name = name } })).AssertOk().Json["key"]!;

        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat("gpt-4o-mini"), bearer: key)).AssertOk();

        var project = (await tenant.Api.GetAsync($"/v1/project?project_name={name}")).AssertOk().Objects.Single();
        Assert.Single(await tenant.Api.FetchAllAsync($"project_logs/{project["id"]}"));
    }

    [Fact]
    public async Task DeletedApiKey_RevokesItsCredentials()
    {
        var tenant = await fixture.NewTenantAsync();
        var otherKey = await tenant.OtherKeyAsync();
        var other = new ApiClient(fixture.App.CreateClient(), null, otherKey.Key);
        var key = (string)(await other.PostAsync("/v1/proxy/credentials", new { })).AssertOk().Json["key"]!;
        (await other.DeleteAsync($"/v1/api_key/{otherKey.Id}")).AssertOk();

        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat("gpt-4o-mini"), bearer: key)).AssertError(HttpStatusCode.Unauthorized, "deleted");
    }

    [Theory]
    [InlineData("""{"ttl_seconds": 86401}""", "ttl_seconds")]
    [InlineData("""{"ttl_seconds": 0}""", "ttl_seconds")]
    [InlineData("""{"model": 5}""", "model")]
    [InlineData("""{"logging": {}}""", "logging.project_name")]
    public async Task BadRequest_IsA400NamingTheField(string body, string mentions)
    {
        var tenant = await fixture.NewTenantAsync();
        (await tenant.Api.PostAsync("/v1/proxy/credentials", body)).AssertError(HttpStatusCode.BadRequest, mentions);
    }

    [Fact]
    public async Task CredentialCannotIssueCredentials()
    {
        var tenant = await fixture.NewTenantAsync();
        var key = (string)(await tenant.Api.PostAsync("/v1/proxy/credentials", new { })).AssertOk().Json["key"]!;
        (await tenant.PostAsync("/v1/proxy/credentials", new { }, bearer: key)).AssertError(HttpStatusCode.Forbidden, "temporary credential");
    }

    private static string Base64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(padded + new string('=', (4 - padded.Length % 4) % 4)));
    }
}
