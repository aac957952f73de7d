using Braid.Server.AccessControl;
using Braid.Server.Automations;
using Braid.Server.Automations.Alerts;
using Braid.Server.Auth;
using Braid.Server.Blobs;
using Braid.Server.Events;
using Braid.Server.Functions;
using Braid.Server.Functions.Sandbox;
using Braid.Server.Http;
using Braid.Server.Objects;
using Braid.Server.Otel;
using Braid.Server.Proxy;
using Braid.Server.Sdk;
using Braid.Server.Secrets;
using Braid.Server.Tenancy;
using Braid.Server.Ui;
using Braid.Storage;
using Braid.Storage.Automations;
using Braid.Storage.Blobs;
using Braid.Server.Query;
using Braid.Server.Query.Rollups;
using Braid.Server.RateLimits;
using Braid.Storage.Events;
using Braid.Storage.Query;
using Braid.Storage.Objects;
using Braid.Storage.RateLimits;
using Braid.Storage.Rollups;
using Braid.Storage.Scoring;
using Braid.Storage.Summaries;
using Braid.Storage.Tenancy;
using Microsoft.Extensions.Options;

namespace Braid.Server.Hosting;

/// <summary>Service registration and the middleware order; nothing else.</summary>
public static class ServerSetup
{
    public const string DefaultUrl = "http://127.0.0.1:8000";

