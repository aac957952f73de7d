using System.Diagnostics;
using Jint;

namespace Braid.Server.Functions.Sandbox;

/// <summary>
/// The time and memory a whole run may use, checked as the interpreter runs statements. Jint's own time and
/// memory constraints start afresh on each call into the engine (the script, the handler, each timer callback),
/// so code that spreads its work over timers would get a new budget each turn; this one counts from the run's start.
/// It must be created on the thread that runs the code: allocations are counted per thread.
/// </summary>
internal sealed class RunBudget(SandboxLimits limits, CancellationToken stop) : Constraint
{
    private readonly long _deadline = Stopwatch.GetTimestamp() + (long)(limits.Timeout.TotalSeconds * Stopwatch.Frequency);
    private readonly long _startBytes = GC.GetAllocatedBytesForCurrentThread();

    // Checked every few statements rather than each one: both reads are cheap but not free.
    public override bool IsAmortizable => true;

    public override void Check()
    {
        stop.ThrowIfCancellationRequested();
        if (Stopwatch.GetTimestamp() > _deadline) throw SandboxStoppedException.Timeout(limits);
        if (GC.GetAllocatedBytesForCurrentThread() - _startBytes > limits.MemoryBytes) throw SandboxStoppedException.Memory(limits);
    }

    // The budget is the run's, not the call's: nothing to reset when the host calls into the engine again.
    public override void Reset()
    {
    }
}

/// <summary>Stops a run from the host side. Script <c>try/catch</c> cannot catch it: Jint only hands JavaScript
/// errors to scripts.</summary>
internal sealed class SandboxStoppedException(SandboxErrorKind kind, string name, string message) : Exception(message)
{
    public SandboxError Error { get; } = new(kind, name, message);

    public static SandboxStoppedException Timeout(SandboxLimits limits) =>
        new(SandboxErrorKind.Timeout, "TimeoutError", $"The code ran longer than the time limit of {limits.Timeout.TotalSeconds:0.###} s.");

    public static SandboxStoppedException Memory(SandboxLimits limits) =>
        new(SandboxErrorKind.MemoryLimit, "MemoryLimitError", $"The code allocated more than the memory limit of {limits.MemoryBytes / (1024.0 * 1024):0.#} MiB.");
}
