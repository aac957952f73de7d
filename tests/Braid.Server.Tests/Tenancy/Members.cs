using Braid.Server.Tests.Infrastructure;
using Braid.Storage.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Tenancy;

/// <summary>Second members of a test's organization, each with a key of their own.</summary>
public static class Members
{
    public static async Task<ApiClient> AddMemberAsync(this BraidApp app, ApiClient owner, string? email = null)
    {
        var tenants = app.Services.GetRequiredService<TenantStore>();
        var key = await tenants.CreateApiKeyAsync(owner.OrgName, email ?? $"member-{Guid.NewGuid():N}@example.com", "member key");
        return new ApiClient(app.CreateClient(), key);
    }

    public static string UserId(this ApiClient api) => api.Key!.User.Id;
}
