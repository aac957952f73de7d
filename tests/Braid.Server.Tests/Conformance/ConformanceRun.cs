using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Braid.Server.Tests.Infrastructure;
using Braid.Storage.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Conformance;

/// <summary>What one operation answered: its status and, for a 200, how its body breaks the spec.</summary>
public sealed record OperationResult(SpecOperation Operation, int Status, IReadOnlyList<string> Problems)
{
    public bool Passed => Status == 200 && Problems.Count == 0;

    public override string ToString() =>
        $"{Operation}: {(Status == 0 ? "not sent" : Status.ToString(System.Globalization.CultureInfo.InvariantCulture))}" +
        (Problems.Count == 0 ? "" : " — " + string.Join(" | ", Problems.Take(3)));
}

/// <summary>
/// Sends one valid request per planned operation, in a tenant of its own, and records what came back. Requests are
/// built from the spec (<see cref="ValueGenerator"/>) and <see cref="ConformancePlan.Overrides"/>; the objects they
/// name are made through the API first. Nothing here asserts: a failure is recorded and the run goes on.
/// </summary>
public sealed partial class ConformanceRun(BraidApp app, ApiClient tenant, SpecDocument spec)
{
    private const int ExcerptLength = 300;

    private readonly HttpClient _http = app.CreateClient();

    // The one object of each kind that reads, patches and sub-resource operations use.
    private readonly Dictionary<string, JsonObject> _shared = new(StringComparer.Ordinal)
    {
        ["organization"] = new() { ["id"] = tenant.OrgId },
        ["user"] = new() { ["id"] = tenant.Key!.User.Id },
        ["api_key"] = new() { ["id"] = tenant.Key!.Id },
    };

    private string? _serviceToken;
    private int _counter;

    public async Task<IReadOnlyList<OperationResult>> RunAsync()
    {
        var results = new List<OperationResult>();
        foreach (var operation in ConformancePlan.Ordered(spec))
        {
            results.Add(await RunAsync(operation));
        }

        return results;
    }

    private async Task<OperationResult> RunAsync(SpecOperation operation)
    {
        (string Path, JsonObject? Body, string Bearer) request;
        try
        {
            request = await BuildAsync(operation, fresh: operation.Method == "delete");
        }
        catch (SetupException e)
        {
            return new(operation, 0, [$"setup: {e.Message}"]);
        }

        var (status, body) = await SendAsync(operation.Method, request.Path, request.Body, request.Bearer);
        if (status != 200)
        {
            return new(operation, status, [Excerpt(body)]);
        }

        var problems = OpenApiContract.Shared.Validate(operation.Method, request.Path.Split('?')[0], status, body);

        // A create's object becomes the kind's shared object, so reads and patches use what the create made.
        if (problems.Count == 0 && operation.Method is "post" or "put" && ConformancePlan.IsCollection(operation) &&
            JsonNode.Parse(body) is JsonObject created && created["id"] is not null)
        {
            _shared.TryAdd(ConformancePlan.Resource(operation), created);
        }

        return new(operation, status, problems);
    }

    /// <summary>
    /// Sends a valid request for the operation with another credential (null: none) and returns the status. The objects
    /// it names are the tenant's, made as for the tenant's own requests; a delete gets an object of its own.
    /// </summary>
    public async Task<int> StatusAsAsync(SpecOperation operation, string? bearer)
    {
        var (path, body, _) = await BuildAsync(operation, fresh: operation.Method == "delete");
        return (await SendAsync(operation.Method, path, body, bearer)).Status;
    }

    /// <summary>The id of the run's shared object of a kind (made now if the run has none yet).</summary>
    public async Task<string> SharedIdAsync(string kind) => (string)(await SharedAsync(kind))["id"]!;

