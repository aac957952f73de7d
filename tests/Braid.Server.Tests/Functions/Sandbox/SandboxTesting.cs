using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Server.Functions.Sandbox;

namespace Braid.Server.Tests.Functions.Sandbox;

/// <summary>Runs code in one shared sandbox, as the server does, collecting console output.</summary>
internal static class SandboxTesting
{
    public static readonly CodeSandbox SharedSandbox = new();

    /// <summary>Tight limits for runs meant to hit them, so the suite stays quick.</summary>
    public static readonly SandboxLimits Tight = new() { Timeout = TimeSpan.FromSeconds(1), MemoryBytes = 32L * 1024 * 1024, MaxCallDepth = 200 };

    public static async Task<(SandboxResult Result, List<ConsoleEntry> Console)> RunAsync(string code, JsonNode? args = null, SandboxLimits? limits = null)
    {
        var console = new List<ConsoleEntry>();
        var result = await SharedSandbox.RunAsync(code, args, limits ?? SandboxLimits.Default, entry =>
        {
            console.Add(entry);
            return ValueTask.CompletedTask;
        }, CancellationToken.None);
        return (result, console);
    }

    public static async Task<JsonNode?> ValueAsync(string code, JsonNode? args = null)
    {
        var (result, _) = await RunAsync(code, args);
        Assert.True(result.Succeeded, result.Error?.ToString());
        return result.Value;
    }

    public static async Task<SandboxError> ErrorAsync(string code, SandboxLimits? limits = null, JsonNode? args = null)
    {
        var (result, _) = await RunAsync(code, args, limits);
        Assert.False(result.Succeeded, $"expected an error, got {result.Value?.ToJsonString() ?? "null"}");
        Assert.Null(result.Value);
        return result.Error!;
    }

    // Relaxed escaping: results are compared as a person would read them, with `<` and `'` as they are.
    private static readonly JsonSerializerOptions Readable = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string JsonText(JsonNode? node) => node?.ToJsonString(Readable) ?? "null";
}
