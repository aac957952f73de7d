namespace Braid.Server.Query.Parquet;

/// <summary>
/// The stream Parquet.Net writes through, over the caller's output, which it never disposes. It always says it
/// cannot seek, so Parquet.Net counts the bytes it wrote instead of asking for a position: one path for an HTTP
/// response body and a file alike, with the file starting wherever the output stood.
/// </summary>
internal sealed class ForwardOnlyStream(Stream inner) : Stream
{
    /// <summary>Applies to writes that come without a token of their own: Parquet.Net passes none on.</summary>
    public CancellationToken Cancellation { get; set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    // Parquet.Net flushes synchronously before every page. Kestrel refuses synchronous I/O on a response body, and
    // nothing needs the flush: the writer's own DisposeAsync flushes once, asynchronously, after the footer.
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(Token(cancellationToken));

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer.AsMemory(offset, count), Token(cancellationToken)).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(buffer, Token(cancellationToken));

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private CancellationToken Token(CancellationToken given) => given.CanBeCanceled ? given : Cancellation;
}
