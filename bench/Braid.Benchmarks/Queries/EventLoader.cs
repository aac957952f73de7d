using System.Text.Json.Nodes;
using System.Threading.Channels;
using Braid.Storage;
using Braid.Storage.Events;

namespace Braid.Benchmarks.Queries;

/// <summary>
/// Writes generated rows through the store's own write path (<see cref="EventStore.Prepare"/> and
/// <see cref="EventStore.ApplyAsync"/>, as the ingest queue does), in transactions of 40 jobs of 100 rows. Rows are
/// readied on another thread while the previous batch commits. Each transaction id is taken at the time of its
/// batch's first row, so <c>_xact_id</c> and trace order agree with <c>created</c>, as in a log written live.
/// </summary>
public static class EventLoader
{
    private const int RowsPerJob = 100;
    private const int JobsPerBatch = 40;

    public static async Task<long> LoadAsync(Database database, EventObject log, IEnumerable<JsonObject> rows, Action<long>? progress = null)
    {
        var clock = new ManualClock();
        var store = new EventStore(database, clock);
        var batches = Channel.CreateBounded<(DateTimeOffset Time, List<WriteJob> Jobs)>(4);
        var producer = Task.Run(async () =>
        {
            try
            {
                foreach (var chunk in rows.Chunk(RowsPerJob * JobsPerBatch))
                {
                    var time = DateTimeOffset.Parse((string)chunk[0]["created"]!, System.Globalization.CultureInfo.InvariantCulture);
                    var jobs = chunk.Chunk(RowsPerJob)
                        .Select(job => new WriteJob(job.Select(row => (EventOp)new InsertOp(log, row) { Prepared = store.Prepare(row, time) }).ToList(), "bench", 0))
                        .ToList();
                    await batches.Writer.WriteAsync((time, jobs));
                }

                batches.Writer.Complete();
            }
            catch (Exception e)
            {
                batches.Writer.Complete(e);
            }
        });

        long written = 0;
        await foreach (var (time, jobs) in batches.Reader.ReadAllAsync())
        {
            clock.Now = time;
            await store.ApplyAsync(jobs);
            foreach (var job in jobs)
            {
                // Surfaces a failed job's exception.
                await job.Committed;
                written += job.Ops.Count;
            }

            progress?.Invoke(written);
        }

        await producer;
        return written;
    }

    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