    /// <summary>The path (with query), body and credential of a valid request for <paramref name="operation"/>.</summary>
    private async Task<(string Path, JsonObject? Body, string Bearer)> BuildAsync(SpecOperation operation, bool fresh)
    {
        ConformancePlan.Overrides.TryGetValue(operation.OperationId, out var extra);

        // Objects made for this request alone, one per kind, so that "{new acl}" and "{new acl.group_id}" agree.
        var made = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var generator = new ValueGenerator(spec, (field, parent) => IdForAsync(field, parent, made, fresh: false), Unique);

        var path = new StringBuilder();
        foreach (var segment in operation.Path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = segment.Trim('{', '}');
            // A greedy parameter ({path+}, the proxy's passthrough) takes any path; every other names an object.
            path.Append('/').Append(name.EndsWith('+') ? "conformance/passthrough" : segment.StartsWith('{')
                ? await IdForAsync(name, null, made, fresh) ?? throw new SetupException($"no rule gives the path parameter '{name}' an object")
                : segment);
        }

        // Required query parameters, built as one object so that object_id sees object_type.
        var query = new JsonObject();
        foreach (var parameter in spec.Parameters(operation).Where(p => (string?)p["in"] == "query" && (bool?)p["required"] == true))
        {
            var name = (string)parameter["name"]!;
            query[name] = await generator.GenerateAsync(parameter["schema"]!, name, query);
        }

        if (query.Count > 0)
        {
            path.Append('?').AppendJoin('&', query.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value!.ToString())}"));
        }

        JsonObject? body = null;
        if (spec.RequestSchema(operation) is { } schema)
        {
            var given = extra?.Body is { } template ? JsonNode.Parse(await FillAsync(template, made))!.AsObject() : [];
            // A body of any JSON (the proxy's) generates as null: the plan's fields are the whole body then.
            body = await generator.GenerateAsync(schema, "", null, given.Select(p => p.Key).ToHashSet()) as JsonObject ?? [];
            foreach (var (key, value) in given)
            {
                body[key] = value?.DeepClone();
            }

            // A patch that changes something says more than an empty one.
            if (operation.Method == "patch" && schema["properties"]?["description"] is not null)
            {
                body["description"] ??= "patched by the conformance test";
            }
        }

