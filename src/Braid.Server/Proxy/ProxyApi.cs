using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Server.AccessControl;
using Braid.Server.Auth;
using Braid.Server.Objects;
using Braid.Server.Http;
using Braid.Server.RateLimits;
using Braid.Storage.Events;
using Braid.Storage.Objects;
using Braid.Storage.Tenancy;

namespace Braid.Server.Proxy;

/// <summary>Which proxy operation a request is; the cacheable ones are all but <see cref="Passthrough"/>.</summary>
public enum ProxyRoute
{
    ChatCompletions,
    Completions,
    Embeddings,
    Moderations,
    Passthrough,
}

/// <summary>
/// The proxy's caller: who they are, the raw API key (the cache key derives from it), a temporary credential's limits,
/// and their organization's generation as read with the key (what the request may take from caches).
/// </summary>
public sealed record ProxyCaller(Principal Principal, string ApiKey, ProxyGrant? Grant, long Generation);

/// <summary>
/// <c>/v1/proxy/*</c>: Braintrust's OpenAI-compatible AI proxy. A request names a model; <see cref="Providers"/> picks
/// the provider and key from the organization's ai_secrets; the answer comes back in OpenAI's format whatever the
/// provider spoke, streamed chunk by chunk as it arrives, cached by <see cref="ProxyCache"/>'s rules and logged as a span
/// under <c>x-bt-parent</c>. The routes are anonymous to the API-key middleware because they also take temporary
/// credentials (JWTs), which the proxy checks itself (<see cref="AuthenticateAsync"/>).
/// </summary>
public static class ProxyApi
{
    public const string UsedEndpointHeader = "x-bt-used-endpoint";

    private const int CopyBufferBytes = 16 * 1024;

    public static IEndpointRouteBuilder MapProxyApi(this IEndpointRouteBuilder routes)
    {
        var proxy = routes.MapGroup("/v1/proxy").WithTags("proxy").AllowAnonymous();
        proxy.MapPost("/chat/completions", static (HttpContext http) => ForwardAsync(http, ProxyRoute.ChatCompletions, null));
        proxy.MapPost("/completions", static (HttpContext http) => ForwardAsync(http, ProxyRoute.Completions, null));
        // auto: a chat request (it has messages) goes to chat/completions, anything else to completions.
        proxy.MapPost("/auto", static (HttpContext http) => ForwardAsync(http, null, null));
        proxy.MapPost("/embeddings", static (HttpContext http) => ForwardAsync(http, ProxyRoute.Embeddings, null));
        proxy.MapPost("/moderations", static (HttpContext http) => ForwardAsync(http, ProxyRoute.Moderations, null));
        proxy.MapPost("/credentials", IssueCredentialsAsync);
        proxy.MapPost("/{**path}", static (HttpContext http, string path) => ForwardAsync(http, ProxyRoute.Passthrough, "/" + path));
        return routes;
    }

    /// <summary>The caller behind a Braintrust API key or a temporary credential; a 401 without either.</summary>
    public static async Task<ProxyCaller> AuthenticateAsync(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : "";
        if (token.Length == 0)
        {
            throw ApiException.Unauthorized("missing API key: send the header 'Authorization: Bearer <api key or temporary credential>'");
        }

        ProxyGrant? grant = null;
        if (ProxyCredentials.LooksLikeOne(token))
        {
            grant = http.RequestServices.GetRequiredService<ProxyCredentials>().Read(token);
            token = grant.ApiKey;
        }

        // The generation is read with the key; access checks later in the request (x-bt-parent, x-bt-project-id) and the
        // provider keys' cache use it.
        var (principal, generation) = await Authentication.SignInAsync(http, token)
            ?? throw ApiException.Unauthorized(grant is null ? "invalid API key" : "the temporary credential's API key was deleted");
        await http.RequestServices.GetRequiredService<RateLimiter>().TakeAsync(http, principal, EndpointClass.Proxy);
        return new ProxyCaller(principal, token, grant, generation);
    }

