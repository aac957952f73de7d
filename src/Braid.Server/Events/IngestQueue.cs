using System.Threading.Channels;
using Braid.Server.Http;
using Braid.Storage.Events;
using Microsoft.Extensions.Options;

namespace Braid.Server.Events;

/// <summary>
/// The bounded queue between write requests and the event store. One consumer drains it in batches and
/// commits each batch in one transaction (group commit), so many concurrent requests share one fsync.
/// A request is answered only after its batch committed; when the queue is full it is refused at once with
/// 503 and <c>Retry-After</c>, never parked or dropped.
/// </summary>
public sealed partial class IngestQueue(EventStore store, IOptions<ServerOptions> options, ILogger<IngestQueue> logger) : BackgroundService
{
    private readonly IngestOptions _options = options.Value.Ingest;
    private readonly Channel<WriteJob> _channel = Channel.CreateBounded<WriteJob>(
        new BoundedChannelOptions(options.Value.Ingest.QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private long _queuedBytes;

    /// <summary>Queues a job and waits until it is committed; returns its transaction id.</summary>
    public async Task<long> WriteAsync(WriteJob job)
    {
        if (Interlocked.Add(ref _queuedBytes, job.Bytes) > _options.MaxQueuedBytes && job.Bytes < _queuedBytes)
        {
            Interlocked.Add(ref _queuedBytes, -job.Bytes);
            throw ApiException.Unavailable("ingestion is saturated (queued bytes at the limit); retry shortly");
        }

        if (!_channel.Writer.TryWrite(job))
        {
            Interlocked.Add(ref _queuedBytes, -job.Bytes);
            throw ApiException.Unavailable("ingestion is saturated (write queue full); retry shortly");
        }

        try
        {
            return await job.Committed;
        }
        finally
        {
            Interlocked.Add(ref _queuedBytes, -job.Bytes);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<WriteJob>(_options.MaxBatchJobs);
        try
        {
            while (await _channel.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < _options.MaxBatchJobs && _channel.Reader.TryRead(out var job))
                {
                    batch.Add(job);
                }

                await store.ApplyAsync(batch);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: whatever was not committed is refused; the clients retry elsewhere or later.
        }
        catch (Exception e)
        {
            LogWriterFailed(logger, e);
            throw;
        }
        finally
        {
            _channel.Writer.TryComplete();
            foreach (var job in batch.Concat(Drain()))
            {
                job.Fail(new StoreException(StoreError.Busy, "the server is shutting down; retry"));
            }
        }
    }

    private IEnumerable<WriteJob> Drain()
    {
        while (_channel.Reader.TryRead(out var job))
        {
            yield return job;
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Critical, Message = "The event writer stopped")]
    private static partial void LogWriterFailed(ILogger logger, Exception exception);
}
