using System.Buffers;
using System.IO.Compression;
using Microsoft.Extensions.Options;

namespace Braid.Server.Http;

/// <summary>Reads whole request bodies within the configured size limit; past it, a 413 that names the limit.</summary>
public static class RequestBody
{
    /// <summary>
    /// The body's bytes. With <paramref name="gzip"/> the body is inflated as it is read, and the limit applies to the
    /// inflated bytes too, so a small compressed body cannot expand past it.
    /// </summary>
    public static async Task<ArraySegment<byte>> ReadAsync(HttpContext context, bool gzip = false)
    {
        var limit = Limit(context);
        if (context.Request.ContentLength > limit)
        {
            throw TooLarge(limit);
        }

        int read;
        if (!gzip && context.Request.ContentLength is { } length)
        {
            // The size is known (the server holds the client to it): read straight into an array of that size.
            var exact = new byte[length];
            var filled = 0;
            while (filled < exact.Length && (read = await context.Request.Body.ReadAsync(exact.AsMemory(filled), context.RequestAborted)) > 0)
            {
                filled += read;
            }

            return new ArraySegment<byte>(exact, 0, filled);
        }

        var buffer = new MemoryStream();
        await using var source = gzip ? new GZipStream(context.Request.Body, CompressionMode.Decompress, leaveOpen: true) : null;
        var body = source ?? context.Request.Body;
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while ((read = await body.ReadAsync(chunk, context.RequestAborted)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    throw TooLarge(limit);
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (InvalidDataException e) when (gzip)
        {
            throw ApiException.BadRequest($"request body is not valid gzip (Content-Encoding: gzip): {e.Message}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return new ArraySegment<byte>(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    public static ApiException TooLarge(HttpContext context) => TooLarge(Limit(context));

    private static ApiException TooLarge(long limit) =>
        ApiException.TooLarge($"request body is larger than the limit of {limit} bytes");

    private static long Limit(HttpContext context) =>
        context.RequestServices.GetRequiredService<IOptions<ServerOptions>>().Value.MaxRequestBodyBytes;
}
