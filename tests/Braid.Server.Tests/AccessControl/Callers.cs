using Braid.Server.Tests.Infrastructure;
using Braid.Server.Tests.Tenancy;

namespace Braid.Server.Tests.AccessControl;

/// <summary>The callers access tests act as: members in a built-in group or none, and service accounts with a token.</summary>
public static class Callers
{
    /// <summary>A new member of the owner's organization, put in the built-in group of that name (none: no group).</summary>
    public static async Task<ApiClient> MemberAsync(this BraidApp app, ApiClient owner, string? group = null)
    {
        var member = await app.AddMemberAsync(owner);
        if (group is not null)
        {
            await owner.AddToGroupAsync(group, member.UserId());
        }

        return member;
    }

    /// <summary>A new service account of the owner's organization in the group, with a client using its service token.</summary>
    public static async Task<ApiClient> ServiceTokenAsync(this BraidApp app, ApiClient owner, string group)
    {
        var added = (await owner.PatchAsync("/v1/organization/members", new
        {
            invite_users = new { service_accounts = new[] { new { name = ApiClient.Unique("bot"), token_name = "ci" } } },
        })).AssertOk().Json["added_users"]![0]!;
        await owner.AddToGroupAsync(group, (string)added["id"]!);
        return app.Anonymous((string)added["api_key"]!);
    }

    public static async Task<string> GroupIdAsync(this ApiClient owner, string name) =>
        (string)(await owner.GetAsync($"/v1/group?group_name={name}")).AssertOk().Objects.Single()["id"]!;

    public static async Task AddToGroupAsync(this ApiClient owner, string group, string userId) =>
        (await owner.PatchAsync($"/v1/group/{await owner.GroupIdAsync(group)}", new { add_member_users = new[] { userId } })).AssertOk();

    /// <summary>Grants through POST /v1/acl; returns the ACL's id.</summary>
    public static async Task<string> GrantAsync(this ApiClient owner, object acl) => (await owner.PostAsync("/v1/acl", acl)).AssertOk().Id;
}
