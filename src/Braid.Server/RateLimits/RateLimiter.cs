using System.Globalization;
using Braid.Server.Auth;
using Braid.Server.Http;
using Braid.Storage.RateLimits;
using Braid.Storage.Tenancy;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Braid.Server.RateLimits;

/// <summary>
/// Per-organization token buckets, one per <see cref="EndpointClass"/>: every authenticated request takes a token
/// from its organization's bucket or gets a 429 with <c>Retry-After</c>. Every limited response carries
/// <c>X-RateLimit-Limit</c> (the bucket's size, a minute's worth), <c>X-RateLimit-Remaining</c> and
/// <c>X-RateLimit-Reset</c> (seconds until the bucket is full again).
/// </summary>
public sealed class RateLimiter(TokenBuckets buckets, IOptions<ServerOptions> options, TimeProvider time)
{
    public const string LimitHeader = "X-RateLimit-Limit";
    public const string RemainingHeader = "X-RateLimit-Remaining";
    public const string ResetHeader = "X-RateLimit-Reset";

    internal async Task TakeAsync(HttpContext context, Principal principal, EndpointClass endpointClass)
    {
        var limit = endpointClass.PerMinute(options.Value.RateLimits);
        if (limit <= 0)
        {
            return;
        }

        var perSecond = limit / 60.0;
        var take = await buckets.TakeAsync(principal.OrgId, endpointClass.Name, limit, perSecond / 1000, time.GetUtcNow());

        // OnStarting, so that the headers survive the error handler clearing the response for a 4xx of the endpoint.
        var headers = (context.Response, limit, Remaining: (long)take.Tokens, Reset: Seconds(limit - take.Tokens, perSecond));
        context.Response.OnStarting(static state =>
        {
            var (response, limit, remaining, reset) = ((HttpResponse, int, long, long))state;
            response.Headers[LimitHeader] = limit.ToString(CultureInfo.InvariantCulture);
            response.Headers[RemainingHeader] = remaining.ToString(CultureInfo.InvariantCulture);
            response.Headers[ResetHeader] = reset.ToString(CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        }, headers);

        if (!take.Granted)
        {
            var retryAfter = (int)Math.Max(1, Seconds(1 - take.Tokens, perSecond));
            throw ApiException.TooManyRequests(
                $"rate limit exceeded: organization '{principal.OrgName}' may make {limit} {endpointClass.Description} requests "
                + $"per minute ({endpointClass.Setting}); retry in {retryAfter} s",
                retryAfter);
        }
    }

    private static long Seconds(double tokens, double perSecond) => (long)Math.Ceiling(Math.Max(0, tokens) / perSecond);
}

public static class RateLimiting
{
    /// <summary>Runs after authentication, so that the caller's organization is known; anonymous endpoints are not limited.</summary>
    public static IApplicationBuilder UseRateLimits(this IApplicationBuilder app) =>
        app.Use(static async (context, next) =>
        {
            var endpoint = context.GetEndpoint();
            if (endpoint is not null && endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null)
            {
                var endpointClass = endpoint.Metadata.GetMetadata<EndpointClass>() ?? EndpointClass.ControlPlane;
                await context.RequestServices.GetRequiredService<RateLimiter>().TakeAsync(context, context.GetPrincipal(), endpointClass);
            }

            await next(context);
        });
}
