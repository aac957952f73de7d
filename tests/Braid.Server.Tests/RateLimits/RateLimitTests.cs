using System.Diagnostics;
using System.Globalization;
using System.Net;
using Braid.Server.Tests.Infrastructure;
using Braid.Storage.RateLimits;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Braid.Server.Tests.RateLimits;

/// <summary>
/// A server with small per-minute limits and a clock the tests move. Every test works in organizations of its own,
/// whose buckets start full; the clock only ever moves forward, which refills everyone's buckets alike.
/// </summary>
public sealed class SmallLimitsApp : IAsyncLifetime
{
    public const int Query = 3;
    public const int Ingest = 2;
    public const int ControlPlane = 10;
    public const int Proxy = 2;

    public ShiftedClock Clock { get; } = new();

    public BraidApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = new BraidApp()
            .With("Braid:RateLimits:QueryPerMinute", Query.ToString(CultureInfo.InvariantCulture))
            .With("Braid:RateLimits:IngestPerMinute", Ingest.ToString(CultureInfo.InvariantCulture))
            .With("Braid:RateLimits:ControlPlanePerMinute", ControlPlane.ToString(CultureInfo.InvariantCulture))
            .With("Braid:RateLimits:ProxyPerMinute", Proxy.ToString(CultureInfo.InvariantCulture))
            .WithServices(services => services.AddSingleton<TimeProvider>(Clock));
        await ((IAsyncLifetime)App).InitializeAsync();
    }

    public Task DisposeAsync() => ((IAsyncLifetime)App).DisposeAsync();
}

public sealed class RateLimitTests(SmallLimitsApp limited) : IClassFixture<SmallLimitsApp>
{
    private static Task<ApiResponse> BtqlAsync(ApiClient api, string project) =>
        api.PostAsync("/btql", new { query = $"SELECT id FROM project_logs('{project}')" });

    private static Task<ApiResponse> InsertAsync(ApiClient api, string project) =>
        api.PostAsync($"/v1/project_logs/{project}/insert", new { events = new[] { new { input = "x" } } });

    private static long Header(ApiResponse response, string name) =>
        long.Parse(response.Header(name) ?? throw new Xunit.Sdk.XunitException($"no {name} header on a {(int)response.Status}"), CultureInfo.InvariantCulture);

    private async Task<(ApiClient Api, string Project)> TenantAsync()
    {
        var api = await limited.App.NewTenantAsync();
        return (api, (string)(await api.CreateProjectAsync())["id"]!);
    }

