namespace Braid.Server.Hosting;

/// <summary>The loop of the background passes (online scoring, automations): a pass at once, then one every interval.</summary>
public static class Periodic
{
    /// <summary>
    /// Runs <paramref name="pass"/> until <paramref name="stoppingToken"/> stops the server; an interval of zero or less
    /// runs nothing (the pass is off on this node). A failed pass goes to <paramref name="failed"/> and the next one
    /// still runs on time.
    /// </summary>
    public static async Task RunAsync(
        TimeSpan interval, TimeProvider clock, Func<CancellationToken, Task> pass, Action<Exception> failed, CancellationToken stoppingToken)
    {
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval, clock);
        do
        {
            try
            {
                await pass(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                failed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
