using System.Diagnostics;
using Braid.Server.Functions.Sandbox;
using static Braid.Server.Tests.Functions.Sandbox.SandboxTesting;

namespace Braid.Server.Tests.Functions.Sandbox;

/// <summary>What inline code must not reach: the host's files, network, CLR and threads, or more time and memory
/// than it is given. Each attempt fails with an error the user can read, and the server carries on.</summary>
public sealed class SandboxEscapeTests
{
    [Theory]
    [InlineData("require('fs').readFileSync('/etc/passwd', 'utf8')", "require(\"fs\") is not available")]
    [InlineData("require('child_process').execSync('id')", "require(\"child_process\") is not available")]
    [InlineData("require('http').get('http://127.0.0.1/')", "require(\"http\") is not available")]
    [InlineData("fetch('http://127.0.0.1/')", "fetch is not available")]
    [InlineData("new XMLHttpRequest()", "XMLHttpRequest is not defined")]
    [InlineData("importNamespace('System.IO').File.ReadAllText('/etc/passwd')", "importNamespace is not defined")]
    [InlineData("System.IO.File.ReadAllText('/etc/passwd')", "System is not defined")]
    [InlineData("process.env.HOME", "process is not defined")]
    [InlineData("Deno.readTextFileSync('/etc/passwd')", "Deno is not defined")]
    public async Task HostAccess_IsRefusedWithAClearError(string attempt, string message)
    {
        var error = await ErrorAsync($"function handler() {{ return {attempt} }}");
        Assert.Equal(SandboxErrorKind.Exception, error.Kind);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("import fs from 'fs';\nfunction handler() { return fs.readFileSync('/etc/passwd') }")]
    [InlineData("import { readFileSync } from \"node:fs\";\nfunction handler() { return 1 }")]
    [InlineData("import * as http from 'http';\nfunction handler() { return 1 }")]
    [InlineData("export * from 'fs';\nfunction handler() { return 1 }")]
    public async Task ModuleImports_AreRefusedBeforeRunning(string code)
    {
        var error = await ErrorAsync(code);
        Assert.Equal(SandboxErrorKind.Unsupported, error.Kind);
        Assert.Contains("without modules", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DynamicImport_IsRefused()
    {
        var error = await ErrorAsync("async function handler() { const fs = await import('fs'); return fs.readFileSync('/etc/passwd') }");
        Assert.Contains("Cannot import 'fs'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostObjects_ExposeNoClrMembers()
    {
        // The console's functions are host functions: they must not lead to .NET reflection.
        var value = await ValueAsync("""
            function handler() {
              const f = console.log;
              return [typeof f.GetType, typeof globalThis.System, typeof globalThis.clr,
                      Object.getOwnPropertyNames(globalThis).filter((n) => /^(System|importNamespace|clr|host|process|require)$/.test(n))];
            }
            """);
        Assert.Equal("""["undefined","undefined","undefined",["require"]]""", JsonText(value));
    }

    [Theory]
    [InlineData("while (true) {}")]
    [InlineData("for (;;) { try { for (;;) {} } catch (e) {} finally { continue } }")]
    [InlineData("let i = 0; for (;;) { try { i++ } catch (e) {} finally { i-- } }")]
    public async Task InfiniteLoop_IsStoppedByTheTimeLimit(string body)
    {
        var stopwatch = Stopwatch.StartNew();
        var error = await ErrorAsync($"function handler() {{ {body} }}", Tight);
        Assert.Equal(SandboxErrorKind.Timeout, error.Kind);
        Assert.Contains("time limit of 1 s", error.Message, StringComparison.Ordinal);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
    }

    [Theory]
    [InlineData("async function handler() { for (;;) await null }")]
    [InlineData("function handler() { return new Promise(() => { const tick = () => setTimeout(tick, 1); tick() }) }")]
    public async Task EndlessAsyncWork_IsStopped(string code)
    {
        // Every turn allocates a promise or a timer, so the memory limit may come first.
        var error = await ErrorAsync(code, Tight);
        Assert.True(error.Kind is SandboxErrorKind.Timeout or SandboxErrorKind.MemoryLimit, error.ToString());
    }

    [Theory]
    [InlineData("const a = []; for (;;) a.push({ n: a.length })")]
    [InlineData("let s = 'x'; for (;;) s = s + s")]
    [InlineData("const parts = []; for (;;) parts.push('y'.repeat(1000))")]
    [InlineData("return new Array(1e9).fill(0).length")]
    [InlineData("return new Array(1e8).join('x').length")]
    public async Task MemoryBomb_IsStoppedByTheMemoryLimit(string body)
    {
        // A generous time limit: a slow machine must still reach the memory limit first.
        var error = await ErrorAsync($"function handler() {{ {body} }}", Tight with { Timeout = TimeSpan.FromSeconds(30) });
        Assert.Equal(SandboxErrorKind.MemoryLimit, error.Kind);
        Assert.Contains("memory limit of 32 MiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MemorySpreadOverTimers_IsStillCountedAgainstOneBudget()
    {
        // Each timer callback is a fresh call into the engine; the budget must not start afresh with each.
        var error = await ErrorAsync("""
            const kept = [];
            function handler() {
              return new Promise(() => {
                const grow = () => { for (let i = 0; i < 2000; i++) kept.push({ i }); setTimeout(grow, 1) };
                grow();
              });
            }
            """, Tight with { Timeout = TimeSpan.FromSeconds(20) });
        Assert.Equal(SandboxErrorKind.MemoryLimit, error.Kind);
    }

    [Fact]
    public async Task HugeString_IsARangeError()
    {
        var error = await ErrorAsync("function handler() { return 'x'.repeat(2 ** 30).length }", Tight);
        Assert.Equal("RangeError", error.Name);
    }

    [Fact]
    public async Task DeepRecursion_IsStoppedByTheCallDepthLimit()
    {
        var error = await ErrorAsync("function handler() { const down = (n) => down(n + 1) + 1; return down(0) }", Tight);
        Assert.Equal(SandboxErrorKind.CallDepthLimit, error.Kind);
        Assert.Contains("200", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecursionWithinTheDefaultLimit_Works()
    {
        var value = await ValueAsync("function handler() { const depth = (n) => n === 0 ? 0 : 1 + depth(n - 1); return depth(900) }");
        Assert.Equal("900", JsonText(value));
    }

    [Fact]
    public async Task DeepNativeRecursion_IsACatchableRangeError_NotAStackOverflow()
    {
        // JSON.stringify recurses in .NET, not through JavaScript calls: without the stack guard this kills the process.
        var value = await ValueAsync("""
            function handler() {
              let o = {};
              for (let i = 0; i < 200000; i++) o = { o };
              try { return JSON.stringify(o).length } catch (e) { return e.name }
            }
            """);
        Assert.Equal("\"RangeError\"", JsonText(value));
    }

    [Fact]
    public async Task DeeplyNestedSource_IsASyntaxError_NotAStackOverflow()
    {
        var code = "function handler() { return " + new string('[', 50000) + new string(']', 50000) + " }";
        var error = await ErrorAsync(code);
        Assert.Equal(SandboxErrorKind.Syntax, error.Kind);
    }

    [Fact]
    public async Task Host_StaysHealthyAfterAbuse()
    {
        await Task.WhenAll(
            ErrorAsync("function handler() { const a = []; for (;;) a.push('z'.repeat(100)) }", Tight),
            ErrorAsync("function handler() { for (;;) {} }", Tight),
            ErrorAsync("function handler() { const f = () => f(); f() }", Tight));

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            ValueAsync($"function handler() {{ return {i} * 2 }}")));
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (i * 2).ToString(System.Globalization.CultureInfo.InvariantCulture)), results.Select(JsonText));
        // What the bombs allocated was garbage once their engines were dropped.
        Assert.True(GC.GetTotalMemory(forceFullCollection: true) < 512L * 1024 * 1024);
    }
}
