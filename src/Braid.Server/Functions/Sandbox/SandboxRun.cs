using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Acornima.Ast;
using Jint;
using Jint.Native;
using Jint.Native.Json;
using Jint.Native.Object;
using Jint.Runtime;
using Jint.Runtime.Interop;
using Jint.Runtime.Modules;

namespace Braid.Server.Functions.Sandbox;

/// <summary>
/// One run of inline code on the current thread, in an engine of its own: load the code, find the handler, call
/// it with the arguments, drive its promise to the end, and convert what it returns to JSON. Every failure of the
/// code becomes a <see cref="SandboxError"/>; only cancellation is thrown.
/// </summary>
internal sealed partial class SandboxRun
{
    /// <summary>JSON deeper than this cannot be written back by System.Text.Json's default settings anyway.</summary>
    private const int MaxResultDepth = 64;

    // Globals for code written for Node. `require` and `fetch` exist only to say clearly why they cannot work.
    private static readonly Prepared<Script> Prelude = Engine.PrepareScript("""
        globalThis.module = { exports: {} };
        globalThis.exports = globalThis.module.exports;
        globalThis.require = function require(name) {
          throw new Error("require(" + JSON.stringify(String(name)) + ") is not available: inline code runs in a sandbox without modules, files, network or host access.");
        };
        globalThis.fetch = function fetch() {
          throw new Error("fetch is not available: inline code runs in a sandbox without network access.");
        };
        globalThis.queueMicrotask = function queueMicrotask(callback) {
          if (typeof callback !== "function") throw new TypeError("queueMicrotask: the callback must be a function");
          Promise.resolve().then(() => callback());
        };
        """, "prelude", strict: true);

    // Braintrust's inline code defines `function handler(args)`; module-style code exports it instead.
    private static readonly Prepared<Script> FindHandler = Engine.PrepareScript("""
        (() => {
          if (typeof handler === "function") return handler;
          const e = typeof module === "object" && module !== null ? module.exports : undefined;
          if (typeof e === "function") return e;
          if (e && typeof e.default === "function") return e.default;
          if (e && typeof e.handler === "function") return e.handler;
          return undefined;
        })()
        """, "prelude", strict: true);

    private readonly SandboxLimits _limits;
    private readonly CancellationToken _stop;
    private readonly SandboxConsole _console;
    private readonly VirtualTimers _timers = new();

    public SandboxRun(SandboxLimits limits, ChannelWriter<ConsoleEntry> console, CancellationToken stop)
    {
        _limits = limits;
        _stop = stop;
        _console = new SandboxConsole(console, limits.MaxConsoleChars);
    }

    /// <summary>Runs the code; the value it returned, or the error that stopped it. Throws only
    /// <see cref="OperationCanceledException"/>, when the caller gave up.</summary>
    public (JsonNode? Value, SandboxError? Error) Execute(PreparedCode code, JsonNode? args)
    {
        if (code.Error is not null) return (null, code.Error);
        try
        {
            return (Run(code.Script!.Value, args), null);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            return (null, ToError(ex));
        }
    }

    private JsonNode? Run(Prepared<Script> script, JsonNode? args)
    {
        using var engine = new Engine(options =>
        {
            options.Strict = true;
            options.Constraints.Constraints.Add(new RunBudget(_limits, _stop));
            // Jint's own limit too: it also charges lazily concatenated strings before they are built.
            options.LimitMemory(_limits.MemoryBytes);
            options.LimitRecursion(_limits.MaxCallDepth);
            // Deep recursion in the interpreter (JSON.stringify of a deep object, nested calls) becomes a RangeError
            // instead of a stack overflow, which would end the whole server process.
            options.Constraints.StackOverflowGuard = true;
            options.Constraints.RegexTimeout = _limits.Timeout;
            // No CLR access: AllowClr is never called (no `importNamespace`, no `System`), and objects are not wrapped.
            options.Interop.Enabled = false;
            options.Modules.ModuleLoader = NoModules.Instance;
            options.TimeZone = TimeZoneInfo.Utc;
            options.Culture = CultureInfo.InvariantCulture;
            // eval and new Function stay allowed: the code they compile runs in this same engine, under the same
            // limits, with the same globals, so they grant nothing the code could not do directly, and some
            // libraries pasted into inline code rely on them.
        });
        _console.Install(engine);
        _timers.Install(engine);
        engine.Execute(Prelude);
        engine.Execute(script);

        var handler = engine.Evaluate(FindHandler);
        if (!handler.IsCallable())
        {
            throw new SandboxStoppedException(SandboxErrorKind.NoHandler, "Error",
                "The code defines no handler: write `function handler(args) { ... }` (or `async function handler`), which is called with the input.");
        }

        var input = args is null ? JsValue.Null : new JsonParser(engine).Parse(args.ToJsonString());
        var result = engine.Call(handler, JsValue.Undefined, [input]);
        if (result.IsPromise()) result = Settle(engine, result);
        return ToJson(engine, result);
    }

