using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Server.Functions.Templates;
using Braid.Server.Http;
using Braid.Server.Secrets;
using Microsoft.Extensions.Options;

namespace Braid.Server.Automations.Alerts;

/// <summary>
/// How one alert went out: whether it was delivered, after how many attempts, the last HTTP status (null when no
/// answer came), and why not when it was not.
/// </summary>
public sealed record Delivery(bool Delivered, int Attempts, int? Status, string? Error)
{
    /// <summary>The delivery's part of a run's <c>detail</c>.</summary>
    public void Describe(JsonObject detail)
    {
        detail["sent"] = Delivered;
        detail["attempts"] = Attempts;
        detail["status"] = Status;
    }
}

/// <summary>
/// Sends alerts by an automation's <c>action</c>: a <c>webhook</c> gets the payload as a signed JSON POST
/// (<see cref="WebhookSigning"/>); <c>slack</c> posts a message to the channel through Slack's <c>chat.postMessage</c>
/// with the bot token in the <c>SLACK_BOT_TOKEN</c> env_var of the project or the organization. Network errors,
/// timeouts, 429 and 5xx are retried with exponential backoff (<see cref="AutomationOptions.DeliveryRetrySeconds"/>);
/// any other answer is final. Redirects are not followed: a POST must not turn into a GET somewhere else.
/// </summary>
public sealed class AlertDelivery(WebhookSigning signing, AiSecretReader secrets, TimeProvider clock, IOptions<ServerOptions> options) : IDisposable
{
    public const string SlackTokenName = "SLACK_BOT_TOKEN";

    private const int MaxAttempts = 4;

    // Enough of a refusal's body to say why, not enough to fill the run record.
    private const int ErrorBodyChars = 200;

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        AllowAutoRedirect = false,
        UseCookies = false,
    })
    {
        // Each attempt has its own timeout (DeliveryTimeoutSeconds).
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private AutomationOptions Options => options.Value.Automations;

    public async Task<Delivery> SendAsync(AlertSubject subject, JsonObject payload, CancellationToken cancellationToken)
    {
        var action = subject.Automation.Config["action"] as JsonObject;
        return JsonBody.Text(action?["type"]) switch
        {
            "webhook" => await WebhookAsync(subject, JsonBody.Text(action!["url"]) ?? "", payload, cancellationToken),
            "slack" => await SlackAsync(subject, action!, payload, cancellationToken),
            var other => new Delivery(false, 0, null, $"config.action.type: '{other}' is not an action alerts can take"),
        };
    }

    private async Task<Delivery> WebhookAsync(AlertSubject subject, string url, JsonObject payload, CancellationToken cancellationToken)
    {
        if (!IsHttpUrl(url))
        {
            return new Delivery(false, 0, null, $"config.action.url: '{url}' is not an absolute http or https URL");
        }

        var body = payload.ToJsonString(JsonResults.Options);
        var automationId = subject.Automation.Id;
        return await PostAsync($"webhook {url}", () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation(WebhookSigning.SignatureHeader, signing.Sign(automationId, clock.GetUtcNow().ToUnixTimeSeconds(), body));
            request.Headers.TryAddWithoutValidation(WebhookSigning.AutomationHeader, automationId);
            return request;
        }, static _ => null, cancellationToken);
    }

    private async Task<Delivery> SlackAsync(AlertSubject subject, JsonObject action, JsonObject payload, CancellationToken cancellationToken)
    {
        var automation = subject.Automation;
        var token = await secrets.RevealEnvVarAsync(automation.OrgId, automation.ProjectId, SlackTokenName)
            ?? await secrets.RevealEnvVarAsync(automation.OrgId, automation.OrgId, SlackTokenName);
        if (token is null)
        {
            return new Delivery(false, 0, null,
                $"Slack alerts need a bot token: set an env_var named {SlackTokenName} on project '{subject.ProjectName}' or on the organization " +
                """(POST /v1/env_var {"object_type": "project", "object_id": "<project id>", "name": "SLACK_BOT_TOKEN", "value": "xoxb-..."})""");
        }

        string text;
        try
        {
            text = JsonBody.Text(action["message_template"]) is { Length: > 0 } template
                ? Mustache.Render(template, payload, strict: false)
                : JsonBody.Text(payload["details"]?["message"]) ?? automation.Name;
        }
        catch (TemplateException e)
        {
            return new Delivery(false, 0, null, $"config.action.message_template: {e.Message}");
        }

        var channel = JsonBody.Text(action["channel"]) ?? "";
        var message = new JsonObject { ["channel"] = channel, ["text"] = text };
        if (JsonBody.Text(payload["details"]?["related_logs_url"]) is { } link)
        {
            message["blocks"] = new JsonArray(new JsonObject
            {
                ["type"] = "section",
                ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = $"{text}\n<{link}|View logs>" },
            });
        }

        var body = message.ToJsonString(JsonResults.Options);
        var url = Options.SlackApiUrl.TrimEnd('/') + "/chat.postMessage";
        return await PostAsync($"Slack chat.postMessage to channel {channel}", () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return request;
        }, SlackError, cancellationToken);
    }

    // Slack answers its API calls 200 with {"ok": false, "error": "channel_not_found"} when they fail.
    private static string? SlackError(string body)
    {
        JsonObject? answer;
        try
        {
            answer = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            answer = null;
        }

        return answer?["ok"] is JsonValue ok && ok.TryGetValue<bool>(out var fine) && fine ? null
            : JsonBody.Text(answer?["error"]) is { } error ? $"Slack answered error '{error}'"
            : $"Slack answered {Snippet(body)}";
    }

    /// <summary>
    /// POSTs what <paramref name="request"/> builds (anew for each attempt, so a signature's timestamp is fresh) until
    /// it is answered 2xx or finally refused; <paramref name="refusal"/> reads why a 2xx answer is a failure all the same.
    /// </summary>
    private async Task<Delivery> PostAsync(
        string target, Func<HttpRequestMessage> request, Func<string, string?> refusal, CancellationToken cancellationToken)
    {
        string? failure = null;
        int? status = null;
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            if (attempt > 1)
            {
                await Task.Delay(TimeSpan.FromSeconds(Options.DeliveryRetrySeconds * Math.Pow(2, attempt - 2)), clock, cancellationToken);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(Options.DeliveryTimeoutSeconds));
            try
            {
                using var sent = request();
                using var response = await _http.SendAsync(sent, timeout.Token);
                var body = await response.Content.ReadAsStringAsync(timeout.Token);
                status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    return refusal(body) is { } refused
                        ? new Delivery(false, attempt, status, $"{target}: {refused}")
                        : new Delivery(true, attempt, status, null);
                }

                failure = $"{target} answered {status} {response.ReasonPhrase}{(body.Length > 0 ? ": " + Snippet(body) : "")}";
                if (response.StatusCode != HttpStatusCode.TooManyRequests && status < 500)
                {
                    return new Delivery(false, attempt, status, failure);
                }
            }
            catch (HttpRequestException e)
            {
                (status, failure) = (null, $"{target} could not be reached: {e.Message}");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                (status, failure) = (null, $"{target} did not answer within {Options.DeliveryTimeoutSeconds} seconds");
            }
        }

        return new Delivery(false, MaxAttempts, status, $"{failure} (gave up after {MaxAttempts} attempts)");
    }

    /// <summary>Whether <paramref name="url"/> is a webhook URL this server will POST to.</summary>
    public static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    private static string Snippet(string body) => body.Length <= ErrorBodyChars ? body : body[..ErrorBodyChars] + "...";

    public void Dispose() => _http.Dispose();
}
