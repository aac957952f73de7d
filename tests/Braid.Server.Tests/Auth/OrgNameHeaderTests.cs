using System.Net;
using Braid.Server.Tests.Infrastructure;
using Braid.Storage.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Auth;

public sealed class OrgNameHeaderTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task XBtOrgName_MakesAKeyActInAnotherOrganizationOfItsUser_AndAStrangersIsA403()
    {
        var home = await app.NewTenantAsync();
        var otherName = "org-" + Guid.NewGuid().ToString("N")[..12];
        var other = new ApiClient(app.CreateClient(),
            await app.Services.GetRequiredService<TenantStore>().CreateApiKeyAsync(otherName, home.Key!.User.Email, "second"));
        var project = (string)(await other.CreateProjectAsync())["id"]!;
        await other.InsertAsync($"project_logs/{project}", new { id = "there" });
        var inOther = new Dictionary<string, string> { ["x-bt-org-name"] = otherName };
        var query = ApiClient.Serialize(new { query = $"select: id | from: project_logs('{project}')" });

        // Without the header the home key acts in its own organization, where the project does not exist.
        (await home.SendAsync(HttpMethod.Post, "/btql", query)).AssertStatus(HttpStatusCode.NotFound);
        var rows = (await home.SendAsync(HttpMethod.Post, "/btql", query, inOther)).AssertOk().Json["data"]!.AsArray();
        Assert.Equal("there", (string)rows.Single()!["id"]!);
        Assert.Equal(project, (string)(await home.SendAsync(HttpMethod.Get, $"/v1/project/{project}", (string?)null, inOther)).AssertOk().Json["id"]!);

        var stranger = await app.NewTenantAsync();
        (await home.SendAsync(HttpMethod.Post, "/btql", query, new Dictionary<string, string> { ["x-bt-org-name"] = stranger.OrgName }))
            .AssertError(HttpStatusCode.Forbidden, "x-bt-org-name");
    }
}