    [Fact]
    public async Task ProxyCallsPastTheLimit_Get429_ThoughTheProxyAuthenticatesItself()
    {
        var (api, _) = await TenantAsync();
        var chat = new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = "hi" } } };

        // No ai_secret here, so the calls the limit lets through are refused by the proxy itself, after taking a token.
        for (var remaining = SmallLimitsApp.Proxy - 1; remaining >= 0; remaining--)
        {
            var passed = await api.PostAsync("/v1/proxy/chat/completions", chat);
            Assert.Equal(HttpStatusCode.BadRequest, passed.Status);
            Assert.Equal(remaining, Header(passed, "X-RateLimit-Remaining"));
        }

        var refused = (await api.PostAsync("/v1/proxy/chat/completions", chat)).AssertError(HttpStatusCode.TooManyRequests, "ProxyPerMinute");
        Assert.Contains(api.OrgName, refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueriesPastTheLimit_Get429_WithRetryAfter_RateLimitHeaders_AndTheLimitNamed()
    {
        var (api, project) = await TenantAsync();

        for (var remaining = SmallLimitsApp.Query - 1; remaining >= 0; remaining--)
        {
            var ok = (await BtqlAsync(api, project)).AssertOk();
            Assert.Equal(SmallLimitsApp.Query, Header(ok, "X-RateLimit-Limit"));
            Assert.Equal(remaining, Header(ok, "X-RateLimit-Remaining"));
            Assert.InRange(Header(ok, "X-RateLimit-Reset"), 1, 60);
        }

        var refused = (await BtqlAsync(api, project)).AssertError(HttpStatusCode.TooManyRequests, "QueryPerMinute");
        Assert.Contains($"{SmallLimitsApp.Query} query", refused.Error, StringComparison.Ordinal);
        Assert.Contains(api.OrgName, refused.Error, StringComparison.Ordinal);
        // 3 a minute refill one token every 20 s.
        Assert.InRange((long)refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 20);
        Assert.Equal(SmallLimitsApp.Query, Header(refused, "X-RateLimit-Limit"));
        Assert.Equal(0, Header(refused, "X-RateLimit-Remaining"));
        Assert.InRange(Header(refused, "X-RateLimit-Reset"), 41, 60);

        // Fetch is a query too, and a refused request does not run: the handler's 404 for a bad id never shows.
        (await api.GetAsync($"/v1/project_logs/{Guid.NewGuid()}/fetch")).AssertStatus(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task AnEmptyBucket_RefillsWithTime_ButNeverPastItsSize()
    {
        var (api, project) = await TenantAsync();
        for (var i = 0; i < SmallLimitsApp.Query; i++)
        {
            (await BtqlAsync(api, project)).AssertOk();
        }

        (await BtqlAsync(api, project)).AssertStatus(HttpStatusCode.TooManyRequests);

        limited.Clock.Advance(TimeSpan.FromSeconds(21));
        (await BtqlAsync(api, project)).AssertOk();
        (await BtqlAsync(api, project)).AssertStatus(HttpStatusCode.TooManyRequests);

        // An hour idle fills the bucket to its size, not to sixty minutes' worth.
        limited.Clock.Advance(TimeSpan.FromHours(1));
        var full = (await BtqlAsync(api, project)).AssertOk();
        Assert.Equal(SmallLimitsApp.Query - 1, Header(full, "X-RateLimit-Remaining"));
        for (var i = 1; i < SmallLimitsApp.Query; i++)
        {
            (await BtqlAsync(api, project)).AssertOk();
        }

        (await BtqlAsync(api, project)).AssertStatus(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task EachClassAndEachOrganization_HasABucketOfItsOwn()
    {
        var (api, project) = await TenantAsync();
        var (other, otherProject) = await TenantAsync();
        for (var i = 0; i < SmallLimitsApp.Query; i++)
        {
            (await BtqlAsync(api, project)).AssertOk();
        }

        (await BtqlAsync(api, project)).AssertStatus(HttpStatusCode.TooManyRequests);

        // Ingest and the control plane of the same organization still answer, as do another organization's queries.
        var inserted = (await InsertAsync(api, project)).AssertOk();
        Assert.Equal(SmallLimitsApp.Ingest, Header(inserted, "X-RateLimit-Limit"));
        var listed = (await api.GetAsync("/v1/project")).AssertOk();
        Assert.Equal(SmallLimitsApp.ControlPlane, Header(listed, "X-RateLimit-Limit"));
        (await BtqlAsync(other, otherProject)).AssertOk();

        // Ingest runs out on its own limit, and OTLP counts against it too.
        (await InsertAsync(api, project)).AssertOk();
        (await InsertAsync(api, project)).AssertError(HttpStatusCode.TooManyRequests, "IngestPerMinute");
        (await api.PostAsync("/otel/v1/traces", new { resourceSpans = Array.Empty<object>() }))
            .AssertError(HttpStatusCode.TooManyRequests, "IngestPerMinute");
        (await InsertAsync(other, otherProject)).AssertOk();
    }

    [Fact]
    public async Task ControlPlaneEndpoints_ShareTheControlPlaneLimit()
    {
        var (api, _) = await TenantAsync();
        // Creating the project took one token.
        for (var i = 1; i < SmallLimitsApp.ControlPlane; i++)
        {
            (await (i % 2 == 0 ? api.GetAsync("/v1/project") : api.GetAsync("/v1/user"))).AssertOk();
        }

        (await api.GetAsync("/v1/experiment")).AssertError(HttpStatusCode.TooManyRequests, "ControlPlanePerMinute");

        // Anonymous endpoints have no organization to count against.
        (await limited.App.Anonymous().GetAsync("/v1")).AssertOk();
    }

    [Fact]
    public async Task TwoNodesOverOnePostgres_TakeFromOneBucket()
    {
        if (!TestStore.IsPostgres)
        {
            // On SQLite one process owns the file and keeps the buckets in memory; there is no second node to share with.
            return;
        }

        var first = new BraidApp().With("Braid:RateLimits:QueryPerMinute", SmallLimitsApp.Query.ToString(CultureInfo.InvariantCulture));
        await ((IAsyncLifetime)first).InitializeAsync();
        _ = first.Server;
        var second = first.Reopen();
        try
        {
            var api = await first.NewTenantAsync();
            var project = (string)(await api.CreateProjectAsync())["id"]!;
            var sameOrgOnSecond = new ApiClient(second.CreateClient(), api.Key);

            (await BtqlAsync(api, project)).AssertOk();
            var fromSecond = (await BtqlAsync(sameOrgOnSecond, project)).AssertOk();
            Assert.Equal(SmallLimitsApp.Query - 2, Header(fromSecond, "X-RateLimit-Remaining"));
            (await BtqlAsync(api, project)).AssertOk();
            (await BtqlAsync(sameOrgOnSecond, project)).AssertError(HttpStatusCode.TooManyRequests, "QueryPerMinute");
            (await BtqlAsync(api, project)).AssertStatus(HttpStatusCode.TooManyRequests);
        }
        finally
        {
            await ((IAsyncLifetime)first).DisposeAsync();
            await ((IAsyncLifetime)second).DisposeAsync();
        }
    }

    [Fact]
    public async Task TwoNodesLeasingFromALargeBucket_TogetherStayWithinItsSizeGivenOrTakenTheirLeases()
    {
        if (!TestStore.IsPostgres)
        {
            return;
        }

        // Big enough that each node takes its tokens from the shared row in leases of several.
        const int limit = 400;
        var lease = TokenBuckets.LeaseSize(limit);
        Assert.True(lease > 1);
        var first = new BraidApp().With("Braid:RateLimits:ControlPlanePerMinute", limit.ToString(CultureInfo.InvariantCulture));
        await ((IAsyncLifetime)first).InitializeAsync();
        _ = first.Server;
        var second = first.Reopen();
        try
        {
            var api = await first.NewTenantAsync();
            var nodes = new[] { api, new ApiClient(second.CreateClient(), api.Key) };
            var started = Stopwatch.GetTimestamp();

            // A node's remaining count is exact while it alone spends the bucket.
            Assert.Equal(limit - 1, Header((await api.GetAsync("/v1/project")).AssertOk(), "X-RateLimit-Remaining"));
            Assert.InRange(Header((await api.GetAsync("/v1/project")).AssertOk(), "X-RateLimit-Remaining"), limit - 3, limit - 2);

            var granted = 2;
            var refusedInARow = 0;
            for (var i = 0; refusedInARow < nodes.Length; i++)
            {
                var response = await nodes[i % nodes.Length].GetAsync("/v1/project");
                if (response.Status == HttpStatusCode.TooManyRequests)
                {
                    refusedInARow++;
                    Assert.NotNull(response.Headers.RetryAfter);
                    continue;
                }

                response.AssertOk();
                granted++;
                refusedInARow = 0;
            }

            var refilled = Stopwatch.GetElapsedTime(started).TotalMinutes * limit;
            var slack = nodes.Length * (lease - 1);
            Assert.InRange(granted, limit - slack, limit + slack + (int)Math.Ceiling(refilled));
        }
        finally
        {
            await ((IAsyncLifetime)first).DisposeAsync();
            await ((IAsyncLifetime)second).DisposeAsync();
        }
    }

    [Fact]
    public async Task ANegativeLimit_StopsTheServerFromStarting()
    {
        var app = new BraidApp().With("Braid:RateLimits:IngestPerMinute", "-5");
        await ((IAsyncLifetime)app).InitializeAsync();
        try
        {
            var error = Assert.Throws<OptionsValidationException>(() => app.Server);
            Assert.Contains("RateLimits", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await ((IAsyncLifetime)app).DisposeAsync();
        }
    }
}
