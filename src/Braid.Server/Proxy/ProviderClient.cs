using System.Net.Http.Headers;

namespace Braid.Server.Proxy;

/// <summary>
/// Sends requests to LLM providers. Raw <see cref="HttpClient"/>, not the OpenAI, Anthropic or Microsoft.Extensions.AI
/// SDKs: a proxy must pass the caller's JSON through untouched (fields an SDK's typed model does not know would be
/// dropped), stream the provider's bytes as they arrive, and forward the provider's own error status and body — all
/// things the SDKs hide behind their typed results and exceptions. Conversions to Anthropic and Gemini are small
/// JSON rewrites (<see cref="AnthropicMessages"/>, <see cref="GeminiContent"/>) for the same reason.
/// </summary>
public sealed class ProviderClient : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        // Provider DNS changes are picked up; connections are otherwise kept warm (the proxy's latency budget is ~1 ms).
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        UseCookies = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        MaxConnectionsPerServer = int.MaxValue,
        // No trace context to third parties: without a propagator HttpClient leaves out its diagnostics stage, which
        // made an Activity per call (ASP.NET Core starts one for every request) and sent its traceparent to the provider.
        ActivityHeadersPropagator = null,
    })
    {
        // Streams run as long as the model talks; the caller's disconnect cancels them.
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>POSTs <paramref name="content"/> to <paramref name="path"/> under the endpoint's base URL, returning once headers arrive.</summary>
    public Task<HttpResponseMessage> SendAsync(ProviderEndpoint endpoint, string path, HttpContent content, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint.BaseUrl + path) { Content = content };
        switch (endpoint.Format)
        {
            case ProviderFormat.Anthropic:
                request.Headers.TryAddWithoutValidation("x-api-key", endpoint.Key);
                request.Headers.TryAddWithoutValidation("anthropic-version", AnthropicMessages.Version);
                break;
            case ProviderFormat.Google:
                request.Headers.TryAddWithoutValidation("x-goog-api-key", endpoint.Key);
                break;
            default:
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", endpoint.Key);
                if (endpoint.OpenAIOrganization is { } organization)
                {
                    request.Headers.TryAddWithoutValidation("OpenAI-Organization", organization);
                }

                break;
        }

        foreach (var (name, value) in endpoint.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    public void Dispose() => _http.Dispose();
}