    private static async Task IssueCredentialsAsync(HttpContext http)
    {
        var caller = await AuthenticateAsync(http);
        if (caller.Grant is not null)
        {
            throw ApiException.Forbidden("a temporary credential cannot issue credentials; use an API key");
        }

        var body = await JsonBody.ReadObjectAsync(http);
        var model = body["model"] switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            _ => throw ApiException.BadRequest("model: must be a string or null"),
        };
        var ttl = ProxyCredentials.DefaultTtlSeconds;
        if (body["ttl_seconds"] is { } ttlNode &&
            (ttlNode is not JsonValue tv || !tv.TryGetValue<double>(out var ttlValue) || ttlValue <= 0 || ttlValue > ProxyCredentials.MaxTtlSeconds))
        {
            throw ApiException.BadRequest($"ttl_seconds: must be a number of seconds above 0 and at most {ProxyCredentials.MaxTtlSeconds}");
        }
        else if (body["ttl_seconds"] is JsonValue given)
        {
            ttl = (int)Math.Ceiling(given.GetValue<double>());
        }

        string? project = null;
        if (body["logging"] is JsonObject logging)
        {
            project = (string?)(logging["project_name"] as JsonValue) is { Length: > 0 } name
                ? name
                : throw ApiException.BadRequest("logging.project_name: required, the project the credential's requests are logged to");
        }
        else if (body["logging"] is not null)
        {
            throw ApiException.BadRequest("logging: must be an object {project_name} or null");
        }

