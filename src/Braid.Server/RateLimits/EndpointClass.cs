namespace Braid.Server.RateLimits;

/// <summary>
/// Which rate limit an endpoint counts against. Routes tag themselves with <see cref="EndpointClassExtensions.RateLimited"/>;
/// an untagged authenticated endpoint counts as <see cref="ControlPlane"/>.
/// </summary>
public sealed class EndpointClass
{
    public static readonly EndpointClass Ingest =
        new("ingest", "ingest (event inserts, /logs3, OTLP)", nameof(RateLimitOptions.IngestPerMinute), static o => o.IngestPerMinute);

    public static readonly EndpointClass Query =
        new("query", "query (/btql, fetch)", nameof(RateLimitOptions.QueryPerMinute), static o => o.QueryPerMinute);

    public static readonly EndpointClass ControlPlane =
        new("control_plane", "control-plane", nameof(RateLimitOptions.ControlPlanePerMinute), static o => o.ControlPlanePerMinute);

    /// <summary>
    /// The AI proxy. Its routes are anonymous to the middleware (they also take temporary credentials, which the proxy
    /// reads itself), so the proxy takes the token once it knows the caller.
    /// </summary>
    public static readonly EndpointClass Proxy =
        new("proxy", "AI proxy and function invoke (/v1/proxy, invoke)", nameof(RateLimitOptions.ProxyPerMinute), static o => o.ProxyPerMinute);

    private readonly Func<RateLimitOptions, int> _perMinute;

    private EndpointClass(string name, string description, string option, Func<RateLimitOptions, int> perMinute)
    {
        Name = name;
        Description = description;
        Setting = $"{ServerOptions.Section}:{nameof(ServerOptions.RateLimits)}:{option}";
        _perMinute = perMinute;
    }

    /// <summary>The bucket's name in the store.</summary>
    public string Name { get; }

    public string Description { get; }

    /// <summary>The configuration key of this class's limit, for error messages and docs.</summary>
    public string Setting { get; }

    public int PerMinute(RateLimitOptions options) => _perMinute(options);
}

public static class EndpointClassExtensions
{
    /// <summary>Counts the endpoint's requests against <paramref name="endpointClass"/>'s limit.</summary>
    public static TBuilder RateLimited<TBuilder>(this TBuilder builder, EndpointClass endpointClass)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(endpointClass);
}