    /// <summary>Runs the event loop until the handler's promise settles: microtasks first, then virtual timers.</summary>
    private JsValue Settle(Engine engine, JsValue promise)
    {
        var settled = false;
        var rejected = false;
        var outcome = JsValue.Undefined;
        var onFulfilled = new ClrFunction(engine, "", (_, a) =>
        {
            (settled, outcome) = (true, a.At(0));
            return JsValue.Undefined;
        });
        var onRejected = new ClrFunction(engine, "", (_, a) =>
        {
            (settled, rejected, outcome) = (true, true, a.At(0));
            return JsValue.Undefined;
        });
        engine.Call(promise.AsObject().Get("then"), promise, [onFulfilled, onRejected]);
        while (true)
        {
            engine.Advanced.ProcessTasks();
            if (settled) break;
            if (!_timers.FireNext(engine))
            {
                throw new SandboxStoppedException(SandboxErrorKind.InvalidResult, "Error",
                    "The handler returned a promise that never settles: nothing it waits for is left to run.");
            }
        }
        if (rejected) throw new JavaScriptException(outcome);
        return outcome;
    }

    private static JsonNode? ToJson(Engine engine, JsValue value)
    {
        if (value.IsUndefined() || value.IsNull()) return null;
        var buffer = new ArrayBufferWriter<byte>();
        if (!new Jint.Native.Json.JsonSerializer(engine).Serialize(value, buffer)) return null; // a function or symbol: like JSON.stringify, nothing
        try
        {
            return JsonNode.Parse(buffer.WrittenSpan, documentOptions: new JsonDocumentOptions { MaxDepth = MaxResultDepth });
        }
        catch (JsonException ex)
        {
            throw new SandboxStoppedException(SandboxErrorKind.InvalidResult, "Error",
                $"The handler's result cannot be returned as JSON (nested more than {MaxResultDepth} levels deep, or not valid UTF-16): {ex.Message}");
        }
    }

    private SandboxError ToError(Exception ex) => ex switch
    {
        SandboxStoppedException stopped => stopped.Error,
        JavaScriptException js => FromJavaScript(js),
        MemoryLimitExceededException or OutOfMemoryException => SandboxStoppedException.Memory(_limits).Error,
        TimeoutException or RegexMatchTimeoutException => SandboxStoppedException.Timeout(_limits).Error,
        RecursionDepthOverflowException or InsufficientExecutionStackException => new SandboxError(SandboxErrorKind.CallDepthLimit, "RangeError",
            $"Maximum call depth of {_limits.MaxCallDepth} exceeded."),
        ModuleResolutionException or NoModulesException => new SandboxError(SandboxErrorKind.Unsupported, "Error", ex.Message),
        _ => new SandboxError(SandboxErrorKind.Internal, "InternalError", $"The sandbox failed running the code: {ex.Message}"),
    };

    private static SandboxError FromJavaScript(JavaScriptException ex)
    {
        var (name, message, stack) = Describe(ex.Error, ex.Message);
        stack = string.IsNullOrEmpty(ex.JavaScriptStackTrace) ? stack : ex.JavaScriptStackTrace;
        var location = ex.Location;
        int? line = null, column = null;
        if (location.SourceFile == PreparedCode.SourceName && location.Start.Line > 0)
        {
            (line, column) = (location.Start.Line, location.Start.Column + 1);
        }
        else if (stack is not null && StackPosition().Match(stack) is { Success: true } at)
        {
            // An error thrown in a callback (a rejected promise): its position is only in its stack.
            (line, column) = (int.Parse(at.Groups[1].ValueSpan, CultureInfo.InvariantCulture), int.Parse(at.Groups[2].ValueSpan, CultureInfo.InvariantCulture));
        }
        return new SandboxError(SandboxErrorKind.Exception, name, message, stack, line, column);
    }

    /// <summary>Name, message and stack of a thrown value: an Error object's own, or the value itself as the message
    /// (<c>throw "oops"</c>).</summary>
    private static (string Name, string Message, string? Stack) Describe(JsValue thrown, string fallback)
    {
        if (thrown is not ObjectInstance error || !error.HasProperty("message")) return ("Error", thrown.IsString() ? thrown.AsString() : fallback, null);
        var stack = error.Get("stack");
        return (TypeConverter.ToString(error.Get("name")), TypeConverter.ToString(error.Get("message")), stack.IsString() ? stack.AsString() : null);
    }

    [GeneratedRegex(@"\binline:(\d+):(\d+)")]
    private static partial Regex StackPosition();

    /// <summary>Refuses every <c>import()</c>: inline code has no modules to load.</summary>
    private sealed class NoModules : IModuleLoader
    {
        public static readonly NoModules Instance = new();

        public ResolvedSpecifier Resolve(string? referencingModuleLocation, ModuleRequest moduleRequest) =>
            throw new NoModulesException($"Cannot import '{moduleRequest.Specifier}': inline code runs in a sandbox without modules.");

        public Jint.Runtime.Modules.Module LoadModule(Engine engine, ResolvedSpecifier resolved) =>
            throw new NoModulesException($"Cannot import '{resolved.ModuleRequest.Specifier}': inline code runs in a sandbox without modules.");
    }

    private sealed class NoModulesException(string message) : Exception(message);
}
