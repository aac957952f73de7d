using Braid.Server.Tests.Infrastructure;
using Braid.Storage.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Hosting;

public sealed class RestartTests : IAsyncLifetime
{
    private readonly BraidApp _first = new();

    public Task InitializeAsync() => ((IAsyncLifetime)_first).InitializeAsync();

    // Idempotent: the restart test has already handed the store to its second server.
    public Task DisposeAsync() => ((IAsyncLifetime)_first).DisposeAsync();

    [Fact]
    public async Task Restart_KeepsObjectsKeysAndTheBootstrapOrganization()
    {
        var api = await _first.NewTenantAsync();
        var project = (string)(await api.CreateProjectAsync("kept"))["id"]!;
        var experiment = (string)(await api.CreateExperimentAsync(project, new { name = "e", metadata = new { a = 1 } }))["id"]!;
        (await api.PatchAsync($"/v1/project/{project}", new { description = "patched" })).AssertOk();
        var keyFile = Path.Combine(_first.DataDirectory, "initial-api-key");
        var bootstrapKey = File.ReadAllText(keyFile).Trim();

        var second = _first.Reopen();
        await ((IAsyncLifetime)_first).DisposeAsync();
        try
        {
            var again = new ApiClient(second.CreateClient(), api.Key);
            Assert.Equal("patched", (string)(await again.GetAsync($"/v1/project/{project}")).AssertOk().Json["description"]!);
            Assert.Equal(1, (int)(await again.GetAsync($"/v1/experiment/{experiment}")).AssertOk().Json["metadata"]!["a"]!);

            // The first start bootstrapped once; a restart neither re-bootstraps nor rewrites the key file.
            Assert.Equal(bootstrapKey, File.ReadAllText(keyFile).Trim());
            (await second.Anonymous(bootstrapKey).GetAsync("/v1/project")).AssertOk();
            Assert.NotNull(await second.Services.GetRequiredService<TenantStore>().FindOrganizationAsync("braid"));
        }
        finally
        {
            await ((IAsyncLifetime)second).DisposeAsync();
        }
    }

    [Fact]
    public void InitialKeyFile_IsReadableByTheOwnerOnly()
    {
        _ = _first.Server;
        var keyFile = Path.Combine(_first.DataDirectory, "initial-api-key");
        Assert.StartsWith("sk-", File.ReadAllText(keyFile), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }
    }
}
