using System.Net;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Proxy;

public sealed class ProxyErrorsTests(ProxyFixture fixture) : IClassFixture<ProxyFixture>
{
    private static object Chat(string model, string text = "hi") => new { model, messages = new[] { new { role = "user", content = text } } };

    [Fact]
    public async Task MissingModel_IsA400()
    {
        var tenant = await fixture.NewTenantAsync();
        (await tenant.PostAsync("/v1/proxy/chat/completions", new { messages = new[] { new { role = "user", content = "x" } } }))
            .AssertError(HttpStatusCode.BadRequest, "model: required");
    }

    [Fact]
    public async Task UnknownModel_IsA400NamingIt()
    {
        var tenant = await fixture.NewTenantAsync();
        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat("mystery-model-9"))).AssertError(HttpStatusCode.BadRequest, "mystery-model-9");
    }

    [Fact]
    public async Task NoSecretForTheProvider_IsA400SayingWhichToCreate()
    {
        var api = await fixture.App.NewTenantAsync();
        var tenant = new ProxyTenant(api, fixture.App, "", "", "");
        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat("claude-3-5-sonnet-latest")))
            .AssertError(HttpStatusCode.BadRequest, "no AI secret for provider 'anthropic'");
    }

    [Fact]
    public async Task NotJsonOrNotAnObject_IsA400()
    {
        var tenant = await fixture.NewTenantAsync();
        var http = fixture.App.CreateClient();
        (await ProxyResponse.SendAsync(http, "/v1/proxy/chat/completions", "{not json", tenant.Bearer, null)).AssertError(HttpStatusCode.BadRequest, "not valid JSON");
        (await ProxyResponse.SendAsync(http, "/v1/proxy/chat/completions", "[1]", tenant.Bearer, null)).AssertError(HttpStatusCode.BadRequest, "JSON object");
    }

    [Fact]
    public async Task BodyNamingAFieldTwice_IsA400NamingIt()
    {
        var tenant = await fixture.NewTenantAsync();
        var http = fixture.App.CreateClient();
        (await ProxyResponse.SendAsync(http, "/v1/proxy/chat/completions", """{"model":"gpt-4o-mini","model":"gpt-4o","messages":[]}""", tenant.Bearer, null))
            .AssertError(HttpStatusCode.BadRequest, "'model' twice");
        // A conversion reads the whole body, so any repeated name is refused there.
        (await ProxyResponse.SendAsync(http, "/v1/proxy/chat/completions", """{"model":"claude-3-5-haiku-latest","messages":[{"role":"user","content":"a","content":"b"}]}""", tenant.Bearer, null))
            .AssertError(HttpStatusCode.BadRequest, "Duplicate property 'content'");
        (await ProxyResponse.SendAsync(http, "/v1/proxy/chat/completions", """{"model":"gpt-4o-mini","messages":[]} trailing""", tenant.Bearer, null))
            .AssertError(HttpStatusCode.BadRequest, "not valid JSON");
    }

    [Fact]
    public async Task MissingOrInvalidKey_IsA401()
    {
        var http = fixture.App.CreateClient();
        (await ProxyResponse.SendAsync(http, "/v1/proxy/chat/completions", ApiClient.Serialize(Chat("gpt-4o")), null, null))
            .AssertError(HttpStatusCode.Unauthorized, "missing API key");
        (await ProxyResponse.SendAsync(http, "/v1/proxy/chat/completions", ApiClient.Serialize(Chat("gpt-4o")), "sk-nope", null))
            .AssertError(HttpStatusCode.Unauthorized, "invalid API key");
    }

    [Theory]
    [InlineData("gpt-4o-mini", 429)]
    [InlineData("gpt-4o-mini", 400)]
    [InlineData("gpt-4o-mini", 503)]
    [InlineData("claude-3-5-haiku-latest", 401)]
    [InlineData("gemini-2.0-flash", 404)]
    public async Task ProviderError_IsPassedThroughWithItsStatusAndBody(string model, int status)
    {
        var tenant = await fixture.NewTenantAsync();
        var response = await tenant.PostAsync("/v1/proxy/chat/completions", Chat(model, $"fail:{status}"));

        Assert.Equal((HttpStatusCode)status, response.Status);
        Assert.Equal("fake failure", (string)response.Json["error"]!["message"]!);
    }

    [Fact]
    public async Task UnreachableProvider_IsA502NamingTheSecret()
    {
        var tenant = await fixture.NewTenantAsync();
        (await tenant.Api.PostAsync("/v1/ai_secret", new
        {
            name = "DEAD", type = "openai", secret = "sk-dead", metadata = new { api_base = "http://127.0.0.1:9/v1", models = new[] { "dead-model" } },
        })).AssertOk();

        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat("dead-model"))).AssertError(HttpStatusCode.BadGateway, "ai_secret 'DEAD'");
    }

    [Fact]
    public async Task EmbeddingsForANonOpenAIProvider_IsA400()
    {
        var tenant = await fixture.NewTenantAsync();
        (await tenant.PostAsync("/v1/proxy/embeddings", new { model = "claude-3-5-haiku-latest", input = "x" }))
            .AssertError(HttpStatusCode.BadRequest, "OpenAI-compatible");
    }

    [Fact]
    public async Task ContentPartTheProviderCannotTake_IsA400()
    {
        var tenant = await fixture.NewTenantAsync();
        var body = new
        {
            model = "claude-3-5-haiku-latest",
            messages = new[] { new { role = "user", content = new object[] { new { type = "image_url", image_url = new { url = "http://x" } } } } },
        };
        (await tenant.PostAsync("/v1/proxy/chat/completions", body)).AssertError(HttpStatusCode.BadRequest, "image_url");
    }
}