    public static WebApplicationBuilder AddServer(this WebApplicationBuilder builder, string[] args)
    {
        ServerOptions.AddShortForms(builder.Configuration, args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.Services.AddOptions<ServerOptions>().BindConfiguration(ServerOptions.Section)
            .Validate(static o => o.RateLimits is { IngestPerMinute: >= 0, QueryPerMinute: >= 0, ControlPlanePerMinute: >= 0, ProxyPerMinute: >= 0 },
                $"{ServerOptions.Section}:{nameof(ServerOptions.RateLimits)}: a limit is a number of requests per minute, or 0 for none")
            .Validate(static o => o.QueryTimeoutSeconds > 0, $"{ServerOptions.Section}:{nameof(ServerOptions.QueryTimeoutSeconds)}: must be a positive number of seconds")
            .Validate(static o => o.CodeTimeoutSeconds > 0, $"{ServerOptions.Section}:{nameof(ServerOptions.CodeTimeoutSeconds)}: must be a positive number of seconds")
            .Validate(static o => o.CodeMemoryBytes > 0, $"{ServerOptions.Section}:{nameof(ServerOptions.CodeMemoryBytes)}: must be a positive number of bytes")
            .Validate(static o => o.Automations is { DeliveryTimeoutSeconds: > 0, DeliveryRetrySeconds: >= 0 },
                $"{ServerOptions.Section}:{nameof(ServerOptions.Automations)}: DeliveryTimeoutSeconds must be positive and DeliveryRetrySeconds not negative")
            .ValidateOnStart();
        var maxBody = builder.Configuration.GetValue<long?>($"{ServerOptions.Section}:{nameof(ServerOptions.MaxRequestBodyBytes)}")
            ?? new ServerOptions().MaxRequestBodyBytes;
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = maxBody);

        builder.Services.AddSingleton(static services =>
        {
            var options = services.GetRequiredService<IOptions<ServerOptions>>().Value;
            return Database.Open(options.DataDirectory, options.DatabaseUrl);
        });
        builder.Services.AddSingleton<TenantStore>();
        builder.Services.AddSingleton<ObjectStore>();
        builder.Services.AddSingleton<AccessCache>();
        builder.Services.AddScoped<Access>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(static services => MasterKey.Load(services.GetRequiredService<IOptions<ServerOptions>>().Value));
        builder.Services.AddSingleton<UrlSigner>();
        builder.Services.AddSingleton<SecretCipher>();
        builder.Services.AddSingleton<AiSecretReader>();
        builder.Services.AddSingleton<Providers>();
        builder.Services.AddSingleton<ProviderClient>();
        builder.Services.AddSingleton<ProxyCache>();
        builder.Services.AddSingleton<ProxyCredentials>();
        builder.Services.AddSingleton<ChatClient>();
        builder.Services.AddSingleton<CodeSandbox>();
        builder.Services.AddScoped<FunctionResolver>();
        builder.Services.AddScoped<FunctionRunner>();
        builder.Services.AddSingleton(static services =>
        {
            var options = services.GetRequiredService<IOptions<ServerOptions>>().Value;
            return new BlobStore(options.BlobDirectory is { Length: > 0 } dir ? dir : Path.Combine(options.DataDirectory, "blobs"));
        });
        builder.Services.AddSingleton<AttachmentStore>();
        builder.Services.AddSingleton<OverflowSweep>();
        builder.Services.AddSingleton<EventStore>();
        builder.Services.AddSingleton<IngestQueue>();
        builder.Services.AddSingleton(static services => new QueryRunner(
            services.GetRequiredService<Database>(),
            TimeSpan.FromSeconds(services.GetRequiredService<IOptions<ServerOptions>>().Value.QueryTimeoutSeconds)));
        builder.Services.AddSingleton<LogRollupStore>();
        builder.Services.AddSingleton<RollupQueries>();
        builder.Services.AddSingleton<TraceSummaryStore>();
        builder.Services.AddHostedService<RollupRefresher>();
        builder.Services.AddSingleton<TokenBuckets>();
        builder.Services.AddSingleton<RateLimiter>();
        builder.Services.AddHostedService(static services => services.GetRequiredService<IngestQueue>());
        builder.Services.AddSingleton<OnlineScoringStore>();
        builder.Services.AddSingleton<OnlineScoring>();
        builder.Services.AddHostedService(static services => services.GetRequiredService<OnlineScoring>());
        builder.Services.AddSingleton<AutomationStore>();
        builder.Services.AddSingleton<AutomationScheduler>();
        builder.Services.AddHostedService(static services => services.GetRequiredService<AutomationScheduler>());
        builder.Services.AddScoped<Retention>();
        builder.Services.AddScoped<Exports>();
        builder.Services.AddScoped<AsyncQueries>();
        builder.Services.AddSingleton<LogFilter>();
        builder.Services.AddSingleton<WebhookSigning>();
        builder.Services.AddSingleton<AlertDelivery>();
        builder.Services.AddScoped<LogAlerts>();
        builder.Services.AddScoped<EnvironmentAlerts>();
        builder.Services.AddSingleton<UiAssets>();
        builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy => policy
            .AllowAnyOrigin()
            .AllowAnyHeader()
            .AllowAnyMethod()
            .WithExposedHeaders(ObjectsApi.FoundExistingHeader, "x-bt-cursor", "Retry-After",
                RateLimiter.LimitHeader, RateLimiter.RemainingHeader, RateLimiter.ResetHeader,
                ProxyCache.CachedHeader, ProxyApi.UsedEndpointHeader, ProxySpans.SpanIdHeader, "Age")));
        return builder;
    }

    public static WebApplication MapApi(this WebApplication app)
    {
        app.UseApiErrors();
        app.UseCors();
        app.UseRouting();
        app.UseApiKeys();
        app.UseRateLimits();

        // GET /v1 is the spec's unauthenticated hello endpoint.
        app.MapGet("/v1", static () => Results.Text("Hello, World!", "text/plain")).AllowAnonymous();
        app.MapObjectsApi();
        app.MapEnvironmentObjectsApi();
        app.MapAclApi();
        app.MapTenancyApi();
        app.MapEventsApi();
        app.MapBlobsApi();
        app.MapOtelApi();
        app.MapBtqlApi();
        app.MapSdkControlPlaneApi();
        app.MapLogs3Api();
        app.MapSdkDataPlaneApi();
        app.MapProxyApi();
        app.MapInvokeApi();
        app.MapEvalApi();
        app.MapAutomationsApi();
        app.MapUi();
        app.MapFallback(static (HttpContext http) =>
            ErrorHandling.WriteAsync(http, StatusCodes.Status404NotFound, $"no route for {http.Request.Method} {http.Request.Path}"))
            .AllowAnonymous();
        return app;
    }
}
