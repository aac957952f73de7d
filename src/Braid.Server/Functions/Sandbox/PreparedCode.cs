using System.Collections.Concurrent;
using Acornima;
using Acornima.Ast;
using Braid.Server.Functions.Sandbox.TypeScript;
using Jint;

namespace Braid.Server.Functions.Sandbox;

/// <summary>Inline code made ready to run: types stripped and parsed once, or the error that stops it.</summary>
internal sealed record PreparedCode(Prepared<Script>? Script, SandboxError? Error)
{
    /// <summary>The source name in stack traces and positions.</summary>
    public const string SourceName = "inline";

    public static PreparedCode From(string code)
    {
        var stripped = TypeScriptStripper.Strip(code);
        if (stripped.Error is not null) return new PreparedCode(null, new SandboxError(SandboxErrorKind.Unsupported, "Error", stripped.Error));
        try
        {
            return new PreparedCode(Engine.PrepareScript(stripped.Code, SourceName, strict: true), null);
        }
        catch (ScriptPreparationException ex) when (ex.InnerException is ParseErrorException parse)
        {
            return new PreparedCode(null, new SandboxError(SandboxErrorKind.Syntax, "SyntaxError", parse.Description, null, parse.LineNumber, parse.Column + 1));
        }
        catch (ScriptPreparationException ex)
        {
            // Nesting too deep for the parser: still the code's fault, reported without crashing the host.
            return new PreparedCode(null, new SandboxError(SandboxErrorKind.Syntax, "SyntaxError", ex.InnerException?.Message ?? ex.Message));
        }
    }
}

/// <summary>
/// Prepared scripts by source text, so a scorer run over many rows is parsed once. A prepared script is immutable
/// and shared by the engines of concurrent runs. Bounded crudely: when full it is emptied, which costs a few
/// re-parses and never grows memory; very long sources are not kept at all.
/// </summary>
internal sealed class ScriptCache
{
    private const int Capacity = 128;
    private const int MaxCachedLength = 32 * 1024;
    private readonly ConcurrentDictionary<string, PreparedCode> _entries = new(StringComparer.Ordinal);

    public PreparedCode Get(string code)
    {
        if (_entries.TryGetValue(code, out var hit)) return hit;
        var prepared = PreparedCode.From(code);
        if (code.Length <= MaxCachedLength)
        {
            if (_entries.Count >= Capacity) _entries.Clear();
            _entries[code] = prepared;
        }
        return prepared;
    }
}
