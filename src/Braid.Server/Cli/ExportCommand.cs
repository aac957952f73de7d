using System.Runtime.InteropServices;
using Braid.Query.Syntax;
using Braid.Server.Http;
using Braid.Server.Query;
using Braid.Server.Query.Parquet;
using Braid.Storage.Events;
using Braid.Storage.Objects;
using Braid.Storage.Query;
using Braid.Storage.Tenancy;
using Microsoft.Extensions.Options;

namespace Braid.Server.Cli;

/// <summary>
/// <c>braid export</c>: every row of one log, exactly as <c>POST /btql</c> answers <c>select: * | from: kind('id')</c>,
/// read through the query engine a page at a time and written as JSON lines or Parquet, so memory stays at one
/// page whatever the log's size. A file is written under a temporary name next to it and renamed at the end: an
/// interrupted export never leaves a truncated file under the final name.
/// </summary>
/// <remarks>
/// Rows come in id order (<c>| sort: id</c>), not the query's default newest-first: ids are the primary key, so each
/// page is a range of the key whatever the log's size, where the default order sorts every remaining row, with its
/// data, for each page (quadratic, and past the query timeout on large logs). It also keeps a row updated during the
/// export to one line: its id, unlike its created time or pagination key, never moves.
/// </remarks>
public static class ExportCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, ExportRequest request)
    {
        using var interrupted = new CancellationTokenSource();
        var signalled = PosixSignal.SIGINT;
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
        try
        {
            await ExportAsync(services, request, interrupted.Token);
            return 0;
        }
        catch (Exception) when (interrupted.IsCancellationRequested)
        {
            // Whatever the store or the output threw on the way out; the signal is the news.
            await Console.Error.WriteLineAsync($"braid export: interrupted; {(request.Out is null ? "the output is incomplete" : $"'{request.Out}' was not written")}");
            return signalled == PosixSignal.SIGTERM ? 143 : 130;
        }
        catch (Exception e) when (e is ApiException or QueryError or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"braid export: {e.Message}");
            return 1;
        }

        void Interrupt(PosixSignalContext signal)
        {
            // Cancel instead of dying, so the temporary file is removed on the way out.
            signal.Cancel = true;
            signalled = signal.Signal;
            interrupted.Cancel();
        }
    }

    private static async Task ExportAsync(IServiceProvider services, ExportRequest request, CancellationToken ct)
    {
        if (request.Out is null && request.Format == ExportFormat.Parquet && !Console.IsOutputRedirected)
        {
            throw new IOException("Parquet is binary: give --out FILE or redirect standard output");
        }

        var defaults = services.GetRequiredService<IOptions<ServerOptions>>().Value;
        var orgName = request.Organization ?? defaults.BootstrapOrganization;
        var org = await services.GetRequiredService<TenantStore>().FindOrganizationAsync(orgName)
            ?? throw ApiException.NotFound($"organization '{orgName}' not found");

        // Query text as /btql gets it, so the name or id is resolved and the rows are shaped the same way.
        var query = QueryParser.Parse($"select: * | from: {request.Kind}('{Quote(request.IdOrName)}') | sort: id");
        var resolved = await QuerySources.ResolveAsync(services.GetRequiredService<ObjectStore>(), org.Id, org.Name, query.From);
        var log = resolved.Logs[0];
        var total = await services.GetRequiredService<EventStore>().CountAsync(log.Object);
        var runner = services.GetRequiredService<QueryRunner>();

        var target = request.Out is null ? null : Path.GetFullPath(request.Out);
        var temporary = target is null ? null
            : Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        var destination = target ?? "standard output";
        await Console.Error.WriteLineAsync(
            $"Exporting {log.Object.TypeName} {log.Object.Id} of '{org.Name}' ({total:N0} rows) to {destination} as {(request.Format == ExportFormat.Parquet ? "Parquet" : "JSON lines")}");

        var progress = new ExportProgress(total, Console.Error, redraw: !Console.IsErrorRedirected);
        try
        {
            long rows;
            long bytes;
            var file = temporary is null ? Console.OpenStandardOutput()
                : new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16, useAsync: true);
            await using (var output = new CountingStream(file))
            {
                var sink = request.Format == ExportFormat.Parquet
                    ? new ParquetSink(output, ParquetColumns.EventRow)
                    : (RowSink)new JsonLinesSink(output);
                await QueryPages.RunAllAsync(runner, query, resolved, request.PageSize, row =>
                {
                    sink.Add(row);
                    progress.Advance(output.Written);
                    return ValueTask.CompletedTask;
                }, () => sink.EndPageAsync(ct), ct);

                await sink.CompleteAsync(ct);
                rows = progress.Rows;
                bytes = output.Written;
            }

            if (temporary is not null)
            {
                File.Move(temporary, target!, overwrite: true);
                temporary = null;
            }

            progress.Finish(rows, bytes, destination);
        }
        finally
        {
            progress.Clear();
            if (temporary is not null)
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>A BTQL string literal: quotes are doubled, backslashes escaped.</summary>
    private static string Quote(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal);

    /// <summary>Counts the bytes written through it, for progress and the summary.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Written { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            Written += buffer.Length;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken);
            Written += buffer.Length;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            await base.DisposeAsync();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
