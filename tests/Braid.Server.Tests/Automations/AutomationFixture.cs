using System.Text.Json.Nodes;
using Braid.Server.Automations;
using Braid.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Automations;

/// <summary>
/// A server whose automation scheduler runs only when a test runs a pass (<see cref="PassAsync"/>), so what a test
/// reads back does not depend on a background timer, with alerts checked at every pass, a clock tests move
/// (<see cref="Clock"/>), alert retries a few milliseconds apart, a fake Slack Web API (<see cref="Slack"/>)
/// that answers <c>chat.postMessage</c> as Slack does: <c>{"ok": true}</c> for a bot token, else <c>invalid_auth</c>,
/// and exports going to a directory of the test's or a fake S3 bucket.
/// </summary>
public sealed class AutomationFixture : IAsyncLifetime
{
    public BraidApp App { get; private set; } = null!;

    public ShiftedClock Clock { get; } = new();

    public WebhookReceiver Slack { get; private set; } = null!;

    public string ExportDirectory { get; } = Path.Combine(Path.GetTempPath(), "braid-exports-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>The S3-compatible store <c>s3://</c> export paths go to.</summary>
    public FakeS3 S3 { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        S3 = await FakeS3.StartAsync();
        Slack = await WebhookReceiver.StartAsync();
        Slack.Answer = static post => (200, post.Headers.TryGetValue("authorization", out var auth) && auth.StartsWith("Bearer xoxb-", StringComparison.Ordinal)
            ? """{"ok": true, "ts": "1.0"}"""
            : """{"ok": false, "error": "invalid_auth"}""");
        App = new BraidApp()
            .With("Braid:Automations:S3ServiceUrl", S3.Url)
            .With("Braid:Automations:S3Region", "us-east-1")
            .With("Braid:Automations:S3AccessKeyId", "test-key")
            .With("Braid:Automations:S3SecretAccessKey", "test-secret")
            .With("Braid:OnlineScoring:IntervalSeconds", "0")
            .With("Braid:Automations:AlertCheckSeconds", "0")
            .With("Braid:Automations:RetentionCheckSeconds", "0")
            .With("Braid:Automations:DeliveryRetrySeconds", "0.01")
            .With("Braid:Automations:SlackApiUrl", Slack.Url + "/api")
            .With("Braid:Automations:ExportDirectory", ExportDirectory)
            .WithServices(services => services.AddSingleton<TimeProvider>(Clock));
        await ((IAsyncLifetime)App).InitializeAsync();
    }

    public Task PassAsync() => App.Services.GetRequiredService<AutomationScheduler>().PassAsync(CancellationToken.None);

    /// <summary>The automation's runs, newest first.</summary>
    public static async Task<IReadOnlyList<JsonObject>> RunsAsync(ApiClient api, string automationId) =>
        (await api.GetAsync($"/v1/project_automation/{automationId}/runs")).AssertOk().Objects;

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)App).DisposeAsync();
        await S3.DisposeAsync();
        await Slack.DisposeAsync();
        if (Directory.Exists(ExportDirectory))
        {
            Directory.Delete(ExportDirectory, recursive: true);
        }
    }
}
