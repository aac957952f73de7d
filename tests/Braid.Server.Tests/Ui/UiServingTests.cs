using System.Net;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Ui;

/// <summary>The web UI's files come out of the executable itself; the browser tests in tests/ui drive the pages.</summary>
public sealed class UiServingTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Theory]
    [InlineData("/")]
    [InlineData("/app")]
    [InlineData("/app/projects/0f2b/logs/root-span")]
    public async Task RootAndClientRoutes_AnswerTheUiPage_ThatMayLoadOnlyFromBraid(string path)
    {
        using var response = await app.CreateClient().GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("<script type=\"module\" src=\"/ui/main.js\">", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThePage_PreloadsEveryModule_SoTheBrowserFetchesThemAtOnce()
    {
        var page = await app.CreateClient().GetStringAsync("/app/");

        Assert.Contains("<link rel=\"modulepreload\" href=\"/ui/pages/logs.js\">", page, StringComparison.Ordinal);
        Assert.Contains("<link rel=\"modulepreload\" href=\"/ui/components/json-view.js\">", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<!-- modulepreload -->", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/ui/main.js", "text/javascript")]
    [InlineData("/ui/pages/logs.js", "text/javascript")]
    [InlineData("/ui/app.css", "text/css")]
    public async Task Assets_AreServedWithTheirTypes_AndRevalidatedByETag(string path, string type)
    {
        var client = app.CreateClient();
        using var first = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(type, first.Content.Headers.ContentType?.MediaType);

        using var again = new HttpRequestMessage(HttpMethod.Get, path);
        again.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var second = await client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
    }

    [Theory]
    [InlineData("/ui/missing.js")]
    [InlineData("/ui/../Braid.Server.dll")]
    public async Task MissingAssets_GetTheApisJson404(string path) =>
        (await app.Anonymous().GetAsync(path)).AssertError(HttpStatusCode.NotFound, "no route for GET");
}
