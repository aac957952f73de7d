namespace Braid.Server.Functions.Sandbox;

/// <summary>What one run of inline code may use. The defaults suit a scorer or a small tool.</summary>
public sealed record SandboxLimits
{
    public static SandboxLimits Default { get; } = new();

    /// <summary>Wall time for the whole run: loading the code, the handler and everything it awaits.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Bytes the run may allocate, counted from its start (allocations, not live memory: a run that
    /// churns through garbage is stopped too, which is the safe side for a shared server).</summary>
    public long MemoryBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Nested JavaScript calls. Deep recursion past the thread's stack fails earlier, as a RangeError the
    /// code can catch ("Maximum call stack size exceeded"), as in Node.</summary>
    public int MaxCallDepth { get; init; } = 1000;

    /// <summary>Characters of console output passed on; past this one last entry says the rest was dropped.</summary>
    public int MaxConsoleChars { get; init; } = 1024 * 1024;
}
