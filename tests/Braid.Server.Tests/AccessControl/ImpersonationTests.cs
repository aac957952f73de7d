using System.Net;
using Braid.Server.Tests.Infrastructure;
using Braid.Server.Tests.Tenancy;
using Braid.Storage.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.AccessControl;

public sealed class ImpersonationTests(BraidApp app) : IClassFixture<BraidApp>
{
    private const string Header = "x-bt-impersonate-user";

    [Fact]
    public async Task Owner_ImpersonatesAMember_ByIdOrEmail_AndGetsOnlyTheMembersPermissions()
    {
        var owner = await app.NewTenantAsync();
        var member = await app.AddMemberAsync(owner);
        var project = (string)(await owner.CreateProjectAsync())["id"]!;
        var readable = (string)(await owner.CreateProjectAsync())["id"]!;
        await owner.GrantAsync(new { object_type = "project", object_id = readable, user_id = member.UserId(), permission = "read" });

        foreach (var who in new[] { member.UserId(), member.Key!.User.Email })
        {
            var me = (await As(owner, "/api/self/me", who)).AssertOk();
            Assert.Equal(member.UserId(), (string)me.Json["id"]!);
            (await As(owner, $"/v1/project/{project}", who)).AssertError(HttpStatusCode.Forbidden, "read");
            (await As(owner, $"/v1/project/{readable}", who)).AssertOk();
        }
    }

    [Fact]
    public async Task Impersonation_IsRefused_WithoutTheOwnerRoleOnEveryOrganizationOfTheUser()
    {
        var owner = await app.NewTenantAsync();
        var engineer = await app.MemberAsync(owner, "Engineers");
        var member = await app.AddMemberAsync(owner);

        // An Engineer is no Owner; nobody may impersonate a user they do not know.
        (await As(engineer, "/v1/project", member.UserId())).AssertError(HttpStatusCode.Forbidden, Header);
        (await As(owner, "/v1/project", Guid.NewGuid().ToString())).AssertError(HttpStatusCode.Forbidden, Header);
        (await As(owner, "/v1/project", "nobody@example.com")).AssertError(HttpStatusCode.Forbidden, Header);

        // The member also belongs to an organization where the owner is nobody: refused, until granted Owner there too.
        var elsewhere = await app.NewTenantAsync();
        var tenants = app.Services.GetRequiredService<TenantStore>();
        await tenants.CreateApiKeyAsync(elsewhere.OrgName, member.Key!.User.Email, "k");
        (await As(owner, "/v1/project", member.UserId())).AssertError(HttpStatusCode.Forbidden, Header);

        await tenants.CreateApiKeyAsync(elsewhere.OrgName, owner.Key!.User.Email, "k");
        var ownerRole = (string)(await elsewhere.GetAsync("/v1/role?role_name=Owner")).AssertOk().Objects.Single()["id"]!;
        await elsewhere.GrantAsync(new { object_type = "organization", object_id = elsewhere.OrgId, user_id = owner.UserId(), role_id = ownerRole });
        (await As(owner, "/v1/project", member.UserId())).AssertOk();
    }

    private static Task<ApiResponse> As(ApiClient caller, string path, string user) =>
        caller.SendAsync(HttpMethod.Get, path, (string?)null, new Dictionary<string, string> { [Header] = user });
}
