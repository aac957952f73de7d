using System.Threading.Channels;
using Jint;
using Jint.Native;
using Jint.Native.Json;
using Jint.Native.Object;
using Jint.Runtime;
using Jint.Runtime.Interop;

namespace Braid.Server.Functions.Sandbox;

/// <summary>
/// The <c>console</c> global: each call becomes a <see cref="ConsoleEntry"/> written to a channel as it happens, so
/// the caller can stream it while the code is still running. Arguments are joined with spaces as in Node; strings
/// print as they are, objects as JSON (Node's <c>util.inspect</c> layout and <c>%s</c> placeholders are not imitated).
/// </summary>
internal sealed class SandboxConsole(ChannelWriter<ConsoleEntry> output, int maxChars)
{
    private int _written;
    private bool _truncated;

    public void Install(Engine engine)
    {
        var console = new JsObject(engine);
        Add(engine, console, "log", ConsoleEntry.Stdout);
        Add(engine, console, "info", ConsoleEntry.Stdout);
        Add(engine, console, "debug", ConsoleEntry.Stdout);
        Add(engine, console, "warn", ConsoleEntry.Stderr);
        Add(engine, console, "error", ConsoleEntry.Stderr);
        Add(engine, console, "trace", ConsoleEntry.Stderr);
        engine.SetValue("console", console);
    }

    private void Add(Engine engine, ObjectInstance console, string name, string stream) =>
        console.Set(name, new ClrFunction(engine, name, (_, args) =>
        {
            Write(stream, Format(engine, args));
            return JsValue.Undefined;
        }));

    private void Write(string stream, string message)
    {
        if (_truncated) return;
        if (_written + message.Length > maxChars)
        {
            _truncated = true;
            output.TryWrite(new ConsoleEntry(ConsoleEntry.Stderr, $"[console output truncated: more than {maxChars} characters]"));
            return;
        }
        _written += message.Length;
        output.TryWrite(new ConsoleEntry(stream, message));
    }

    private static string Format(Engine engine, JsValue[] args)
    {
        var parts = new string[args.Length];
        for (var i = 0; i < args.Length; i++) parts[i] = Describe(engine, args[i]);
        return string.Join(' ', parts);
    }

    private static string Describe(Engine engine, JsValue value)
    {
        if (value.IsString()) return value.AsString();
        if (value is not ObjectInstance obj) return TypeConverter.ToString(value);
        if (value.IsCallable()) return $"[Function: {TypeConverter.ToString(obj.Get("name"))}]";
        if (obj is JsError)
        {
            var stack = obj.Get("stack");
            var head = $"{TypeConverter.ToString(obj.Get("name"))}: {TypeConverter.ToString(obj.Get("message"))}";
            return stack.IsString() && stack.AsString().Length > 0 ? $"{head}\n{stack.AsString()}" : head;
        }
        try
        {
            var json = new JsonSerializer(engine).Serialize(value);
            return json.IsString() ? json.AsString() : TypeConverter.ToString(value);
        }
        catch (JavaScriptException)
        {
            return "[object]"; // cycles and BigInts do not serialize; printing must not fail the run
        }
    }
}
