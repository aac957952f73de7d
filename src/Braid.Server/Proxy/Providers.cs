using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Braid.Server.Http;
using Braid.Server.Secrets;
using Braid.Storage.Tenancy;

namespace Braid.Server.Proxy;

/// <summary>The wire format a provider speaks; the proxy answers in OpenAI's and converts to and from the others.</summary>
public enum ProviderFormat
{
    OpenAI,
    Anthropic,
    Google,
}

/// <summary>Where one request goes: the provider's format, its base URL, the key, and the ai_secret they came from.</summary>
public sealed record ProviderEndpoint(ProviderFormat Format, string BaseUrl, string Key, string SecretName)
{
    /// <summary><c>metadata.organization_id</c> of an OpenAI secret, sent as <c>OpenAI-Organization</c>.</summary>
    public string? OpenAIOrganization { get; init; }

    /// <summary><c>metadata.additionalHeaders</c>: extra headers the provider wants on every request.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// Picks the provider and key for a model from the organization's ai_secrets, as Braintrust's proxy does: a secret
/// whose <c>metadata.models</c> (or <c>customModels</c>) lists the model wins; otherwise the model's family names
/// the provider (gpt-/o1…→openai, claude-→anthropic, gemini-→google) and the secret of that <c>type</c> serves it.
/// <c>metadata.api_base</c> replaces the provider's public URL (custom and self-hosted endpoints).
/// </summary>
/// <remarks>
/// Resolved endpoints are kept per organization while its generation holds (<see cref="TenantStore.AccessGenerationAsync"/>):
/// every write to an ai_secret or env_var bumps it in the writing transaction (migration 0017), so a request that reads
/// the generation sees a changed key at once, on every node, while the unchanged case costs no read and no decryption.
/// </remarks>
public sealed class Providers(AiSecretReader secrets, TenantStore tenants)
{
    // Model names are the caller's to choose; past this many per organization and generation, new ones are resolved
    // without being kept, so random names cannot grow the cache.
    private const int MaxEndpointsPerOrganization = 256;

    private static readonly (string Prefix, string Type)[] Families =
    [
        ("gpt-", "openai"), ("chatgpt-", "openai"), ("o1", "openai"), ("o3", "openai"), ("o4", "openai"),
        ("text-embedding-", "openai"), ("text-moderation", "openai"), ("omni-moderation", "openai"),
        ("davinci", "openai"), ("babbage", "openai"),
        ("claude-", "anthropic"),
        ("gemini-", "google"),
    ];

    private readonly ConcurrentDictionary<string, KnownEndpoints> _known = new();

    /// <summary>The provider a model's family belongs to, or null for a model only a secret's model list can name.</summary>
    public static string? FamilyOf(string model)
    {
        foreach (var (prefix, type) in Families)
        {
            if (model.StartsWith(prefix, StringComparison.Ordinal))
            {
                return type;
            }
        }

        return null;
    }

    /// <summary>
    /// The endpoint serving <paramref name="model"/> (any model at all when null: the organization's OpenAI secret), or a
    /// 400 that names what is missing. With <paramref name="projectId"/> the project's own provider keys (env_vars with an
    /// AI provider <c>secret_type</c>) are preferred to the organization's ai_secrets.
    /// </summary>
    public async Task<ProviderEndpoint> ResolveAsync(string orgId, string? model, string? projectId = null) =>
        await ResolveAsync(orgId, await tenants.AccessGenerationAsync(orgId), model, projectId);

    /// <summary>
    /// <see cref="ResolveAsync(string, string?, string?)"/> with the organization's generation as the request already
    /// read it (the proxy reads it with the API key).
    /// </summary>
    public async Task<ProviderEndpoint> ResolveAsync(string orgId, long generation, string? model, string? projectId = null)
    {
        var known = _known.GetValueOrDefault(orgId);
        if (known is null || known.Generation < generation)
        {
            known = _known.AddOrUpdate(orgId, new KnownEndpoints(generation), (_, current) => current.Generation >= generation ? current : new KnownEndpoints(generation));
        }

        if (known.Generation != generation)
        {
            // A change committed after this request read its generation: resolve from the store, keep nothing.
            return await ReadAsync(orgId, model, projectId);
        }

        if (known.Endpoints.TryGetValue((projectId, model), out var endpoint))
        {
            return endpoint;
        }

        // Read after the generation: a change committing in between makes the endpoint newer than its generation, never
        // older, and the next request (seeing a higher generation) resolves it again.
        endpoint = await ReadAsync(orgId, model, projectId);
        if (known.Endpoints.Count < MaxEndpointsPerOrganization)
        {
            known.Endpoints.TryAdd((projectId, model), endpoint);
        }

        return endpoint;
    }

