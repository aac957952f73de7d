using System.Globalization;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Objects;

/// <summary>Builders shared by the prompt, function and environment tests.</summary>
internal static class Prompts
{
    /// <summary>A chat prompt_data whose single user message is <paramref name="text"/>.</summary>
    public static object Chat(string text) =>
        new { prompt = new { type = "chat", messages = new[] { new { role = "user", content = text } } }, options = new { model = "gpt-4o" } };

    public static async Task<JsonObject> CreateAsync(ApiClient api, string projectId, string slug, string text = "hello") =>
        (await api.PostAsync("/v1/prompt", new { project_id = projectId, name = slug, slug, prompt_data = Chat(text) })).AssertOk().Object;

    /// <summary>The user message a prompt version carries.</summary>
    public static string Text(JsonNode prompt) => (string)prompt["prompt_data"]!["prompt"]!["messages"]![0]!["content"]!;

    public static string Xact(JsonNode obj) => (string)obj["_xact_id"]!;

    /// <summary>Creates an environment of the caller's organization; returns its id.</summary>
    public static async Task<string> EnvironmentAsync(ApiClient api, string slug) =>
        (await api.PostAsync("/environment", new { name = slug, slug })).AssertOk().Id;

    /// <summary>Pins an environment to a version of a prompt, function or dataset.</summary>
    public static Task<ApiResponse> PinAsync(ApiClient api, string type, string id, string environment, string version) =>
        api.SendAsync(HttpMethod.Put, $"/environment-object/{type}/{id}/{environment}", ApiClient.Serialize(new { object_version = version }));

    /// <summary>Braintrust's display form of a version: the _xact_id times 205891132094649 modulo 2^64, in 16 hex digits.</summary>
    public static string Pretty(string xact) =>
        unchecked(ulong.Parse(xact, CultureInfo.InvariantCulture) * 205891132094649UL).ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>An _xact_id before or after another, for as-of reads between versions.</summary>
    public static string Shift(string xact, long by) =>
        (long.Parse(xact, CultureInfo.InvariantCulture) + by).ToString(CultureInfo.InvariantCulture);
}
