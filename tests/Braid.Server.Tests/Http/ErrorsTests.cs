using System.Net;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Http;

public sealed class ErrorsTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Theory]
    [InlineData("GET", "/v1/nothing-here")]
    [InlineData("POST", "/v2/project")]
    [InlineData("GET", "/nothing-here")]
    [InlineData("POST", "/")]
    public async Task UnknownRoute_Is404WithJsonError(string method, string path)
    {
        var api = await app.NewTenantAsync();
        (await api.SendAsync(new HttpMethod(method), path)).AssertError(HttpStatusCode.NotFound, path);
    }

    [Fact]
    public async Task DeeplyNestedJson_Is400NotACrash()
    {
        var api = await app.NewTenantAsync();
        var body = "{\"name\":\"x\",\"description\":" + new string('[', 5000) + new string(']', 5000) + "}";
        (await api.SendAsync(HttpMethod.Post, "/v1/project", body)).AssertError(HttpStatusCode.BadRequest, "JSON");
    }

    [Fact]
    public async Task ErrorMessages_AreJsonWithUnescapedText()
    {
        var api = await app.NewTenantAsync();
        var response = (await api.GetAsync("/v1/project/<b>")).AssertStatus(HttpStatusCode.BadRequest);
        Assert.Contains("'<b>'", response.Body, StringComparison.Ordinal);
    }
}

public sealed class SmallBodyLimitApp() : IAsyncLifetime
{
    public BraidApp App { get; } = new BraidApp().With("Braid:MaxRequestBodyBytes", "1024");

    public Task InitializeAsync() => ((IAsyncLifetime)App).InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)App).DisposeAsync();
}

public sealed class BodyLimitTests(SmallBodyLimitApp fixture) : IClassFixture<SmallBodyLimitApp>
{
    [Fact]
    public async Task BodyOverTheConfiguredLimit_Is413_AndNothingIsCreated()
    {
        var api = await fixture.App.NewTenantAsync();
        var big = ApiClient.Serialize(new { name = "big", description = new string('x', 2000) });
        (await api.SendAsync(HttpMethod.Post, "/v1/project", big)).AssertError(HttpStatusCode.RequestEntityTooLarge, "1024");
        Assert.Empty((await api.GetAsync("/v1/project")).AssertOk().Objects);
        (await api.PostAsync("/v1/project", new { name = "small" })).AssertOk();
    }
}