        return (path.ToString(), body, await BearerAsync(extra?.Credential ?? Credential.ApiKey));
    }

    /// <summary>The id for a field or path parameter naming an object, or null when it names none the run knows.</summary>
    private async Task<string?> IdForAsync(string field, JsonObject? parent, Dictionary<string, JsonObject> made, bool fresh)
    {
        if (ConformancePlan.KindOfField(field, parent) is not { } kind || !IsKnownKind(kind))
        {
            return null;
        }

        var obj = fresh ? await NewAsync(kind, made) : await SharedAsync(kind);
        return (string)obj["id"]!;
    }

    private bool IsKnownKind(string kind) =>
        _shared.ContainsKey(kind) || kind == "service_account" || CreateOperation(kind) is not null;

    private SpecOperation? CreateOperation(string kind) =>
        spec.Operations.FirstOrDefault(o => o.Method == "post" && ConformancePlan.IsCollection(o) && ConformancePlan.Resource(o) == kind);

    private async Task<JsonObject> SharedAsync(string kind)
    {
        if (!_shared.TryGetValue(kind, out var obj))
        {
            obj = await CreateAsync(kind);
            _shared[kind] = obj;
        }

        return obj;
    }

    private async Task<JsonObject> NewAsync(string kind, Dictionary<string, JsonObject> made)
    {
        if (!made.TryGetValue(kind, out var obj))
        {
            obj = await CreateAsync(kind);
            made[kind] = obj;
        }

        return obj;
    }

    /// <summary>A new object of a kind, made through the API (its create operation, with that operation's overrides).</summary>
    private async Task<JsonObject> CreateAsync(string kind)
    {
        switch (kind)
        {
            case "service_account":
                return await CreateServiceAccountAsync();
            case "api_key":
                // The spec has no operation that makes an API key (they come from the UI), so the test mints one.
                var tenants = app.Services.GetRequiredService<TenantStore>();
                var key = await tenants.CreateApiKeyAsync(tenant.OrgName, tenant.Key!.User.Email, Unique());
                return new JsonObject { ["id"] = key.Id };
            case "organization" or "user":
                throw new SetupException($"the spec has no way to make another {kind}");
        }

        var create = CreateOperation(kind) ?? throw new SetupException($"the spec has no create operation for '{kind}'");
        var (path, body, bearer) = await BuildAsync(create, fresh: false);
        return await ExpectAsync(create.Method, path, body, bearer, $"creating a new {kind}");
    }

    /// <summary>
    /// A service account that can make service tokens: created with its first token through
    /// <c>PATCH /v1/organization/members</c> (its raw key comes back once), then granted the Owner role on the organization.
    /// </summary>
    private async Task<JsonObject> CreateServiceAccountAsync()
    {
        var invited = await ExpectAsync("patch", "/v1/organization/members", new JsonObject
        {
            ["invite_users"] = new JsonObject
            {
                ["service_accounts"] = new JsonArray(new JsonObject { ["name"] = Unique(), ["token_name"] = Unique() }),
            },
        }, tenant.Key!.Key, "making a service account");
        var account = invited["added_users"]?.AsArray().FirstOrDefault()?.AsObject()
            ?? throw new SetupException("PATCH /v1/organization/members with a service account returned no added_users");
        _serviceToken = (string?)account["api_key"]
            ?? throw new SetupException("PATCH /v1/organization/members returned no api_key for the service account's token");

        var roles = await ExpectAsync("get", "/v1/role?role_name=Owner", null, tenant.Key!.Key, "finding the Owner role");
        var owner = roles["objects"]?.AsArray().FirstOrDefault()?["id"]
            ?? throw new SetupException("GET /v1/role?role_name=Owner found no role");
        await ExpectAsync("post", "/v1/acl", new JsonObject
        {
            ["object_type"] = "organization",
            ["object_id"] = tenant.OrgId,
            ["user_id"] = account["id"]!.DeepClone(),
            ["role_id"] = owner.DeepClone(),
        }, tenant.Key!.Key, "making the service account an owner");
        return account;
    }

    // Replaces the placeholders of an override body (see Override).
    private async Task<string> FillAsync(string template, Dictionary<string, JsonObject> made)
    {
        var text = new StringBuilder();
        var end = 0;
        foreach (Match m in Placeholder().Matches(template))
        {
            text.Append(template, end, m.Index - end);
            end = m.Index + m.Length;
            var kind = m.Groups["kind"].Value;
            if (kind == "unique")
            {
                text.Append(Unique());
                continue;
            }

            var obj = m.Groups["new"].Success ? await NewAsync(kind, made) : await SharedAsync(kind);
            var field = m.Groups["field"].Success ? m.Groups["field"].Value : "id";
            text.Append((string?)obj[field] ?? throw new SetupException($"the {kind} made for this request has no '{field}'"));
        }

        return text.Append(template, end, template.Length - end).ToString();
    }

    private async Task<string> BearerAsync(Credential credential)
    {
        if (credential == Credential.ApiKey)
        {
            return tenant.Key!.Key;
        }

        await SharedAsync("service_account");
        return _serviceToken!;
    }

    private async Task<JsonObject> ExpectAsync(string method, string path, JsonObject? body, string bearer, string purpose)
    {
        var (status, text) = await SendAsync(method, path, body, bearer);
        return status == 200 && JsonNode.Parse(text) is JsonObject obj
            ? obj
            : throw new SetupException($"{purpose}: {method.ToUpperInvariant()} {path.Split('?')[0]} answered {status}: {Excerpt(text)}");
    }

    private async Task<(int Status, string Body)> SendAsync(string method, string path, JsonObject? body, string? bearer)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), path)
        {
            Content = body is null ? null : new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        using var response = await _http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private string Unique() => $"conformance-{++_counter}-{Guid.NewGuid().ToString("N")[..6]}";

    private static string Excerpt(string body) => body.Length <= ExcerptLength ? body : body[..ExcerptLength] + "…";

    [GeneratedRegex(@"\{(?<new>new )?(?<kind>[a-z_]+)(\.(?<field>[a-z_]+))?\}")]
    private static partial Regex Placeholder();
}
