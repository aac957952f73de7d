using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Storage.Tenancy;

namespace Braid.Server.Tests.Infrastructure;

/// <summary>What came back: status, headers and the body as text and JSON.</summary>
public sealed record ApiResponse(HttpStatusCode Status, HttpResponseHeaders Headers, string Body)
{
    public JsonNode Json => JsonNode.Parse(Body) ?? throw new InvalidOperationException("body is JSON null");

    public JsonObject Object => Json.AsObject();

    public string Id => (string)Json["id"]!;

    public string Error => (string)Json["error"]!;

    public IReadOnlyList<JsonObject> Objects => Json["objects"]!.AsArray().Select(o => o!.AsObject()).ToList();

    public string? Header(string name) => Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    public ApiResponse AssertStatus(HttpStatusCode expected)
    {
        Assert.True(Status == expected, $"expected {(int)expected} {expected}, got {(int)Status}: {Body}");
        return this;
    }

    public ApiResponse AssertOk() => AssertStatus(HttpStatusCode.OK);

    /// <summary>A 4xx whose JSON message names the offending field or parameter.</summary>
    public ApiResponse AssertError(HttpStatusCode expected, string mentions)
    {
        AssertStatus(expected);
        Assert.Contains(mentions, Error, StringComparison.Ordinal);
        return this;
    }
}

/// <summary>
/// An HTTP client for the Braid API that checks every answer against the contract: a 200 body must validate
/// against the spec's response schema for that operation, and nothing may ever answer 5xx.
/// </summary>
public sealed class ApiClient
{
    private readonly HttpClient _http;
    private readonly string? _bearer;

    public ApiClient(HttpClient http, CreatedApiKey? key, string? bearer = null)
    {
        _http = http;
        Key = key;
        _bearer = key?.Key ?? bearer;
    }

    public CreatedApiKey? Key { get; }

    public string OrgId => Key!.Organization.Id;

    public string OrgName => Key!.Organization.Name;

    public Task<ApiResponse> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<ApiResponse> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    public Task<ApiResponse> PostAsync(string path, object body) => SendAsync(HttpMethod.Post, path, Serialize(body));

    public Task<ApiResponse> PatchAsync(string path, object body) => SendAsync(HttpMethod.Patch, path, Serialize(body));

    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, string? rawBody = null, IDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (_bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _bearer);
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (rawBody is not null)
        {
            request.Content = new StringContent(rawBody, Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var result = new ApiResponse(response.StatusCode, response.Headers, body);
        Assert.True((int)response.StatusCode < 500, $"{method} {path} answered {(int)response.StatusCode}: {body}");
        if (response.StatusCode == HttpStatusCode.OK && path.StartsWith("/v1", StringComparison.Ordinal))
        {
            var errors = OpenApiContract.Shared.Validate(method.Method, path.Split('?')[0], 200, body);
            Assert.True(errors.Count == 0, $"{method} {path} response breaks the spec:\n{string.Join("\n", errors)}\n{body}");
        }
        else if ((int)response.StatusCode >= 400)
        {
            Assert.True(JsonNode.Parse(body)?["error"] is JsonValue, $"error responses are {{\"error\": message}}, got: {body}");
        }

        return result;
    }

    public static string Serialize(object body) => body as string ?? JsonSerializer.Serialize(body);

    // Small builders for the objects most tests need.
    public async Task<JsonObject> CreateProjectAsync(string? name = null) =>
        (await PostAsync("/v1/project", new { name = name ?? Unique("project") })).AssertOk().Object;

    public async Task<JsonObject> CreateExperimentAsync(string projectId, object? extra = null)
    {
        var body = JsonSerializer.SerializeToNode(extra ?? new { })!.AsObject();
        body["project_id"] = projectId;
        return (await PostAsync("/v1/experiment", body.ToJsonString())).AssertOk().Object;
    }

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";
}
