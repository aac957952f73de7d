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
    /// <summary>The body's bytes, for answers that are not text (protobuf).</summary>
    public byte[] Bytes { get; init; } = [];

    public string? ContentType { get; init; }

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

    /// <summary>The credential this client sends, if any.</summary>
    public string? Bearer => _bearer;

    public string OrgId => Key!.Organization.Id;

    public string OrgName => Key!.Organization.Name;

    public Task<ApiResponse> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<ApiResponse> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    /// <summary>A DELETE with a JSON body (<c>DELETE /v1/acl</c>, views).</summary>
    public Task<ApiResponse> DeleteAsync(string path, object body) => SendAsync(HttpMethod.Delete, path, Serialize(body));

    public Task<ApiResponse> PostAsync(string path, object body) => SendAsync(HttpMethod.Post, path, Serialize(body));

    public Task<ApiResponse> PatchAsync(string path, object body) => SendAsync(HttpMethod.Patch, path, Serialize(body));

    public Task<ApiResponse> PutAsync(string path, object body) => SendAsync(HttpMethod.Put, path, Serialize(body));

    public Task<ApiResponse> SendAsync(HttpMethod method, string path, string? rawBody = null, IDictionary<string, string>? headers = null) =>
        SendAsync(method, path, rawBody is null ? null : new StringContent(rawBody, Encoding.UTF8, "application/json"), headers);

    /// <summary>Sends any body (protobuf, gzip, another content type); the answer is checked like every other.</summary>
    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, HttpContent? content, IDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (_bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _bearer);
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            // Content headers (Content-Encoding, Content-Type) belong to the body.
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content?.Headers.Remove(name);
                request.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var response = await _http.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var body = Encoding.UTF8.GetString(bytes);
        var result = new ApiResponse(response.StatusCode, response.Headers, body)
        {
            Bytes = bytes,
            ContentType = response.Content.Headers.ContentType?.MediaType,
        };
        // 5xx is never an answer to input; the one exception is a saturated ingest queue asking to retry later.
        var overloaded = response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is not null;
        Assert.True((int)response.StatusCode < 500 || overloaded, $"{method} {path} answered {(int)response.StatusCode}: {body}");
        if (response.StatusCode == HttpStatusCode.OK && path.StartsWith("/v1", StringComparison.Ordinal) && !IsOutsideTheSpec(path))
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

    // /v1 routes the SDK calls that the spec does not list (sdk-protocol §3), and Braid's own automation routes: their
    // tests assert the fields their callers read.
    private static bool IsOutsideTheSpec(string path) =>
        path.Split('?')[0] is var route && (route.EndsWith("/restore", StringComparison.Ordinal) || route.EndsWith("/restore/preview", StringComparison.Ordinal)
            || (route.StartsWith("/v1/project_automation/", StringComparison.Ordinal) && route.Split('/').Length == 5));

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

    /// <summary>Inserts rows into a log (e.g. <c>project_logs/{id}</c>) and returns their row ids.</summary>
    public async Task<List<string>> InsertAsync(string log, params object[] events) =>
        (await PostAsync($"/v1/{log}/insert", new { events })).AssertOk().Json["row_ids"]!.AsArray().Select(i => (string)i!).ToList();

    /// <summary>Every row of a log, following cursors page by page.</summary>
    public async Task<List<JsonObject>> FetchAllAsync(string log, int pageLimit = 1000, object? extra = null)
    {
        var rows = new List<JsonObject>();
        string? cursor = null;
        do
        {
            var body = JsonSerializer.SerializeToNode(extra ?? new { })!.AsObject();
            body["limit"] = pageLimit;
            body["cursor"] = cursor;
            var page = (await PostAsync($"/v1/{log}/fetch", body.ToJsonString())).AssertOk().Json;
            rows.AddRange(page["events"]!.AsArray().Select(e => e!.AsObject()));
            cursor = (string?)page["cursor"];
        }
        while (cursor is not null);
        return rows;
    }

    public async Task<string> CreateLogAsync(string kind)
    {
        var project = (string)(await CreateProjectAsync())["id"]!;
        return kind switch
        {
            "project_logs" => $"project_logs/{project}",
            "experiment" => $"experiment/{(string)(await CreateExperimentAsync(project))["id"]!}",
            _ => $"dataset/{(await PostAsync("/v1/dataset", new { project_id = project, name = Unique("d") })).AssertOk().Id}",
        };
    }

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";
}
