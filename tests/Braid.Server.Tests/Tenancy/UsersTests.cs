using System.Net;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Tenancy;

public sealed class UsersTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task List_ShowsTheMembersOfTheCallersOrganizationOnly()
    {
        var api = await app.NewTenantAsync();
        var member = await app.AddMemberAsync(api);
        var stranger = await app.NewTenantAsync();

        var users = (await api.GetAsync("/v1/user")).AssertOk().Objects;
        Assert.Equal([member.UserId(), api.UserId()], users.Select(u => (string)u["id"]!));
        Assert.Equal(api.Key!.User.Email, (string)users[1]["email"]!);
        Assert.Empty((await api.GetAsync($"/v1/user?ids={stranger.UserId()}")).AssertOk().Objects);
        Assert.Single((await stranger.GetAsync("/v1/user")).AssertOk().Objects);
    }

    [Fact]
    public async Task List_FiltersByEmailAndNames_RepeatedOrCommaJoined_AndPages()
    {
        var api = await app.NewTenantAsync();
        var a = await app.AddMemberAsync(api);
        var b = await app.AddMemberAsync(api);
        var emails = new[] { a.Key!.User.Email, b.Key!.User.Email };

        Assert.Equal(2, (await api.GetAsync($"/v1/user?email={emails[0]},{emails[1]}")).AssertOk().Objects.Count);
        Assert.Equal(2, (await api.GetAsync($"/v1/user?email={emails[0]}&email={emails[1]}")).AssertOk().Objects.Count);
        Assert.Equal(a.UserId(), (string)(await api.GetAsync($"/v1/user?email={emails[0]}")).AssertOk().Objects.Single()["id"]!);
        Assert.Empty((await api.GetAsync("/v1/user?given_name=Nobody")).AssertOk().Objects);
        Assert.Empty((await api.GetAsync("/v1/user?family_name=Nobody")).AssertOk().Objects);

        var all = (await api.GetAsync("/v1/user")).AssertOk().Objects.Select(u => (string)u["id"]!).ToList();
        var first = (await api.GetAsync("/v1/user?limit=2")).AssertOk().Objects.Select(u => (string)u["id"]!).ToList();
        var rest = (await api.GetAsync($"/v1/user?limit=2&starting_after={first[^1]}")).AssertOk().Objects.Select(u => (string)u["id"]!);
        Assert.Equal(all, first.Concat(rest));
        Assert.Equal(all[..2], (await api.GetAsync($"/v1/user?ending_before={all[2]}")).AssertOk().Objects.Select(u => (string)u["id"]!));
        Assert.Empty((await api.GetAsync($"/v1/user?starting_after={all[^1]}")).AssertOk().Objects);
        (await api.GetAsync($"/v1/user?starting_after={all[0]}&ending_before={all[1]}")).AssertError(HttpStatusCode.BadRequest, "starting_after");
        (await api.GetAsync("/v1/user?limit=-1")).AssertError(HttpStatusCode.BadRequest, "limit");
        (await api.GetAsync("/v1/user?ids=x")).AssertError(HttpStatusCode.BadRequest, "ids");
    }

    [Fact]
    public async Task Get_IsAMemberOfTheCallersOrganization_OrA404()
    {
        var api = await app.NewTenantAsync();
        var stranger = await app.NewTenantAsync();

        var me = (await api.GetAsync($"/v1/user/{api.UserId()}")).AssertOk();
        Assert.Equal(api.Key!.User.Email, (string)me.Json["email"]!);
        (await api.GetAsync($"/v1/user/{stranger.UserId()}")).AssertStatus(HttpStatusCode.NotFound);
        (await api.GetAsync("/v1/user/me")).AssertError(HttpStatusCode.BadRequest, "user_id");
    }
}
