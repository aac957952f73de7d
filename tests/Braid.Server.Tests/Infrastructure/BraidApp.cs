using Braid.Storage.Tenancy;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Infrastructure;

/// <summary>
/// A whole Braid server in process over a fresh store of the suite's kind. Used as a class fixture; tests
/// stay independent by working in organizations of their own (<see cref="NewTenantAsync"/>).
/// </summary>
public sealed class BraidApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    // The automation scheduler is off unless a test turns it on: suites create automations with made-up webhook URLs
    // and export paths, which a background run would try to reach.
    private readonly Dictionary<string, string?> _settings = new() { ["Braid:Automations:TickSeconds"] = "0" };
    private readonly List<Action<IServiceCollection>> _services = [];
    private bool _ownsStore = true;

    public string DataDirectory { get; private set; } = Path.Combine(Path.GetTempPath(), "braid-test-" + Guid.NewGuid().ToString("N"));

    public string? DatabaseUrl { get; private set; }

    /// <summary>Extra configuration (e.g. <c>Braid:MaxRequestBodyBytes</c>), set before the first request.</summary>
    public BraidApp With(string key, string value)
    {
        _settings[key] = value;
        return this;
    }

    /// <summary>Replaces services (e.g. the <see cref="TimeProvider"/> with a <see cref="ShiftedClock"/>), before the first request.</summary>
    public BraidApp WithServices(Action<IServiceCollection> configure)
    {
        _services.Add(configure);
        return this;
    }

    public async Task InitializeAsync() => DatabaseUrl = await TestStore.CreateDatabaseAsync();

    /// <summary>A second server over the same store, as after a restart; the store is deleted with the last one.</summary>
    public BraidApp Reopen()
    {
        _ownsStore = false;
        var next = new BraidApp { DataDirectory = DataDirectory, DatabaseUrl = DatabaseUrl };
        foreach (var (key, value) in _settings)
        {
            next._settings[key] = value;
        }

        next._services.AddRange(_services);

        return next;
    }

    /// <summary>A new organization with an owner and a key, and a client authenticated as that owner.</summary>
    public async Task<ApiClient> NewTenantAsync(string? organizationName = null)
    {
        var tenants = Services.GetRequiredService<TenantStore>();
        var org = organizationName ?? "org-" + Guid.NewGuid().ToString("N")[..12];
        var key = await tenants.CreateApiKeyAsync(org, $"owner-{Guid.NewGuid():N}@example.com", "test");
        return new ApiClient(CreateClient(), key);
    }

    /// <summary>A client with no credentials, or with the one given.</summary>
    public ApiClient Anonymous(string? bearer = null) => new(CreateClient(), null, bearer);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Braid:DataDirectory", DataDirectory);
        builder.UseSetting("Braid:DatabaseUrl", DatabaseUrl ?? "");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services => _services.ForEach(configure => configure(services)));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        if (_ownsStore)
        {
            await TestStore.DropDatabaseAsync(DatabaseUrl);
            if (Directory.Exists(DataDirectory))
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
        }
    }
}
