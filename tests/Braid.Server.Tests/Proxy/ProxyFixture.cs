using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;
using Braid.Storage.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Proxy;

/// <summary>A Braid server on a clock tests can move, and the fake provider it reaches on loopback; used by the proxy and function tests.</summary>
public sealed class ProxyFixture : IAsyncLifetime
{
    public ShiftedClock Clock { get; } = new();

    public BraidApp App { get; private set; } = null!;

    public FakeProvider Provider { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Provider = await FakeProvider.StartAsync();
        // Short code limits, so the sandbox tests' runaway functions stop quickly; online scoring passes only when a
        // test runs one, so what a test reads back does not depend on a background timer.
        App = new BraidApp()
            .With("Braid:OnlineScoring:IntervalSeconds", "0")
            .With("Braid:CodeTimeoutSeconds", "1")
            .With("Braid:CodeMemoryBytes", (32L * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithServices(services => services.AddSingleton<TimeProvider>(Clock));
        await ((IAsyncLifetime)App).InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)App).DisposeAsync();
        await Provider.DisposeAsync();
    }

    /// <summary>The <c>Authorization</c> the provider got with the request whose body contains <paramref name="text"/>.</summary>
    public string KeyUsedFor(string text) =>
        Provider.Requests.Last(r => r.Body.Contains(text, StringComparison.Ordinal)).Headers["authorization"];

    /// <summary>A new organization whose ai_secrets send OpenAI, Anthropic and Gemini models to the fake provider.</summary>
    public async Task<ProxyTenant> NewTenantAsync()
    {
        var api = await App.NewTenantAsync();
        var tenant = new ProxyTenant(api, App, "sk-openai-" + Guid.NewGuid().ToString("N"), "sk-ant-" + Guid.NewGuid().ToString("N"), "gm-" + Guid.NewGuid().ToString("N"));
        (await api.PostAsync("/v1/ai_secret", new
        {
            name = "OPENAI_API_KEY", type = "openai", secret = tenant.OpenAIKey,
            metadata = new { api_base = Provider.Url + "/v1", organization_id = "org-fake" },
        })).AssertOk();
        (await api.PostAsync("/v1/ai_secret", new
        {
            name = "ANTHROPIC_API_KEY", type = "anthropic", secret = tenant.AnthropicKey, metadata = new { api_base = Provider.Url + "/v1" },
        })).AssertOk();
        (await api.PostAsync("/v1/ai_secret", new
        {
            name = "GEMINI_API_KEY", type = "google", secret = tenant.GeminiKey, metadata = new { api_base = Provider.Url + "/v1beta" },
        })).AssertOk();
        return tenant;
    }
}

/// <summary>An organization set up for the proxy, and raw HTTP to it (the proxy streams, and passes provider errors through as the provider wrote them).</summary>
public sealed record ProxyTenant(ApiClient Api, BraidApp App, string OpenAIKey, string AnthropicKey, string GeminiKey)
{
    public string Bearer => Api.Key!.Key;

    /// <summary>A second API key of another member of the same organization.</summary>
    public Task<CreatedApiKey> OtherKeyAsync() =>
        App.Services.GetRequiredService<TenantStore>().CreateApiKeyAsync(Api.OrgName, $"other-{Guid.NewGuid():N}@example.com", "other");

    public Task<ProxyResponse> PostAsync(string path, object body, IDictionary<string, string>? headers = null, string? bearer = null) =>
        ProxyResponse.SendAsync(App.CreateClient(), path, ApiClient.Serialize(body), bearer ?? Bearer, headers);
}

public sealed record ProxyResponse(HttpStatusCode Status, HttpResponseHeaders Headers, string? ContentType, string Body)
{
    public JsonObject Json => JsonNode.Parse(Body)!.AsObject();

    public string? Header(string name) => Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    /// <summary>The JSON of each <c>data:</c> event of an SSE body, up to <c>[DONE]</c>.</summary>
    public List<JsonObject> Events => Body.Split('\n')
        .Where(l => l.StartsWith("data: {", StringComparison.Ordinal))
        .Select(l => JsonNode.Parse(l[6..])!.AsObject()).ToList();

    /// <summary>The text a chat stream spelled out, chunk by chunk.</summary>
    public string StreamedText => string.Concat(Events.Select(e => (string?)e["choices"]?[0]?["delta"]?["content"] ?? (string?)e["choices"]?[0]?["text"]));

    public ProxyResponse AssertOk()
    {
        Assert.True(Status == HttpStatusCode.OK, $"expected 200, got {(int)Status}: {Body}");
        return this;
    }

    public ProxyResponse AssertError(HttpStatusCode status, string mentions)
    {
        Assert.True(Status == status, $"expected {(int)status}, got {(int)Status}: {Body}");
        Assert.Contains(mentions, (string)JsonNode.Parse(Body)!["error"]!, StringComparison.OrdinalIgnoreCase);
        return this;
    }

    public static async Task<ProxyResponse> SendAsync(HttpClient http, string path, string body, string? bearer, IDictionary<string, string>? headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new ProxyResponse(response.StatusCode, response.Headers, response.Content.Headers.ContentType?.MediaType, text);
    }
}
