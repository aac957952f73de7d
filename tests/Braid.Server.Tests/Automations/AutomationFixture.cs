using Braid.Server.Automations;
using Braid.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Automations;

/// <summary>
/// A server whose automation scheduler runs only when a test runs a pass (<see cref="PassAsync"/>), so what a test
/// reads back does not depend on a background timer, with alerts checked at every pass.
/// </summary>
public sealed class AutomationFixture : IAsyncLifetime
{
    public BraidApp App { get; private set; } = null!;

    public string ExportDirectory { get; } = Path.Combine(Path.GetTempPath(), "braid-exports-" + Guid.NewGuid().ToString("N")[..8]);

    public async Task InitializeAsync()
    {
        App = new BraidApp()
            .With("Braid:OnlineScoring:IntervalSeconds", "0")
            .With("Braid:Automations:AlertCheckSeconds", "0")
            .With("Braid:Automations:RetentionCheckSeconds", "0")
            .With("Braid:Automations:ExportDirectory", ExportDirectory);
        await ((IAsyncLifetime)App).InitializeAsync();
    }

    public Task PassAsync() => App.Services.GetRequiredService<AutomationScheduler>().PassAsync(CancellationToken.None);

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)App).DisposeAsync();
        if (Directory.Exists(ExportDirectory))
        {
            Directory.Delete(ExportDirectory, recursive: true);
        }
    }
}
