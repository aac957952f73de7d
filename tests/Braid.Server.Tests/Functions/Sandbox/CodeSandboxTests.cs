using System.Diagnostics;
using System.Text.Json.Nodes;
using Braid.Server.Functions.Sandbox;
using static Braid.Server.Tests.Functions.Sandbox.SandboxTesting;

namespace Braid.Server.Tests.Functions.Sandbox;

public sealed class CodeSandboxTests
{
    [Theory]
    [InlineData("return 'hello'", "\"hello\"")]
    [InlineData("return 0.5", "0.5")]
    [InlineData("return 42", "42")]
    [InlineData("return true", "true")]
    [InlineData("return false", "false")]
    [InlineData("return null", "null")]
    [InlineData("return [1, 'two', null, [3]]", "[1,\"two\",null,[3]]")]
    [InlineData("return { score: 1, name: 'x', meta: { tags: ['a'] } }", "{\"score\":1,\"name\":\"x\",\"meta\":{\"tags\":[\"a\"]}}")]
    // As JSON.stringify: undefined members are dropped, NaN becomes null, dates become ISO strings.
    [InlineData("return { a: undefined, b: NaN, c: new Date(0) }", "{\"b\":null,\"c\":\"1970-01-01T00:00:00.000Z\"}")]
    public async Task Handler_ReturnValue_ComesBackAsJson(string body, string expected)
    {
        var value = await ValueAsync($"function handler(args) {{ {body} }}");
        Assert.Equal(expected, JsonText(value));
    }

    [Theory]
    [InlineData("return undefined")]
    [InlineData("return () => 1")]
    public async Task Handler_ReturningNothingJsonCanHold_GivesNull(string body)
    {
        var (result, _) = await RunAsync($"function handler() {{ {body} }}");
        Assert.True(result.Succeeded);
        Assert.Null(result.Value);
    }

    [Fact]
    public async Task Handler_ReceivesTheArgumentsAsJavaScriptValues()
    {
        var args = JsonNode.Parse("""{"input": {"a": 2, "list": [1, 2]}, "output": "yes", "expected": null, "metadata": {"k": true}}""");
        var value = await ValueAsync("""
            function handler({ input, output, expected, metadata }) {
              return [input.a * 3, Array.isArray(input.list), output.toUpperCase(), expected === null, metadata.k, typeof args];
            }
            """, args);
        Assert.Equal("[6,true,\"YES\",true,true,\"undefined\"]", JsonText(value));
    }

