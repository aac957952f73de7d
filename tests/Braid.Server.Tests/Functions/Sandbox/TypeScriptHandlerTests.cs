using System.Text.Json.Nodes;
using Braid.Server.Functions.Sandbox;
using static Braid.Server.Tests.Functions.Sandbox.SandboxTesting;

namespace Braid.Server.Tests.Functions.Sandbox;

/// <summary>Inline TypeScript runs after its types are erased; JavaScript that looks like TypeScript is left alone.</summary>
public sealed class TypeScriptHandlerTests
{
    private static readonly JsonNode Args = JsonNode.Parse("""{"input": "q", "output": "abc", "expected": "abc", "metadata": {"n": 2}}""")!;

    [Fact]
    public async Task BraintrustDefaultScorerTemplate_Runs()
    {
        var value = await ValueAsync("""
            // Enter handler function that returns a score between 0 and 1
            function handler({
              input,
              output,
              expected,
              metadata,
            }: {
              input: any;
              output: any;
              expected: any;
              metadata: Record<string, any>;
            }): number {
              return expected === output ? 1 : 0;
            }
            """, Args);
        Assert.Equal("1", JsonText(value));
    }

    [Theory]
    // parameters: annotations, optional, defaults, rest, destructuring with renames
    [InlineData("function f(a: number, b?: number, c: number = 3, ...rest: number[]): number { return a + (b ?? 0) + c + rest.length }\nreturn f(1)", "4")]
    [InlineData("const f = ({ a: renamed, b = 2 }: { a: number; b?: number } = { a: 1 }): number => renamed + b;\nreturn f()", "3")]
    [InlineData("const f = async (x: string): Promise<string> => x + '!';\nreturn await f('hi')", "\"hi!\"")]
    [InlineData("const f = (cb: (x: number) => number, y: number | undefined): number => cb(y!);\nreturn f((x) => x * 2, 4)", "8")]
    // variables
    [InlineData("const a: number = 1, b: string[] = ['x'], c: { k: number } = { k: 2 };\nreturn [a, b, c.k]", "[1,[\"x\"],2]")]
    [InlineData("let total!: number;\ntotal = 5;\nconst [x, y]: [number, string] = [1, 'y'];\nreturn [total, x, y]", "[5,1,\"y\"]")]
    [InlineData("const table: Map<string, Array<number>> = new Map<string, Array<number>>();\ntable.set('a', [1]);\nreturn table.get('a')", "[1]")]
    [InlineData("const f: (a: number) => number = (a) => a + 1;\nreturn f(1)", "2")]
    // declarations
    [InlineData("interface Row<T> extends Base {\n  id: string;\n  value?: T;\n}\ntype Score = number | null;\ntype Pair<A, B = A> = [A, B];\nreturn 'ok'", "\"ok\"")]
    [InlineData("type Mapped<T> = { readonly [K in keyof T]?: T[K] extends string ? `s-${K & string}` : never };\nreturn 1", "1")]
    [InlineData("declare const injected: string;\ndeclare function helper(x: number): void;\nreturn 2", "2")]
    // assertions and casts
    [InlineData("const o = {} as Record<string, number>;\no.a = 1;\nconst n = ('5' as unknown as number);\nreturn [o, n]", "[{\"a\":1},\"5\"]")]
    [InlineData("const cfg = { mode: 'fast' } satisfies { mode: string };\nconst tags = ['a', 'b'] as const;\nreturn [cfg.mode, tags.length]", "[\"fast\",2]")]
    [InlineData("const v = <number>(<any>args.metadata.n);\nreturn v + 1", "3")]
    [InlineData("const m = args.metadata!;\nconst list = [1, 2];\nreturn m!.n + list[0]! + list.at(1)!", "5")]
    // generics
    [InlineData("function first<T extends unknown[], U = T[0]>(xs: T): U { return xs[0] }\nreturn first<number[]>([7, 8])", "7")]
    [InlineData("const id = <T,>(x: T): T => x;\nconst pick = async <K extends string>(k: K) => k;\nreturn [id<string>('a'), await pick('b')]", "[\"a\",\"b\"]")]
    [InlineData("class Box<T> implements Holder<T>, Other {\n  value: T;\n  label?: string;\n  count!: number;\n  static made: number = 0;\n  constructor(value: T) { this.value = value }\n  get(): T { return this.value }\n  map<U>(f: (v: T) => U): Box<U> { return new Box<U>(f(this.value)) }\n}\nclass Big<T> extends Box<T> {}\nreturn new Big<number>(2).map<string>((v: number) => `${v * 2}`).get()", "\"4\"")]
    [InlineData("function isText(x: unknown): x is string { return typeof x === 'string' }\nfunction check(x: unknown): asserts x is number {}\nreturn isText('a')", "true")]
    // module syntax
    [InlineData("import type { Scorer } from './types';\nimport { type Row } from \"./rows\";\nexport type { Scorer };\nreturn 'typed'", "\"typed\"")]
    public async Task TypeScriptForms_AreErased(string body, string expected)
    {
        var value = await ValueAsync($"async function handler(args: any): Promise<unknown> {{\n{body}\n}}", Args);
        Assert.Equal(expected, JsonText(value));
    }

