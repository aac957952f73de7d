using System.Diagnostics.CodeAnalysis;

namespace Braid.Server.Http;

/// <summary>
/// The one error vocabulary of the API: a status and a message that names the problem. Braintrust clients
/// read only the status and retry 409, 429 and 5xx, so deterministic input errors are always 4xx, never 409.
/// </summary>
public sealed class ApiException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;

    /// <summary>Seconds the client should wait before retrying (sent as <c>Retry-After</c>).</summary>
    public int? RetryAfterSeconds { get; init; }

    [DoesNotReturn]
    public static void ThrowBadRequest(string message) => throw BadRequest(message);

    public static ApiException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);

    public static ApiException Unauthorized(string message) => new(StatusCodes.Status401Unauthorized, message);

    public static ApiException Forbidden(string message) => new(StatusCodes.Status403Forbidden, message);

    public static ApiException NotFound(string message) => new(StatusCodes.Status404NotFound, message);

    /// <summary>
    /// Runs a lookup made for an id a request body names: there, an object that does not exist (in the caller's
    /// organization) is a bad reference, a 400, rather than the 404 a path gets.
    /// </summary>
    public static async Task<T> InBodyAsync<T>(Func<Task<T>> lookup)
    {
        try
        {
            return await lookup();
        }
        catch (ApiException e) when (e.Status == StatusCodes.Status404NotFound)
        {
            throw BadRequest(e.Message);
        }
    }

    public static ApiException TooLarge(string message) => new(StatusCodes.Status413PayloadTooLarge, message);

    public static ApiException UnsupportedMediaType(string message) => new(StatusCodes.Status415UnsupportedMediaType, message);

    public static ApiException TooManyRequests(string message, int retryAfterSeconds) =>
        new(StatusCodes.Status429TooManyRequests, message) { RetryAfterSeconds = retryAfterSeconds };

    public static ApiException Unavailable(string message, int retryAfterSeconds = 1) =>
        new(StatusCodes.Status503ServiceUnavailable, message) { RetryAfterSeconds = retryAfterSeconds };
}
