using System.Text.Json;
using Braid.Storage.Events;

namespace Braid.Server.Http;

/// <summary>Turns every failure into <c>{"error": "..."}</c> with its status, in one place.</summary>
public static partial class ErrorHandling
{
    public static IApplicationBuilder UseApiErrors(this IApplicationBuilder app)
    {
        app.Use(static async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (ApiException e) when (!context.Response.HasStarted)
            {
                await WriteAsync(context, e.Status, e.Message, e.RetryAfterSeconds);
            }
            catch (StoreException e) when (!context.Response.HasStarted)
            {
                var status = e.Error switch
                {
                    StoreError.NotFound => StatusCodes.Status404NotFound,
                    StoreError.TooLong => StatusCodes.Status400BadRequest,
                    _ => StatusCodes.Status503ServiceUnavailable,
                };
                await WriteAsync(context, status, e.Message, e.Error == StoreError.Busy ? 1 : null);
            }
            catch (BadHttpRequestException e) when (!context.Response.HasStarted)
            {
                // Kestrel's own limits (body size, malformed request line) arrive here with their status.
                var error = e.StatusCode == StatusCodes.Status413PayloadTooLarge ? RequestBody.TooLarge(context) : new ApiException(e.StatusCode, e.Message);
                await WriteAsync(context, error.Status, error.Message);
            }
            catch (Exception e) when (!context.Response.HasStarted && e is not OperationCanceledException)
            {
                var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Braid.Errors");
                LogUnhandled(logger, e, context.Request.Method, context.Request.Path);
                await WriteAsync(context, StatusCodes.Status500InternalServerError, "internal server error");
            }
        });

        // Responses the framework ends without a body (405, an unmatched route) get the same JSON shape.
        app.UseStatusCodePages(static async statusContext =>
        {
            var context = statusContext.HttpContext;
            var message = context.Response.StatusCode switch
            {
                StatusCodes.Status404NotFound => $"no route for {context.Request.Method} {context.Request.Path}",
                StatusCodes.Status405MethodNotAllowed => $"method {context.Request.Method} is not allowed on {context.Request.Path}",
                var status => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status),
            };
            await WriteBodyAsync(context, message);
        });
        return app;
    }

    public static Task WriteAsync(HttpContext context, int status, string message, int? retryAfterSeconds = null)
    {
        context.Response.Clear();
        context.Response.StatusCode = status;
        if (retryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return WriteBodyAsync(context, message);
    }

    private static async Task WriteBodyAsync(HttpContext context, string message)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(context.Response.Body, JsonResults.WriterOptions);
        writer.WriteStartObject();
        writer.WriteString("error", message);
        writer.WriteEndObject();
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Unhandled error in {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
