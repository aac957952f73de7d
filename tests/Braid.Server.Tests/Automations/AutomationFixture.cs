using Braid.Server.Automations;
using Braid.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Automations;

/// <summary>
/// A server whose automation scheduler runs only when a test runs a pass (<see cref="PassAsync"/>), so what a test
/// reads back does not depend on a background timer, with alerts checked at every pass, and exports going to a
/// directory of the test's or a fake S3 bucket.
/// </summary>
public sealed class AutomationFixture : IAsyncLifetime
{
    public BraidApp App { get; private set; } = null!;

    public string ExportDirectory { get; } = Path.Combine(Path.GetTempPath(), "braid-exports-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>The S3-compatible store <c>s3://</c> export paths go to.</summary>
    public FakeS3 S3 { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        S3 = await FakeS3.StartAsync();
        App = new BraidApp()
            .With("Braid:Automations:S3ServiceUrl", S3.Url)
            .With("Braid:Automations:S3Region", "us-east-1")
            .With("Braid:Automations:S3AccessKeyId", "test-key")
            .With("Braid:Automations:S3SecretAccessKey", "test-secret")
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
        await S3.DisposeAsync();
        if (Directory.Exists(ExportDirectory))
        {
            Directory.Delete(ExportDirectory, recursive: true);
        }
    }
}