    [Fact]
    public async Task AsyncHandler_IsAwaited_AndTimersRunOnAVirtualClock()
    {
        var stopwatch = Stopwatch.StartNew();
        var value = await ValueAsync("""
            const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
            async function handler(args) {
              const order = [];
              setTimeout(() => order.push("late"), 5000);
              setTimeout((tag) => order.push(tag), 10, "early");
              const cleared = setTimeout(() => order.push("cleared"), 1);
              clearTimeout(cleared);
              queueMicrotask(() => order.push("microtask"));
              await sleep(10000);
              return { doubled: args.x * 2, order };
            }
            """, JsonNode.Parse("""{"x": 21}"""));
        Assert.Equal("""{"doubled":42,"order":["microtask","early","late"]}""", JsonText(value));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), "virtual timers must not wait out their delays");
    }

    [Theory]
    [InlineData("const handler = async (args) => args.n + 1;")]
    [InlineData("let handler = function (args) { return args.n + 1 };")]
    [InlineData("module.exports = (args) => args.n + 1;")]
    [InlineData("module.exports = { handler: (args) => args.n + 1 };")]
    [InlineData("export default function (args) { return args.n + 1 }")]
    [InlineData("export default async (args) => args.n + 1;")]
    [InlineData("export async function handler(args) { return args.n + 1 }")]
    [InlineData("const handler = (args) => args.n + 1;\nexport { handler };")]
    public async Task HandlerForms_AreAllFound(string code)
    {
        Assert.Equal("2", JsonText(await ValueAsync(code, JsonNode.Parse("""{"n": 1}"""))));
    }

    [Fact]
    public async Task NoHandler_IsReportedAsSuch()
    {
        var error = await ErrorAsync("function score(args) { return 1 }");
        Assert.Equal(SandboxErrorKind.NoHandler, error.Kind);
        Assert.Contains("function handler(args)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThrownError_GivesItsNameMessageAndLine()
    {
        var error = await ErrorAsync("""
            function handler(args) {
              const x = args.value;
              throw new TypeError(`bad value ${x}`);
            }
            """, args: JsonNode.Parse("""{"value": 7}"""));
        Assert.Equal(SandboxErrorKind.Exception, error.Kind);
        Assert.Equal("TypeError", error.Name);
        Assert.Equal("bad value 7", error.Message);
        Assert.Equal(3, error.Line);
        Assert.Contains("handler", error.Stack, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RuntimeError_IsAJavaScriptError_NotAHostException()
    {
        var error = await ErrorAsync("function handler(args) {\n  return args.missing.field;\n}", args: new JsonObject());
        Assert.Equal(SandboxErrorKind.Exception, error.Kind);
        Assert.Equal("TypeError", error.Name);
        Assert.Equal(2, error.Line);
    }

    [Fact]
    public async Task RejectedPromise_GivesTheRejection()
    {
        var error = await ErrorAsync("""
            async function handler() {
              await null;
              throw new RangeError("too big");
            }
            """);
        Assert.Equal(SandboxErrorKind.Exception, error.Kind);
        Assert.Equal("RangeError", error.Name);
        Assert.Equal("too big", error.Message);
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public async Task ThrownNonError_BecomesTheMessage()
    {
        var error = await ErrorAsync("function handler() { throw 'plain string' }");
        Assert.Equal("Error", error.Name);
        Assert.Equal("plain string", error.Message);
    }

    [Fact]
    public async Task SyntaxError_GivesThePosition()
    {
        var error = await ErrorAsync("function handler(args) {\n  let x = ;\n}");
        Assert.Equal(SandboxErrorKind.Syntax, error.Kind);
        Assert.Equal("SyntaxError", error.Name);
        Assert.Equal(2, error.Line);
        Assert.Equal(11, error.Column);
    }

    [Fact]
    public async Task StrictMode_IsOn()
    {
        var error = await ErrorAsync("function handler() { undeclared = 1; return undeclared }");
        Assert.Equal("ReferenceError", error.Name);
    }

    [Fact]
    public async Task Eval_AndFunctionConstructor_Work()
    {
        Assert.Equal("[3,12]", JsonText(await ValueAsync("function handler() { return [eval('1 + 2'), new Function('a', 'return a * 2')(6)] }")));
    }

    [Fact]
    public async Task PromiseThatNeverSettles_IsAnError()
    {
        var error = await ErrorAsync("function handler() { return new Promise(() => {}) }");
        Assert.Equal(SandboxErrorKind.InvalidResult, error.Kind);
        Assert.Contains("never settles", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResultNestedTooDeeply_IsAnError()
    {
        var error = await ErrorAsync("function handler() { let o = {}; for (let i = 0; i < 100; i++) o = { o }; return o }");
        Assert.Equal(SandboxErrorKind.InvalidResult, error.Kind);
    }

    [Fact]
    public async Task CircularResult_IsAJavaScriptTypeError()
    {
        var error = await ErrorAsync("function handler() { const o = {}; o.self = o; return o }");
        Assert.Equal("TypeError", error.Name);
    }

    [Fact]
    public async Task Console_IsCapturedInOrder_WithItsStream()
    {
        var (result, console) = await RunAsync("""
            async function handler() {
              console.log("one", 2, { three: [3] }, null, undefined);
              console.error("two");
              await null;
              console.info("three");
              console.warn(new Error("four"));
              setTimeout(() => console.debug("five"), 1);
              await new Promise((r) => setTimeout(r, 2));
              return "done";
            }
            """);
        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(
            [
                (ConsoleEntry.Stdout, "one 2 {\"three\":[3]} null undefined"),
                (ConsoleEntry.Stderr, "two"),
                (ConsoleEntry.Stdout, "three"),
                (ConsoleEntry.Stderr, "Error: four"),
                (ConsoleEntry.Stdout, "five"),
            ],
            console.Select(e => (e.Stream, e.Message.Split('\n')[0])));
    }

    [Fact]
    public async Task Console_ReachesTheCallerWhileTheCodeRuns()
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        // A time limit well past the moment the line arrives, so a loaded machine cannot end the run before it is checked.
        var run = SharedSandbox.RunAsync("function handler() { console.log('started'); while (true) {} }", null, Tight with { Timeout = TimeSpan.FromSeconds(5) }, entry =>
        {
            seen.TrySetResult(entry.Message);
            return ValueTask.CompletedTask;
        }, CancellationToken.None);
        Assert.Equal("started", await seen.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(run.IsCompleted);
        Assert.Equal(SandboxErrorKind.Timeout, (await run).Error!.Kind);
    }

    [Fact]
    public async Task Console_FloodIsTruncated()
    {
        var limits = SandboxLimits.Default with { MaxConsoleChars = 1000 };
        var (result, console) = await RunAsync("function handler() { for (let i = 0; i < 1000; i++) console.log('x'.repeat(50)); return 1 }", limits: limits);
        Assert.True(result.Succeeded);
        Assert.Equal(21, console.Count);
        Assert.StartsWith("[console output truncated", console[^1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConsoleConsumerFailure_StopsTheRunAndPropagates()
    {
        var run = SharedSandbox.RunAsync("function handler() { for (;;) console.log('x') }", null, SandboxLimits.Default,
            _ => throw new IOException("client went away"), CancellationToken.None);
        var stopwatch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<IOException>(() => run);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Cancellation_StopsARunningLoop()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var stopwatch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            SharedSandbox.RunAsync("function handler() { for (;;) {} }", null, SandboxLimits.Default, null, cancel.Token));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Runs_AreIsolatedFromEachOther()
    {
        await ValueAsync("globalThis.leak = 1; Object.prototype.polluted = true; function handler() { return 1 }");
        Assert.Equal("[\"undefined\",\"undefined\"]", JsonText(await ValueAsync("function handler() { return [typeof leak, typeof ({}).polluted] }")));
    }

    [Fact]
    public async Task TrivialScorer_IsCheapToRun()
    {
        const string code = "function handler({ output, expected }) { return output === expected ? 1 : 0 }";
        var args = JsonNode.Parse("""{"output": "a", "expected": "a"}""");
        await ValueAsync(code, args); // warm up: JIT and the parse cache
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < 200; i++) Assert.Equal("1", JsonText(await ValueAsync(code, args)));
        // About 0.2 ms each in a Release build on a quiet machine; the bound only catches a regression to
        // per-call parsing or a thread per run.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(4), $"200 runs took {stopwatch.Elapsed}");
    }
}
