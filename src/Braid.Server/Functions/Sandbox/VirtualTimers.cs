using Jint;
using Jint.Native;
using Jint.Runtime;
using Jint.Runtime.Interop;

namespace Braid.Server.Functions.Sandbox;

/// <summary>
/// <c>setTimeout</c> and <c>clearTimeout</c> on a virtual clock: when nothing else is left to run, the earliest timer
/// fires at once, without waiting out its delay. Code that sleeps or retries with back-off therefore works, costs no
/// wall time, and cannot outlive the run: timers still pending when the handler's promise settles are dropped.
/// <c>Date.now()</c> is not advanced. There is no <c>setInterval</c>: a forgotten interval would spin until the time limit.
/// </summary>
internal sealed class VirtualTimers
{
    private readonly PriorityQueue<Timer, (double Due, int Id)> _queue = new();
    private readonly HashSet<int> _cleared = [];
    private double _now;
    private int _nextId = 1;

    private sealed record Timer(int Id, JsValue Callback, JsValue[] Arguments);

    public void Install(Engine engine)
    {
        engine.SetValue("setTimeout", new ClrFunction(engine, "setTimeout", (_, args) =>
        {
            var callback = args.At(0);
            if (!callback.IsCallable()) throw new JavaScriptException(engine.Intrinsics.TypeError, "setTimeout: the callback must be a function");
            var delay = TypeConverter.ToNumber(args.At(1));
            var id = _nextId++;
            var due = _now + (double.IsFinite(delay) && delay > 0 ? delay : 0);
            _queue.Enqueue(new Timer(id, callback, args.Length > 2 ? args[2..] : []), (due, id));
            return id;
        }, 2));
        engine.SetValue("clearTimeout", new ClrFunction(engine, "clearTimeout", (_, args) =>
        {
            if (args.At(0).IsNumber()) _cleared.Add((int)args.At(0).AsNumber());
            return JsValue.Undefined;
        }, 1));
    }

    /// <summary>Fires the earliest pending timer; false when none is left.</summary>
    public bool FireNext(Engine engine)
    {
        while (_queue.TryDequeue(out var timer, out var key))
        {
            if (_cleared.Remove(timer.Id)) continue;
            _now = key.Due;
            engine.Call(timer.Callback, JsValue.Undefined, timer.Arguments);
            return true;
        }
        return false;
    }
}
