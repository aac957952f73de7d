using System.Net;
using Braid.Server.Proxy;
using Braid.Server.Tests.Infrastructure;
using Braid.Storage.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Proxy;

public sealed class ProxyCacheTests(ProxyFixture fixture) : IClassFixture<ProxyFixture>
{
    private int Calls(string text) => fixture.Provider.Requests.Count(r => r.Body.Contains(text, StringComparison.Ordinal));

    private static object Chat(string text, double? temperature = 0, bool stream = false) =>
        temperature is null
            ? new { model = "gpt-4o-mini", stream, messages = new[] { new { role = "user", content = text } } }
            : new { model = "gpt-4o-mini", stream, temperature, messages = new[] { new { role = "user", content = text } } };

    [Fact]
    public async Task DeterministicRequest_IsAnsweredFromTheCacheTheSecondTime()
    {
        var tenant = await fixture.NewTenantAsync();
        var text = ApiClient.Unique("cache");

        var first = (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(text))).AssertOk();
        var second = (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(text))).AssertOk();

        Assert.Equal("MISS", first.Header("x-bt-cached"));
        Assert.Equal("HIT", second.Header("x-bt-cached"));
        Assert.Equal(first.Body, second.Body);
        Assert.Equal("0", second.Header("Age"));
        Assert.Equal(1, Calls(text));
    }

    [Fact]
    public async Task AutoMode_WithoutTemperatureZeroOrSeed_DoesNotCache_ButASeedDoes()
    {
        var tenant = await fixture.NewTenantAsync();
        var text = ApiClient.Unique("nocache");
        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(text, temperature: null))).AssertOk();
        var again = (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(text, temperature: null))).AssertOk();
        Assert.Null(again.Header("x-bt-cached"));
        Assert.Equal(2, Calls(text));

        var seeded = new { model = "gpt-4o-mini", seed = 7, messages = new[] { new { role = "user", content = text + "-seed" } } };
        (await tenant.PostAsync("/v1/proxy/chat/completions", seeded)).AssertOk();
        Assert.Equal("HIT", (await tenant.PostAsync("/v1/proxy/chat/completions", seeded)).AssertOk().Header("x-bt-cached"));
    }

    [Fact]
    public async Task AlwaysMode_CachesAnyRequest_AndNeverModeNone()
    {
        var tenant = await fixture.NewTenantAsync();
        var always = new Dictionary<string, string> { ["x-bt-use-cache"] = "always" };
        var text = ApiClient.Unique("always");
        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(text, temperature: 1), always)).AssertOk();
        Assert.Equal("HIT", (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(text, temperature: 1), always)).AssertOk().Header("x-bt-cached"));

        var never = new Dictionary<string, string> { ["x-bt-use-cache"] = "never" };
        var other = ApiClient.Unique("never");
        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(other), never)).AssertOk();
        var second = (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(other), never)).AssertOk();
        Assert.Null(second.Header("x-bt-cached"));
        Assert.Equal(2, Calls(other));
    }

    [Fact]
    public async Task CacheControl_NoCacheRefreshes_NoStoreKeepsNothing_MaxAgeRefusesOldEntries()
    {
        var tenant = await fixture.NewTenantAsync();
        var text = ApiClient.Unique("control");
        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(text))).AssertOk();
        var refreshed = (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(text), new Dictionary<string, string> { ["Cache-Control"] = "no-cache" })).AssertOk();
        Assert.Equal("MISS", refreshed.Header("x-bt-cached"));
        Assert.Equal(2, Calls(text));

        var unstored = ApiClient.Unique("nostore");
        var noStore = new Dictionary<string, string> { ["Cache-Control"] = "no-store" };
        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(unstored), noStore)).AssertOk();
        Assert.Equal("MISS", (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(unstored))).AssertOk().Header("x-bt-cached"));

        fixture.Clock.Advance(TimeSpan.FromSeconds(30));
        var young = (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(text), new Dictionary<string, string> { ["Cache-Control"] = "max-age=3600" })).AssertOk();
        Assert.Equal("HIT", young.Header("x-bt-cached"));
        Assert.True(int.Parse(young.Header("Age")!) >= 30, young.Header("Age"));
        var tooOld = (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(text), new Dictionary<string, string> { ["Cache-Control"] = "max-age=10" })).AssertOk();
        Assert.Equal("MISS", tooOld.Header("x-bt-cached"));
    }

    [Fact]
    public async Task Entry_ExpiresAfterItsTtl()
    {
        var tenant = await fixture.NewTenantAsync();
        var text = ApiClient.Unique("ttl");
        var ttl = new Dictionary<string, string> { ["x-bt-cache-ttl"] = "60" };
        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(text), ttl)).AssertOk();
        Assert.Equal("HIT", (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(text))).AssertOk().Header("x-bt-cached"));

        fixture.Clock.Advance(TimeSpan.FromSeconds(61));

        Assert.Equal("MISS", (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(text))).AssertOk().Header("x-bt-cached"));
        Assert.Equal(2, Calls(text));
    }

    [Fact]
    public async Task DefaultTtl_IsSevenDays()
    {
        var tenant = await fixture.NewTenantAsync();
        var text = ApiClient.Unique("week");
        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(text))).AssertOk();
        fixture.Clock.Advance(TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1));
        Assert.Equal("HIT", (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(text))).AssertOk().Header("x-bt-cached"));
        fixture.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("MISS", (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(text))).AssertOk().Header("x-bt-cached"));
    }

    [Fact]
    public async Task Entries_AreScopedToTheApiKey()
    {
        var tenant = await fixture.NewTenantAsync();
        var text = ApiClient.Unique("scoped");
        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(text))).AssertOk();

        var otherKey = await tenant.OtherKeyAsync();
        var other = (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(text), bearer: otherKey.Key)).AssertOk();
        Assert.Equal("MISS", other.Header("x-bt-cached"));
        var otherOrg = await fixture.NewTenantAsync();
        Assert.Equal("MISS", (await otherOrg.PostAsync("/v1/proxy/chat/completions", Chat(text))).AssertOk().Header("x-bt-cached"));
        Assert.Equal(3, Calls(text));
    }

    [Fact]
    public async Task Entries_AreScopedToTheOrganizationTheKeyActsIn()
    {
        var tenant = await fixture.NewTenantAsync();
        var other = await fixture.NewTenantAsync();
        await fixture.App.Services.GetRequiredService<TenantStore>().CreateApiKeyAsync(other.Api.OrgName, tenant.Api.Key!.User.Email, "join");
        var text = ApiClient.Unique("orgs");
        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(text))).AssertOk();

        var inOther = (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(text), new Dictionary<string, string> { ["x-bt-org-name"] = other.Api.OrgName })).AssertOk();

        Assert.Equal("MISS", inOther.Header("x-bt-cached"));
        Assert.Equal("Bearer " + other.OpenAIKey, fixture.Provider.Last("/v1/chat/completions").Headers["authorization"]);
    }

    [Fact]
    public async Task StreamedAnswer_IsCachedAndReplayedAsTheSameEvents()
    {
        var tenant = await fixture.NewTenantAsync();
        var text = ApiClient.Unique("streamcache");
        var first = (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(text, stream: true))).AssertOk();
        var second = (await tenant.PostAsync("/v1/proxy/chat/completions", Chat(text, stream: true))).AssertOk();

        Assert.Equal("HIT", second.Header("x-bt-cached"));
        Assert.Equal("text/event-stream", second.ContentType);
        Assert.Equal(first.Body, second.Body);
        Assert.Equal(FakeProvider.Reply(text), second.StreamedText);
    }

    [Fact]
    public async Task ConvertedAnswer_FromAnthropic_IsCachedToo()
    {
        var tenant = await fixture.NewTenantAsync();
        var text = ApiClient.Unique("claudecache");
        var body = new { model = "claude-3-5-haiku-latest", temperature = 0, messages = new[] { new { role = "user", content = text } } };
        var first = (await tenant.PostAsync("/v1/proxy/chat/completions", body)).AssertOk();
        var second = (await tenant.PostAsync("/v1/proxy/chat/completions", body)).AssertOk();
        Assert.Equal("HIT", second.Header("x-bt-cached"));
        Assert.Equal(first.Body, second.Body);
    }

    [Fact]
    public async Task Embeddings_AreCachedWithoutAsking()
    {
        var tenant = await fixture.NewTenantAsync();
        var text = ApiClient.Unique("embed");
        (await tenant.PostAsync("/v1/proxy/embeddings", new { model = "text-embedding-3-small", input = text })).AssertOk();
        Assert.Equal("HIT", (await tenant.PostAsync("/v1/proxy/embeddings", new { model = "text-embedding-3-small", input = text })).AssertOk().Header("x-bt-cached"));
    }

    [Fact]
    public async Task ProviderError_IsNotCached()
    {
        var tenant = await fixture.NewTenantAsync();
        var failing = Chat("fail:429");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await tenant.PostAsync("/v1/proxy/chat/completions", failing)).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await tenant.PostAsync("/v1/proxy/chat/completions", failing)).Status);
    }

    [Theory]
    [InlineData("x-bt-use-cache", "sometimes", "cache mode")]
    [InlineData("x-bt-cache-ttl", "0", "x-bt-cache-ttl")]
    [InlineData("x-bt-cache-ttl", "604801", "7 days")]
    [InlineData("x-bt-cache-ttl", "soon", "x-bt-cache-ttl")]
    public async Task BadCacheHeader_IsA400NamingIt(string header, string value, string mentions)
    {
        var tenant = await fixture.NewTenantAsync();
        (await tenant.PostAsync("/v1/proxy/chat/completions", Chat("x"), new Dictionary<string, string> { [header] = value }))
            .AssertError(HttpStatusCode.BadRequest, mentions);
    }

    [Fact]
    public void SealedEntry_OpensOnlyUnderItsKeyAndName()
    {
        var key = new byte[32];
        var entry = new CachedResponse(200, "application/json", "{\"a\":1}"u8.ToArray(), DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        var sealedBytes = ProxyCache.Seal(key, "name", entry, entry.Created.AddDays(1));

        Assert.Equal("{\"a\":1}"u8.ToArray(), ProxyCache.Open(key, "name", sealedBytes)!.Value.Response.Body);
        Assert.Null(ProxyCache.Open(key, "other", sealedBytes));
        var otherKey = new byte[32];
        otherKey[0] = 1;
        Assert.Null(ProxyCache.Open(otherKey, "name", sealedBytes));
    }

    [Fact]
    public void V1Entry_StillOpens()
    {
        // Persisted format guard: an entry sealed by the first version (key 32 zero bytes, name "pinned").
        var pinned = Convert.FromBase64String(V1Entry);
        var (response, expires) = ProxyCache.Open(new byte[32], "pinned", pinned)!.Value;
        Assert.Equal(200, response.Status);
        Assert.Equal("text/event-stream", response.ContentType);
        Assert.Equal("data: [DONE]\n\n"u8.ToArray(), response.Body);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), response.Created);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_086_400), expires);
    }

    // Sealed independently (Python cryptography AESGCM, nonce 00..0b), so the test checks the format, not this code against itself.
    private const string V1Entry =
        "QlBDMQABAgMEBQYHCAkKC/PpUCBlnPucplpo1Moz7jxkXJiqj62/xuPpgXP9XH0Kn9WGlHtXAcwA5vm6no1+MhjW5I6G+fitjsNvcyKmkcXvWp62/TRF2D+rzLfLeshSB4HIZdhgujQaodsfSb/sNNwK30Cg0iTxROBQeaBpfDC7pO3X3Rkr2gMIcDEc9Q1q";
}
