using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Braid.Server.Functions.Sandbox;

/// <summary>
/// Runs Braintrust inline code functions (JavaScript or TypeScript defining <c>handler(args)</c>) in-process with
/// Jint, an interpreter written in .NET: the code gets plain JavaScript and a console, and nothing of the host — no
/// CLR access, no modules, files, network, timers that outlive the run or environment. Each run has a fresh engine
/// (a fraction of a millisecond) on a pool thread, bounded by <see cref="SandboxLimits"/>; at most one run per core
/// executes at a time, the others wait. Register one instance as a singleton: it holds the cache of parsed code.
/// </summary>
public sealed class CodeSandbox
{
    // How long past its time limit a run may go before the caller stops waiting for it. The limit is checked between
    // statements; only a single built-in call that runs long (a huge sort) could hold the thread past it.
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _slots = new(Environment.ProcessorCount);
    private readonly ScriptCache _scripts = new();

    /// <summary>
    /// Runs <paramref name="code"/>'s handler with <paramref name="args"/> (converted to JavaScript values; JSON null
    /// when null) and returns what it returned, awaiting a returned promise. Errors of the code, and limits it hit,
    /// come back as <see cref="SandboxResult.Error"/>. Console calls reach <paramref name="onConsole"/> in order while
    /// the code runs; if it throws, the run is stopped and the exception propagates.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled; the run is stopped.</exception>
    public async Task<SandboxResult> RunAsync(string code, JsonNode? args, SandboxLimits limits,
        Func<ConsoleEntry, ValueTask>? onConsole, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(limits);
        await _slots.WaitAsync(cancellationToken);
        var started = Stopwatch.GetTimestamp();
        var console = Channel.CreateUnbounded<ConsoleEntry>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<(JsonNode? Value, SandboxError? Error)> run;
        try
        {
            // A pool thread, blocked for the whole run: at most one run per core holds one, and starting a thread
            // of its own would cost more than running a small scorer.
            run = Task.Run(() =>
            {
                try
                {
                    return new SandboxRun(limits, console.Writer, stop.Token).Execute(_scripts.Get(code), args);
                }
                finally
                {
                    console.Writer.TryComplete();
                    stop.Dispose();
                    _slots.Release();
                }
            }, CancellationToken.None);
        }
        catch
        {
            stop.Dispose();
            _slots.Release();
            throw;
        }

        using var watchdog = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        watchdog.CancelAfter(limits.Timeout + Grace);
        try
        {
            await foreach (var entry in console.Reader.ReadAllAsync(watchdog.Token))
            {
                if (onConsole is not null) await onConsole(entry);
            }
            var (value, error) = await run.WaitAsync(watchdog.Token);
            return new SandboxResult(value, error, Stopwatch.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (watchdog.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The run is stuck inside one built-in call; it stops at its next check. Its slot stays taken until then.
            Stop(stop);
            return new SandboxResult(null, SandboxStoppedException.Timeout(limits).Error, Stopwatch.GetElapsedTime(started));
        }
        catch
        {
            Stop(stop); // the console consumer failed or the caller canceled: the run must not go on alone
            throw;
        }
    }

    private static void Stop(CancellationTokenSource stop)
    {
        try
        {
            stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run already ended.
        }
    }
}