        var key = http.RequestServices.GetRequiredService<ProxyCredentials>().Issue(caller.ApiKey, caller.Principal.OrgName, model, ttl, project);
        await Results.Json(new JsonObject { ["key"] = key }).ExecuteAsync(http);
    }

    private static async Task ForwardAsync(HttpContext http, ProxyRoute? route, string? passthroughPath)
    {
        var caller = await AuthenticateAsync(http);
        var body = ProxyBody.Read(await RequestBody.ReadAsync(http));
        var resolved = route ?? (body.HasMessages ? ProxyRoute.ChatCompletions : ProxyRoute.Completions);
        var model = body.Model;
        if (model is null && resolved != ProxyRoute.Passthrough)
        {
            throw ApiException.BadRequest("model: required, the name of the model to call (e.g. gpt-4o-mini, claude-3-5-haiku-latest, gemini-2.0-flash)");
        }

        if (caller.Grant?.Model is { } granted && model != granted)
        {
            throw ApiException.Forbidden($"this temporary credential is for model '{granted}' only, not '{model}'");
        }

        var stream = body.Stream;
        var parent = await ProxySpans.ResolveAsync(http, caller.Principal, caller.Grant?.LoggingProject);
        if (parent is not null)
        {
            // The span needs the whole document; built now, so that a body it refuses is a 400 before the call.
            _ = body.Object;
        }

        var clock = http.RequestServices.GetRequiredService<TimeProvider>();
        var start = clock.GetUtcNow();
        var cache = http.RequestServices.GetRequiredService<ProxyCache>();
        var policy = resolved == ProxyRoute.Passthrough ? null : CachePolicy.For(http.Request, resolved, body);
        byte[]? cacheKey = null;
        string? entryName = null;
        if (policy is not null)
        {
            cacheKey = cache.KeyFor(caller.ApiKey);
            // One key may act in several organizations (x-bt-org-name); each has its own providers, so its own entries.
            entryName = ProxyCache.NameOf(cacheKey, $"{resolved}\n{caller.Principal.OrgId}", body.Bytes);
        }

        string? spanId = parent is null ? null : Guid.NewGuid().ToString();
        if (spanId is not null)
        {
            http.Response.Headers[ProxySpans.SpanIdHeader] = spanId;
        }

        if (policy?.Read == true && await cache.GetAsync(cacheKey!, entryName!, policy.MaxAgeSeconds, http.RequestAborted) is { } hit)
        {
            var age = (long)Math.Max(0, (clock.GetUtcNow() - hit.Created).TotalSeconds);
            http.Response.StatusCode = hit.Status;
            http.Response.ContentType = hit.ContentType;
            http.Response.Headers[ProxyCache.CachedHeader] = "HIT";
            http.Response.Headers.Age = age.ToString(System.Globalization.CultureInfo.InvariantCulture);
            http.Response.Headers.CacheControl = $"max-age={policy.TtlSeconds}";
            await http.Response.Body.WriteAsync(hit.Body, http.RequestAborted);
            if (parent is not null)
            {
                await http.Response.CompleteAsync();
                await ProxySpans.WriteAsync(http, caller.Principal, parent, spanId!, resolved, body.Object, ChatOutput.FromBytes(hit.Body, stream), null, start, clock.GetUtcNow(), cached: true);
            }

            return;
        }

        var projectId = await ProjectAsync(http, caller.Principal, parent);
        var endpoint = await http.RequestServices.GetRequiredService<Providers>().ResolveAsync(caller.Principal.OrgId, caller.Generation, model, projectId);
        if (endpoint.Format != ProviderFormat.OpenAI && resolved != ProxyRoute.ChatCompletions)
        {
            throw ApiException.BadRequest(
                $"model '{model}' is served by {endpoint.Format}, which this proxy reaches only through chat/completions; {resolved} needs an OpenAI-compatible provider");
        }

        var (path, content) = UpstreamRequest(endpoint, resolved, passthroughPath, model, body, stream);
        HttpResponseMessage upstream;
        try
        {
            upstream = await http.RequestServices.GetRequiredService<ProviderClient>().SendAsync(endpoint, path, content, http.RequestAborted);
        }
        catch (HttpRequestException e)
        {
            throw new ApiException(StatusCodes.Status502BadGateway, $"the provider for model '{model}' (ai_secret '{endpoint.SecretName}') could not be reached: {e.Message}");
        }

        using (upstream)
        {
            http.Response.StatusCode = (int)upstream.StatusCode;
            http.Response.Headers[UsedEndpointHeader] = endpoint.Format.ToString().ToLowerInvariant();
            if (policy is not null)
            {
                http.Response.Headers[ProxyCache.CachedHeader] = "MISS";
            }

            var ok = upstream.IsSuccessStatusCode;
            // The caller sees OpenAI's format; a provider's error is passed through as the provider wrote it.
            var contentType = ok && endpoint.Format != ProviderFormat.OpenAI
                ? stream ? "text/event-stream" : "application/json"
                : upstream.Content.Headers.ContentType?.ToString() ?? "application/json";
            http.Response.ContentType = contentType;
            var capture = ok && (policy?.Write == true || parent is not null) ? new CaptureBuffer() : null;
            await using var source = await upstream.Content.ReadAsStreamAsync(http.RequestAborted);
            if (!ok || endpoint.Format == ProviderFormat.OpenAI)
            {
                await CopyAsync(source, http.Response, capture, flushEach: ok && stream, http.RequestAborted);
            }
            else
            {
                var state = new ChatStreamState("chatcmpl-" + Guid.NewGuid().ToString("N"), model!, start.ToUnixTimeSeconds());
                await ConvertAsync(endpoint.Format, source, stream, state, http.Response, capture, http.RequestAborted);
            }

            if (capture?.Bytes is { } captured && policy?.Write == true)
            {
                await cache.PutAsync(cacheKey!, entryName!, new CachedResponse(200, contentType, captured, start), policy.TtlSeconds, http.RequestAborted);
            }

            if (parent is not null)
            {
                await http.Response.CompleteAsync();
                var output = capture?.Bytes is { } bytes ? ChatOutput.FromBytes(bytes, stream) : new ChatOutput();
                var error = ok ? null : $"provider answered {(int)upstream.StatusCode}";
                await ProxySpans.WriteAsync(http, caller.Principal, parent, spanId!, resolved, body.Object, output, error, start, clock.GetUtcNow(), cached: false);
            }
        }
    }

    /// <summary>
    /// The project whose own provider keys a call may use: <c>x-bt-project-id</c> (the caller must read the project), or
    /// the project whose logs the call is logged to.
    /// </summary>
    private static async Task<string?> ProjectAsync(HttpContext http, Principal principal, ProxyParent? parent)
    {
        var header = http.Request.Headers[Functions.InvokeApi.ProjectIdHeader].ToString();
        if (header.Length == 0)
        {
            return parent?.Log.Type == EventObjectType.ProjectLogs ? parent.Log.Id : null;
        }

        if (!Ids.TryNormalize(header, out var projectId) ||
            await http.RequestServices.GetRequiredService<ObjectStore>().GetAsync(principal.OrgId, ObjectKinds.Project.Name, projectId) is null)
        {
            throw ApiException.BadRequest($"{Functions.InvokeApi.ProjectIdHeader}: no project '{header}' in this organization");
        }

        await http.RequestServices.GetRequiredService<Access>().RequireAsync(principal, Access.Project(principal.OrgId, projectId), Access.Read);
        return projectId;
    }

    internal static (string Path, HttpContent Content) UpstreamRequest(
        ProviderEndpoint endpoint, ProxyRoute route, string? passthroughPath, string? model, ProxyBody body, bool stream)
    {
        switch (endpoint.Format)
        {
            case ProviderFormat.Anthropic:
                return ("/messages", Json(AnthropicMessages.ToRequest(body.Object, model!, stream)));
            case ProviderFormat.Google:
                var method = stream ? ":streamGenerateContent?alt=sse" : ":generateContent";
                return ($"/models/{Uri.EscapeDataString(model!)}{method}", Json(GeminiContent.ToRequest(body.Object)));
            default:
                var path = route switch
                {
                    ProxyRoute.ChatCompletions => "/chat/completions",
                    ProxyRoute.Completions => "/completions",
                    ProxyRoute.Embeddings => "/embeddings",
                    ProxyRoute.Moderations => "/moderations",
                    _ => passthroughPath!,
                };
                // OpenAI-compatible providers get the caller's bytes exactly as sent.
                var content = new ByteArrayContent(body.Bytes.Array!, body.Bytes.Offset, body.Bytes.Count);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                return (path, content);
        }
    }

    private static ByteArrayContent Json(JsonObject body)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>Copies the provider's bytes to the caller as they come; a stream is flushed after every read so no chunk waits.</summary>
    private static async Task CopyAsync(Stream source, HttpResponse response, CaptureBuffer? capture, bool flushEach, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferBytes);
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await response.Body.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                capture?.Add(buffer.AsSpan(0, read));
                if (flushEach)
                {
                    await response.Body.FlushAsync(cancellationToken);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task ConvertAsync(
        ProviderFormat format, Stream source, bool stream, ChatStreamState state, HttpResponse response, CaptureBuffer? capture, CancellationToken cancellationToken)
    {
        if (!stream)
        {
            var answer = await JsonNode.ParseAsync(source, cancellationToken: cancellationToken) as JsonObject
                ?? throw new ApiException(StatusCodes.Status502BadGateway, $"{format} answered with something other than a JSON object");
            var completion = OpenAIFormat.Completion(format, answer, state);
            var bytes = JsonSerializer.SerializeToUtf8Bytes(completion);
            await response.Body.WriteAsync(bytes, cancellationToken);
            capture?.Add(bytes);
            return;
        }

        await foreach (var data in ServerSentEvents.ReadDataAsync(source, cancellationToken))
        {
            if (JsonNode.Parse(data) is not JsonObject streamEvent)
            {
                continue;
            }

            var chunk = OpenAIFormat.Chunk(format, streamEvent, state);
            if (chunk is not null)
            {
                await WriteEventAsync(response, ServerSentEvents.Event(chunk), capture, cancellationToken);
            }
        }

        await WriteEventAsync(response, ServerSentEvents.Done, capture, cancellationToken);
    }

    private static async Task WriteEventAsync(HttpResponse response, byte[] bytes, CaptureBuffer? capture, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(bytes, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
        capture?.Add(bytes);
    }

    /// <summary>What was sent to the caller, kept for the cache and the span, up to <see cref="ProxyCache.MaxEntryBytes"/>.</summary>
    private sealed class CaptureBuffer
    {
        private MemoryStream? _bytes = new();

        /// <summary>Everything sent, or null when it grew past the limit.</summary>
        public byte[]? Bytes => _bytes?.ToArray();

        public void Add(ReadOnlySpan<byte> bytes)
        {
            if (_bytes is not null && _bytes.Length + bytes.Length > ProxyCache.MaxEntryBytes)
            {
                _bytes = null;
            }

            _bytes?.Write(bytes);
        }
    }
}
