using System.Text.Json.Nodes;
using Braid.Server.Functions;
using Braid.Server.Otel;
using Braid.Storage.Events;
using Braid.Storage.Objects;
using Braid.Storage.Tenancy;

namespace Braid.Server.Proxy;

/// <summary>Where a proxied call is logged: the log, and the span it goes under when the parent named one.</summary>
public sealed record ProxyParent(EventObject Log, string? SpanId, string? RootSpanId);

/// <summary>
/// Logs a proxied call as an <c>llm</c> span when the caller names a parent (<c>x-bt-parent</c>, or a temporary
/// credential's <c>logging.project_name</c>), written through the <see cref="Events.IngestQueue"/> like any other event.
/// </summary>
public static class ProxySpans
{
    public const string SpanIdHeader = "x-bt-span-id";

    /// <summary>The parent the request names, or null; a parent that names nothing is the same 400/404 OTLP gives.</summary>
    public static async Task<ProxyParent?> ResolveAsync(HttpContext http, Principal principal, string? loggingProject)
    {
        var header = http.Request.Headers[OtelParents.Header].ToString();
        var parent = header.Length > 0 ? header : loggingProject is null ? null : "project_name:" + loggingProject;
        if (parent is null)
        {
            return null;
        }

        var parents = new OtelParents(principal, http.RequestServices.GetRequiredService<ObjectStore>(), http.RequestServices);
        var (resolved, error) = await parents.ResolveAsync(parent, OtelParents.Header);
        var exported = (resolved ?? throw error!).Exported;
        return new ProxyParent(resolved.Log, exported?.SpanId, exported?.RootSpanId ?? exported?.RowId);
    }

    public static async Task WriteAsync(
        HttpContext http, Principal principal, ProxyParent parent, string spanId, ProxyRoute route, JsonObject request,
        ChatOutput output, string? error, DateTimeOffset start, DateTimeOffset end, bool cached)
    {
        var input = request["messages"] ?? request["prompt"] ?? request["input"];
        var metadata = new JsonObject();
        foreach (var (name, value) in request)
        {
            if (name is not ("messages" or "prompt" or "input"))
            {
                metadata[name] = value?.DeepClone();
            }
        }

        var metrics = new JsonObject { ["start"] = Seconds(start), ["end"] = Seconds(end) };
        if (output.Usage is { } usage)
        {
            metrics["prompt_tokens"] = usage["prompt_tokens"]?.DeepClone();
            metrics["completion_tokens"] = usage["completion_tokens"]?.DeepClone() ?? 0;
            metrics["tokens"] = usage["total_tokens"]?.DeepClone();
        }

        if (cached)
        {
            metrics["cached"] = 1;
        }

        var row = new JsonObject
        {
            ["id"] = spanId,
            ["span_id"] = spanId,
            ["root_span_id"] = parent.RootSpanId ?? spanId,
            ["span_attributes"] = new JsonObject { ["name"] = SpanName(route), ["type"] = "llm" },
            ["input"] = input?.DeepClone(),
            ["output"] = output.Output?.DeepClone(),
            ["metadata"] = metadata,
            ["metrics"] = metrics,
        };
        if (parent.SpanId is { } parentSpan)
        {
            row["span_parents"] = new JsonArray(parentSpan);
        }

        if (error is not null)
        {
            row["error"] = error;
        }

        await InvokeSpans.WriteAsync(http.RequestServices, principal, parent.Log, [row], end);
    }

    private static string SpanName(ProxyRoute route) => route switch
    {
        ProxyRoute.Completions => "Completion",
        ProxyRoute.Embeddings => "Embedding",
        ProxyRoute.Moderations => "Moderation",
        ProxyRoute.Passthrough => "Proxy request",
        _ => "Chat Completion",
    };

    private static double Seconds(DateTimeOffset at) => at.ToUnixTimeMilliseconds() / 1000.0;
}
