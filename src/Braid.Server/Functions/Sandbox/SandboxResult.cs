using System.Text.Json.Nodes;

namespace Braid.Server.Functions.Sandbox;

/// <summary>
/// The outcome of one run. <see cref="Value"/> is what the handler returned (its promise's value when it returned
/// one), converted as <c>JSON.stringify</c> would; null for <c>undefined</c> and <c>null</c>, and whenever
/// <see cref="Error"/> is set.
/// </summary>
public sealed record SandboxResult(JsonNode? Value, SandboxError? Error, TimeSpan Duration)
{
    public bool Succeeded => Error is null;
}

/// <summary>
/// Why a run failed. <see cref="Name"/> is the JavaScript error's name (<c>TypeError</c>, <c>SyntaxError</c>, ...)
/// for errors of the code, or a sandbox name for stopped runs (<c>TimeoutError</c>, <c>MemoryLimitError</c>).
/// <see cref="Line"/> and <see cref="Column"/> are 1-based positions in the submitted code, when known.
/// </summary>
public sealed record SandboxError(SandboxErrorKind Kind, string Name, string Message, string? Stack = null, int? Line = null, int? Column = null)
{
    public override string ToString() => Line is null ? $"{Name}: {Message}" : $"{Name}: {Message} (line {Line})";
}

public enum SandboxErrorKind
{
    /// <summary>The code threw, or its promise rejected.</summary>
    Exception,
    /// <summary>The code does not parse.</summary>
    Syntax,
    /// <summary>The code defines no handler function.</summary>
    NoHandler,
    /// <summary>The code asked for something the sandbox does not offer (importing a module).</summary>
    Unsupported,
    Timeout,
    MemoryLimit,
    CallDepthLimit,
    /// <summary>The handler returned a value JSON cannot hold (nested too deeply) or a promise that never settles.</summary>
    InvalidResult,
    /// <summary>The interpreter itself failed; the host is unaffected.</summary>
    Internal,
}

/// <summary>One console call of the running code, as Braintrust streams it (an SSE <c>console</c> event):
/// <see cref="Stream"/> is <see cref="Stdout"/> for log/info/debug and <see cref="Stderr"/> for warn/error/trace.</summary>
public sealed record ConsoleEntry(string Stream, string Message)
{
    public const string Stdout = "stdout";
    public const string Stderr = "stderr";
}