    [Theory]
    // colons that are JavaScript: object keys, conditionals, switch cases, labels
    [InlineData("const n = 2;\nconst o = { a: n > 1 ? 'big' : 'small', b: (n) ? (1) : (2), c: { d: n } };\nswitch (n) { case (2): o.e = 'two'; break; default: o.e = 'other' }\nouter: for (const x of [1]) { for (;;) { break outer } }\nreturn o", "{\"a\":\"big\",\"b\":1,\"c\":{\"d\":2},\"e\":\"two\"}")]
    // less-than and greater-than that are comparisons
    [InlineData("const a = 1, b = 2, c = 3, d = 0;\nreturn [a < b && c > d, (a < b) > (c), a<b>c, [1, 2].filter((x) => x < c && x > a), a < b]", "[true,false,false,[2],true]")]
    // text that only looks like TypeScript
    [InlineData("const s = 'x: string as any'; const t = `a ${1 > 0 ? 'b' : 'c'} <T>(y: number)`;\nconst r = /<T>(a: b)!/.source; // as Foo: bar\n/* interface X { a: number } */\nreturn [s, t, r]", "[\"x: string as any\",\"a b <T>(y: number)\",\"<T>(a: b)!\"]")]
    // names TypeScript uses as keywords, used as plain names
    [InlineData("const type = 'a', as = 2, declare = 3, o = { type, interface: 1, satisfies: true };\nconst notNull = !o.satisfies;\nreturn [type, as * declare, o.interface, notNull]", "[\"a\",6,1,false]")]
    // automatic semicolon insertion keeps `!` and `<` meaning what JavaScript says
    [InlineData("let x = 1\nlet y = x\n!y\nconst z = [x]\nreturn y", "1")]
    public async Task JavaScript_IsLeftAlone(string body, string expected)
    {
        var value = await ValueAsync($"function handler(args) {{\n{body}\n}}", Args);
        Assert.Equal(expected, JsonText(value));
    }

    [Fact]
    public async Task ErrorPositions_PointIntoTheTypeScriptAsWritten()
    {
        var error = await ErrorAsync("""
            interface Input {
              output: string;
            }
            function handler({ output }: Input): number {
              const n: number = output.length as number;
              throw new Error(`length ${n}`);
            }
            """, args: Args);
        Assert.Equal("length 3", error.Message);
        Assert.Equal(6, error.Line);
        Assert.Equal(9, error.Column);
    }

    [Fact]
    public async Task ValueImport_IsRefused_EvenNextToTypeImports()
    {
        var error = await ErrorAsync("import { type A, z } from 'zod';\nfunction handler() { return 1 }");
        Assert.Equal(SandboxErrorKind.Unsupported, error.Kind);
        Assert.Contains("Cannot import 'zod'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("enum Color { Red, Green }\nfunction handler() { return Color.Red }")]
    [InlineData("class A { constructor(private x: number) {} }\nfunction handler() { return 1 }")]
    public async Task UnsupportedTypeScript_IsASyntaxError(string code)
    {
        var error = await ErrorAsync(code);
        Assert.Equal(SandboxErrorKind.Syntax, error.Kind);
        Assert.Equal(1, error.Line);
    }
}