    private async Task<ProviderEndpoint> ReadAsync(string orgId, string? model, string? projectId)
    {
        var all = projectId is null
            ? await secrets.ListAsync(orgId)
            : [.. await secrets.ListForProjectAsync(orgId, projectId), .. await secrets.ListAsync(orgId)];
        StoredAiSecret? chosen = null;
        if (model is not null)
        {
            chosen = all.FirstOrDefault(s => Lists(s.Metadata?["models"], model) || s.Metadata?["customModels"] is JsonObject custom && custom.ContainsKey(model));
        }

        var type = chosen?.Type ?? (model is null ? "openai" : FamilyOf(model))
            ?? throw ApiException.BadRequest(
                $"model '{model}' is not a model this proxy knows; list it in an ai_secret's metadata.models to route it to that provider");
        chosen ??= all.FirstOrDefault(s => string.Equals(s.Type, type, StringComparison.OrdinalIgnoreCase))
            ?? all.FirstOrDefault(s => string.Equals(s.Name, DefaultSecretName(type), StringComparison.OrdinalIgnoreCase))
            ?? throw ApiException.BadRequest(
                $"no AI secret for provider '{type}'{(model is null ? "" : $" (model '{model}')")}: create an ai_secret of type '{type}' (e.g. named {DefaultSecretName(type)})");
        var key = secrets.Reveal(chosen)
            ?? throw ApiException.BadRequest($"ai_secret '{chosen.Name}' holds no secret; set its secret to the provider's API key");

        var format = type.ToLowerInvariant() switch
        {
            "anthropic" => ProviderFormat.Anthropic,
            "google" => ProviderFormat.Google,
            // Braintrust's other providers (together, groq, fireworks, custom "js" endpoints, ...) speak OpenAI's format.
            _ => ProviderFormat.OpenAI,
        };
        var apiBase = chosen.Metadata?["api_base"] is JsonValue b && b.ToString() is { Length: > 0 } url ? url : DefaultBaseUrl(format);
        var headers = new Dictionary<string, string>();
        if (chosen.Metadata?["additionalHeaders"] is JsonObject extra)
        {
            foreach (var (name, value) in extra)
            {
                if (value is JsonValue v)
                {
                    headers[name] = v.ToString();
                }
            }
        }

        return new ProviderEndpoint(format, apiBase.TrimEnd('/'), key, chosen.Name)
        {
            OpenAIOrganization = chosen.Metadata?["organization_id"] is JsonValue o && o.ToString() is { Length: > 0 } org ? org : null,
            Headers = headers,
        };
    }

    private static bool Lists(JsonNode? models, string model) =>
        models is JsonArray array && array.Any(m => m is JsonValue v && v.ToString() == model);

    private static string DefaultSecretName(string type) => type.ToLowerInvariant() switch
    {
        "google" => "GEMINI_API_KEY",
        _ => type.ToUpperInvariant() + "_API_KEY",
    };

    private static string DefaultBaseUrl(ProviderFormat format) => format switch
    {
        ProviderFormat.Anthropic => "https://api.anthropic.com/v1",
        ProviderFormat.Google => "https://generativelanguage.googleapis.com/v1beta",
        _ => "https://api.openai.com/v1",
    };

    /// <summary>The endpoints resolved for one organization at one generation, by (project, model).</summary>
    private sealed class KnownEndpoints(long generation)
    {
        public long Generation { get; } = generation;

        public ConcurrentDictionary<(string? ProjectId, string? Model), ProviderEndpoint> Endpoints { get; } = new();
    }
}
