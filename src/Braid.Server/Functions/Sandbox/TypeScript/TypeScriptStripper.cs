using System.Text;

namespace Braid.Server.Functions.Sandbox.TypeScript;

/// <summary>What <see cref="TypeScriptStripper.Strip"/> made of a source: runnable JavaScript, or why there is none.</summary>
internal readonly record struct StrippedSource(string Code, string? Error);

/// <summary>
/// Turns Braintrust inline TypeScript into JavaScript a script engine runs, by erasing types: each erased character
/// becomes a space (line breaks stay), so line and column numbers in errors still point into the code the user wrote.
/// It works on tokens with a few rules of thumb, not a TypeScript parser; what it erases:
/// <list type="bullet">
/// <item>type annotations on variables, parameters (also <c>x?:</c>), destructuring patterns, class fields and return types;</item>
/// <item><c>interface</c>, <c>type X = ...</c> and <c>declare ...</c> statements, <c>import type</c>, <c>export type</c>;</item>
/// <item><c>as T</c>, <c>satisfies T</c>, <c>&lt;T&gt;x</c> casts and the non-null <c>x!</c>;</item>
/// <item>type parameters and arguments: <c>function f&lt;T&gt;(</c>, <c>&lt;T,&gt;(x: T) =&gt;</c>, <c>f&lt;string&gt;(x)</c>,
/// <c>new Map&lt;K, V&gt;()</c>, <c>class A&lt;T&gt; extends B&lt;T&gt; implements C</c>.</item>
/// </list>
/// The code runs as a script, not a module, so <c>export</c> is rewritten: <c>export default X</c> becomes
/// <c>exports.default = X</c> and <c>export</c> before a declaration is dropped. Importing anything is refused.
/// Not handled (the engine then reports a syntax error): enums, namespaces, decorators, parameter properties and
/// access modifiers (<c>private x</c>), <c>abstract</c>, overload signatures, <c>this</c> parameters, index
/// signatures in classes, JSX, and a parenthesized arrow function with a return type inside the true branch of a
/// conditional (<c>c ? (x): T =&gt; x : y</c>). Like TypeScript, <c>a &lt; b &gt; (c)</c> is read as a generic call.
/// </summary>
internal sealed class TypeScriptStripper
{
    // Names after which an expression does not end: `x` in `return x` starts one.
    private static readonly HashSet<string> NonOperandKeywords = new(StringComparer.Ordinal)
    {
        "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield",
        "await", "extends", "export", "import", "default", "let", "const", "var", "if", "while", "for", "with", "switch",
        "try", "catch", "finally", "function", "class",
    };

    private static readonly HashSet<string> TypePrefixKeywords = new(StringComparer.Ordinal)
    {
        "keyof", "typeof", "readonly", "unique", "infer", "asserts",
    };

    private static readonly HashSet<string> DeclarableKeywords = new(StringComparer.Ordinal)
    {
        "const", "let", "var", "function", "class", "module", "namespace", "global", "enum", "type", "interface", "abstract", "async",
    };

    private readonly string _source;
    private readonly List<JsToken> _tokens;
    private readonly int[] _match;
    private readonly bool[] _removed;
    private readonly char[] _output;
    private readonly List<(int Start, int End, string Text)> _replacements = [];
    private readonly Stack<Frame> _frames = new();
    private int _previous = -1;
    private string? _error;

    private TypeScriptStripper(string source, List<JsToken> tokens, int[] match)
    {
        _source = source;
        _tokens = tokens;
        _match = match;
        _removed = new bool[tokens.Count];
        _output = source.ToCharArray();
        _frames.Push(new Frame('\0'));
    }

    /// <summary>The source with TypeScript erased. A source that does not tokenize, or whose brackets do not balance,
    /// comes back unchanged: the engine's parser reports that better than guesses would.</summary>
    public static StrippedSource Strip(string source)
    {
        var tokens = JsTokenizer.Tokenize(source);
        if (tokens is null) return new StrippedSource(source, null);
        var match = MatchBrackets(source, tokens);
        if (match is null) return new StrippedSource(source, null);
        var stripper = new TypeScriptStripper(source, tokens, match);
        return stripper.Run() ? new StrippedSource(stripper.Output(), null) : new StrippedSource(source, stripper._error);
    }

    /// <summary>Bracket state of one nesting level: parentheses, brackets, braces, a template substitution, or the top.</summary>
    private sealed class Frame(char open)
    {
        public char Open { get; } = open;
        public bool ClassBody { get; init; }
        // Open `?` of conditionals and `case` labels, so their `:` is not read as a type annotation.
        public int Conditionals { get; set; }
        public int Cases { get; set; }
        // Inside `let/const/var` declarators, where a `,` starts another declarator.
        public bool InDeclaration { get; set; }
        // After `class`, until the class body's brace.
        public bool ClassPending { get; set; }
    }

    private bool Run()
    {
        for (var i = 0; i < _tokens.Count; i++)
        {
            if (_removed[i]) continue;
            var frame = _frames.Peek();
            var token = _tokens[i];
            if (frame.InDeclaration && token.NewlineBefore && _previous >= 0 && EndsOperand(_previous) && !IsPunct(i, ","))
            {
                frame.InDeclaration = false; // automatic semicolon insertion ended the declaration
            }

            if (token.Kind == JsTokenKind.Name && AtStatementStart(i))
            {
                var next = TryStatement(i);
                if (_error is not null) return false;
                if (next >= 0)
                {
                    i = next - 1;
                    continue;
                }
            }

            switch (token.Kind)
            {
                case JsTokenKind.Name:
                    i = OnName(i, frame);
                    break;
                case JsTokenKind.Punct:
                    i = OnPunct(i, frame);
                    if (i < 0) return false;
                    break;
                case JsTokenKind.Template when token.Part == TemplatePart.Head:
                    _frames.Push(new Frame('`'));
                    break;
                case JsTokenKind.Template when token.Part == TemplatePart.Middle:
                    frame.Conditionals = 0;
                    break;
                case JsTokenKind.Template when token.Part == TemplatePart.Tail:
                    if (_frames.Count == 1) return false;
                    _frames.Pop();
                    break;
            }
            if (i < _tokens.Count && !_removed[i]) _previous = i;
        }
        return true;
    }

    private int OnName(int i, Frame frame)
    {
        var text = Text(i);
        var afterDot = _previous >= 0 && IsPunct(_previous, ".", "?.");
        if (afterDot) return i;
        switch (text)
        {
            case "let" or "const" or "var" when StartsDeclarator(i + 1):
                frame.InDeclaration = true;
                EraseDeclaratorType(i + 1);
                return i;
            case "class" when IsName(i + 1) || IsPunct(i + 1, "{"):
                frame.ClassPending = true;
                return i;
            case "implements" when frame.ClassPending:
                var body = i;
                while (body < _tokens.Count && !IsPunct(body, "{")) body = Skip(body);
                Erase(i, body);
                return body - 1;
            case "case":
                frame.Cases++;
                return i;
            case "as" or "satisfies" when !_tokens[i].NewlineBefore && _previous >= 0 && EndsOperand(_previous):
                var end = SkipType(i + 1);
                if (end < 0) return i;
                Erase(i, end);
                return end - 1;
            default:
                return i;
        }
    }

    private int OnPunct(int i, Frame frame)
    {
        switch (Text(i))
        {
            case "!" when _previous >= 0 && !_tokens[i].NewlineBefore && IsNonNullOperand(_previous):
                Erase(i, i + 1);
                return i;
            case "<":
                var end = TypeArgumentsEnd(i, frame);
                if (end < 0) return i;
                Erase(i, end);
                return end - 1;
            case "?":
                // `x?:`, `x?,`, `x?)`: an optional parameter or field; a conditional's `?` is never followed by these.
                if (IsPunct(i + 1, ":", ",", ")"))
                {
                    Erase(i, i + 1);
                }
                else
                {
                    frame.Conditionals++;
                }
                return i;
            case ":":
                return OnColon(i, frame);
            case ",":
                if (frame.InDeclaration) EraseDeclaratorType(i + 1);
                return i;
            case ";":
                frame.InDeclaration = false;
                return i;
            case "(" or "[":
                _frames.Push(new Frame(Text(i)[0]));
                return i;
            case "{":
                _frames.Push(new Frame('{') { ClassBody = frame.ClassPending });
                frame.ClassPending = false;
                return i;
            case ")" or "]" or "}":
                if (_frames.Count == 1) return -1;
                _frames.Pop();
                return i;
            default:
                return i;
        }
    }

    private int OnColon(int i, Frame frame)
    {
        if (frame.Conditionals > 0)
        {
            frame.Conditionals--;
            return i;
        }
        if (frame.Cases > 0)
        {
            frame.Cases--;
            return i;
        }
        // Plain JavaScript has no `:` right after `)` (outside conditionals and `case`), none at the top level of
        // parentheses and none at the top level of a class body: there it starts a return type, a parameter type
        // or a field type. Object literal keys and labels sit at brace level and are left alone.
        var annotation = IsPunct(_previous, ")") || frame.Open == '(' || frame.ClassBody;
        if (!annotation) return i;
        var end = SkipType(i + 1);
        if (end < 0) return i;
        Erase(i, end);
        return end - 1;
    }

    /// <summary>Erases the type of the declarator starting at <paramref name="k"/>: <c>x: T</c>, <c>x!: T</c>,
    /// <c>{ a }: T</c> or <c>[a]: T</c>.</summary>
    private void EraseDeclaratorType(int k)
    {
        if (k >= _tokens.Count || _removed[k]) return;
        int m;
        if (_tokens[k].Kind == JsTokenKind.Name) m = k + 1;
        else if (IsPunct(k, "{", "[")) m = _match[k] + 1;
        else return;
        if (IsPunct(m, "!") && !_tokens[m].NewlineBefore)
        {
            Erase(m, m + 1);
            m++;
        }
        if (!IsPunct(m, ":")) return;
        var end = SkipType(m + 1);
        if (end > 0) Erase(m, end);
    }

    private bool StartsDeclarator(int k) =>
        k < _tokens.Count && (IsPunct(k, "{", "[") || (_tokens[k].Kind == JsTokenKind.Name && Text(k) is not ("in" or "of" or "instanceof")));

    /// <summary>Where a <c>&lt;</c> at <paramref name="i"/> opens type parameters or arguments, the index after
    /// their <c>&gt;</c>; otherwise -1 (a less-than).</summary>
    private int TypeArgumentsEnd(int i, Frame frame)
    {
        var end = SkipAngles(i);
        if (end < 0) return -1;
        if (_previous < 0 || !EndsOperand(_previous)) return end; // `<T>(x: T) => x` or a `<T>x` cast: no operand before
        if (_tokens[_previous].Kind != JsTokenKind.Name) return -1;
        // After a name only a call, a tagged template or a class heading can follow type arguments.
        if (IsPunct(end, "(") || IsTemplateStart(end)) return end;
        if (frame.ClassPending && (IsPunct(end, "{") || IsName(end, "extends") || IsName(end, "implements"))) return end;
        return -1;
    }

    private bool AtStatementStart(int i) =>
        _previous < 0 || _tokens[i].NewlineBefore || IsPunct(_previous, ";", "{", "}");

    /// <summary>Handles TypeScript-only and module statements at <paramref name="i"/>; returns the index after what
    /// it erased or rewrote, or -1 when the name starts no such statement.</summary>
    private int TryStatement(int i)
    {
        var next = i + 1;
        var sameLine = next < _tokens.Count && !_tokens[next].NewlineBefore;
        switch (Text(i))
        {
            case "import" when IsName(next, "type") && (IsName(next + 1) || IsPunct(next + 1, "{", "*")):
                return EraseModuleStatement(i);
            case "import" when IsName(next) || IsPunct(next, "{", "*") || IsKind(next, JsTokenKind.String):
                if (IsPunct(next, "{") && OnlyTypeSpecifiers(next)) return EraseModuleStatement(i);
                _error = $"Cannot import {ModuleName(i)}: inline code runs in a sandbox without modules; define everything the handler needs in the code itself.";
                return -1;
            case "export":
                return TryExport(i);
            case "interface" when sameLine && IsName(next):
                var body = next + 1;
                while (body < _tokens.Count && !IsPunct(body, "{")) body = IsPunct(body, "<") ? Math.Max(SkipAngles(body), body + 1) : Skip(body);
                if (body >= _tokens.Count) return -1;
                Erase(i, _match[body] + 1);
                return _match[body] + 1;
            case "type" when sameLine && IsName(next) && IsPunct(next + 1, "=", "<"):
                var k = next + 1;
                if (IsPunct(k, "<")) k = SkipAngles(k);
                if (k < 0 || !IsPunct(k, "=")) return -1;
                k = SkipType(k + 1);
                if (k < 0) return -1;
                if (IsPunct(k, ";")) k++;
                Erase(i, k);
                return k;
            case "declare" when sameLine && IsName(next) && DeclarableKeywords.Contains(Text(next)):
                var end = DeclareEnd(i);
                Erase(i, end);
                return end;
            default:
                return -1;
        }
    }

    private int TryExport(int i)
    {
        var next = i + 1;
        if (IsName(next, "type") && IsPunct(next + 1, "{", "*")) return EraseModuleStatement(i);
        if (IsName(next, "default"))
        {
            // The script's `exports` global stands in for the module's exports (see the sandbox prelude).
            _replacements.Add((_tokens[i].Start, _tokens[next].End, "exports.default ="));
            _removed[i] = _removed[next] = true;
            _previous = next;
            return next + 1;
        }
        if (IsPunct(next, "{"))
        {
            var close = _match[next];
            if (IsName(close + 1, "from"))
            {
                _error = $"Cannot re-export from {ModuleName(i)}: inline code runs in a sandbox without modules.";
                return -1;
            }
            // `export { handler }` only names what the script already defines.
            return EraseModuleStatement(i);
        }
        if (IsPunct(next, "*"))
        {
            _error = $"Cannot re-export from {ModuleName(i)}: inline code runs in a sandbox without modules.";
            return -1;
        }
        if (IsName(next))
        {
            Erase(i, i + 1); // `export function`, `export const`, `export interface`, ...: keep the declaration
            return i + 1;
        }
        return -1;
    }

    /// <summary>Erases an import/export statement: up to its module name, or its closing brace, and a semicolon.</summary>
    private int EraseModuleStatement(int i)
    {
        var k = i + 1;
        while (k < _tokens.Count && !IsKind(k, JsTokenKind.String) && !IsPunct(k, ";"))
        {
            if (IsPunct(k, "{"))
            {
                k = _match[k] + 1;
                if (!IsName(k, "from")) break;
                continue;
            }
            if (k > i + 1 && _tokens[k].NewlineBefore && !IsName(k, "from")) break;
            k++;
        }
        if (IsKind(k, JsTokenKind.String)) k++;
        if (IsPunct(k, ";")) k++;
        Erase(i, k);
        return k;
    }

    private bool OnlyTypeSpecifiers(int open)
    {
        var close = _match[open];
        var any = false;
        for (var k = open + 1; k < close; k++)
        {
            var startsSpecifier = k == open + 1 || IsPunct(k - 1, ",");
            if (!startsSpecifier || IsPunct(k, "}")) continue;
            if (!IsName(k, "type")) return false;
            any = true;
        }
        return any;
    }

    private string ModuleName(int i)
    {
        for (var k = i + 1; k < _tokens.Count && k < i + 64; k++)
        {
            if (IsKind(k, JsTokenKind.String)) return Text(k);
            if (IsPunct(k, ";")) break;
        }
        return "a module";
    }

    /// <summary>The end of a <c>declare</c> statement: its semicolon, the end of its line, or for a block form
    /// (<c>declare module 'x' { }</c>, <c>declare class A { }</c>) its closing brace.</summary>
    private int DeclareEnd(int i)
    {
        var blockForm = Text(i + 1) is "module" or "namespace" or "global" or "class" or "enum" or "interface" or "abstract";
        var k = i + 2;
        while (k < _tokens.Count)
        {
            if (IsPunct(k, ";")) return k + 1;
            if (_tokens[k].NewlineBefore && EndsOperand(k - 1)) return k;
            if (IsPunct(k, "{") && blockForm) return _match[k] + 1;
            k = Skip(k);
        }
        return k;
    }

    // ----------------------------------------------------------------------------------------------- types

    /// <summary>Skips one type starting at <paramref name="k"/> and returns the index after it, or -1 when no type
    /// starts there. Unions, intersections, conditional types and type predicates are taken whole.</summary>
    private int SkipType(int k)
    {
        if (IsPunct(k, "|", "&")) k++;
        k = SkipTypeOperand(k);
        while (k > 0 && k < _tokens.Count)
        {
            if (IsPunct(k, "|", "&"))
            {
                k = SkipTypeOperand(k + 1);
            }
            else if (IsName(k, "is") && !_tokens[k].NewlineBefore)
            {
                k = SkipTypeOperand(k + 1);
            }
            else if (IsName(k, "extends") && !_tokens[k].NewlineBefore)
            {
                k = SkipTypeOperand(k + 1);
                if (!IsPunct(k, "?")) return -1;
                k = SkipType(k + 1);
                if (!IsPunct(k, ":")) return -1;
                return SkipType(k + 1);
            }
            else
            {
                break;
            }
        }
        return k;
    }

    private int SkipTypeOperand(int k)
    {
        while (IsName(k) && TypePrefixKeywords.Contains(Text(k)) && k + 1 < _tokens.Count && !_tokens[k + 1].NewlineBefore
               && (IsName(k + 1) || IsPunct(k + 1, "(", "[", "{")))
        {
            k++;
        }
        if (IsName(k, "new")) k++; // constructor type: `new (x: A) => B`
        if (k < 0 || k >= _tokens.Count) return -1;

        var token = _tokens[k];
        switch (token.Kind)
        {
            case JsTokenKind.Name when Text(k) == "import" && IsPunct(k + 1, "("):
                k = _match[k + 1] + 1;
                break;
            case JsTokenKind.Name:
                k++;
                break;
            case JsTokenKind.String or JsTokenKind.Number:
            case JsTokenKind.Template when token.Part == TemplatePart.Whole:
                k++;
                break;
            case JsTokenKind.Template when token.Part == TemplatePart.Head:
                k = _match[k] + 1;
                break;
            case JsTokenKind.Punct when IsPunct(k, "-") && IsKind(k + 1, JsTokenKind.Number):
                k += 2;
                break;
            case JsTokenKind.Punct when IsPunct(k, "{", "["):
                k = _match[k] + 1;
                break;
            case JsTokenKind.Punct when IsPunct(k, "("):
                // A parenthesized type, or a function type's parameters when `=>` follows.
                k = _match[k] + 1;
                return IsPunct(k, "=>") ? SkipType(k + 1) : SkipTypePostfix(k);
            case JsTokenKind.Punct when IsPunct(k, "<"):
                // A generic function type: `<T>(x: T) => T`.
                k = SkipAngles(k);
                if (k < 0 || !IsPunct(k, "(")) return -1;
                k = _match[k] + 1;
                return IsPunct(k, "=>") ? SkipType(k + 1) : -1;
            default:
                return -1;
        }
        return SkipTypePostfix(k);
    }

    /// <summary>Skips what may follow a type on the same line: <c>.Name</c>, <c>&lt;args&gt;</c>, <c>[]</c>, <c>[K]</c>.</summary>
    private int SkipTypePostfix(int k)
    {
        while (k < _tokens.Count && !_tokens[k].NewlineBefore)
        {
            if (IsPunct(k, "[")) k = _match[k] + 1;
            else if (IsPunct(k, ".") && IsName(k + 1)) k += 2;
            else if (IsPunct(k, "<") && SkipAngles(k) is > 0 and var end) k = end;
            else break;
        }
        return k;
    }

    /// <summary>Skips a <c>&lt;...&gt;</c> list of types (or type parameters, with <c>extends</c> and defaults)
    /// starting at <paramref name="k"/>; -1 when what follows the <c>&lt;</c> cannot be one, as in <c>a &lt; b &amp;&amp; c</c>.</summary>
    private int SkipAngles(int k)
    {
        var depth = 0;
        var sawExtends = false;
        for (; k < _tokens.Count; k++)
        {
            var token = _tokens[k];
            switch (token.Kind)
            {
                case JsTokenKind.Name:
                    if (Text(k) == "extends") sawExtends = true;
                    continue;
                case JsTokenKind.String or JsTokenKind.Number:
                case JsTokenKind.Template when token.Part == TemplatePart.Whole:
                    continue;
                case JsTokenKind.Template when token.Part == TemplatePart.Head:
                    k = _match[k];
                    continue;
                case JsTokenKind.Punct:
                    break;
                default:
                    return -1;
            }
            switch (Text(k))
            {
                case "<":
                    depth++;
                    break;
                case ">" or ">>" or ">>>":
                    depth -= Text(k).Length;
                    if (depth == 0) return k + 1;
                    if (depth < 0) return -1;
                    break;
                case "(" or "[" or "{":
                    k = _match[k];
                    break;
                case "," or "." or "|" or "&" or "=" or "=>" or "...":
                    break;
                case "?" or ":" when sawExtends:
                    break;
                case "-" when IsKind(k + 1, JsTokenKind.Number):
                    break;
                default:
                    return -1;
            }
        }
        return -1;
    }

    // ----------------------------------------------------------------------------------------------- helpers

    /// <summary>Whether the token ends an operand, so that what follows is an operator: `as`, `!`, `&lt;`.</summary>
    private bool EndsOperand(int k)
    {
        var token = _tokens[k];
        return token.Kind switch
        {
            JsTokenKind.Name => !NonOperandKeywords.Contains(Text(k)),
            JsTokenKind.Number or JsTokenKind.String or JsTokenKind.Regex => true,
            JsTokenKind.Template => token.Part is TemplatePart.Whole or TemplatePart.Tail,
            JsTokenKind.Punct => IsPunct(k, ")", "]", "}"),
            _ => false,
        };
    }

    // A closing brace is left out: `} !x` on one line is rare, but reading it as `x!` would change the meaning.
    private bool IsNonNullOperand(int k) =>
        (_tokens[k].Kind == JsTokenKind.Name && !NonOperandKeywords.Contains(Text(k))) || IsPunct(k, ")", "]");

    /// <summary>The index after the token at <paramref name="k"/>, or after its whole bracketed group.</summary>
    private int Skip(int k) =>
        IsPunct(k, "(", "[", "{") || (IsKind(k, JsTokenKind.Template) && _tokens[k].Part == TemplatePart.Head) ? _match[k] + 1 : k + 1;

    private bool IsTemplateStart(int k) =>
        IsKind(k, JsTokenKind.Template) && _tokens[k].Part is TemplatePart.Whole or TemplatePart.Head;

    private string Text(int k) => _source[_tokens[k].Start.._tokens[k].End];

    private bool IsKind(int k, JsTokenKind kind) => k >= 0 && k < _tokens.Count && _tokens[k].Kind == kind;

    private bool IsName(int k) => IsKind(k, JsTokenKind.Name);

    private bool IsName(int k, string text) => IsName(k) && SpanEquals(k, text);

    private bool IsPunct(int k, string text) => IsKind(k, JsTokenKind.Punct) && SpanEquals(k, text);

    private bool IsPunct(int k, string a, string b) => IsPunct(k, a) || IsPunct(k, b);

    private bool IsPunct(int k, string a, string b, string c) => IsPunct(k, a) || IsPunct(k, b) || IsPunct(k, c);

    private bool SpanEquals(int k, string text) =>
        _source.AsSpan(_tokens[k].Start, _tokens[k].End - _tokens[k].Start).SequenceEqual(text);

    /// <summary>Blanks tokens [from, to) and what lies between them, keeping line breaks.</summary>
    private void Erase(int from, int to)
    {
        if (to <= from) return;
        for (var c = _tokens[from].Start; c < _tokens[to - 1].End; c++)
        {
            if (!JsTokenizer.IsLineTerminator(_output[c])) _output[c] = ' ';
        }
        for (var k = from; k < to; k++) _removed[k] = true;
    }

    private string Output()
    {
        if (_replacements.Count == 0) return new string(_output);
        var text = new StringBuilder(_output.Length + 16);
        var at = 0;
        foreach (var (start, end, replacement) in _replacements.OrderBy(r => r.Start))
        {
            text.Append(_output, at, start - at).Append(replacement);
            at = end;
        }
        return text.Append(_output, at, _output.Length - at).ToString();
    }

    /// <summary>For each opening bracket (and template head) the index of its closing one, and the reverse; null
    /// when they do not balance.</summary>
    private static int[]? MatchBrackets(string source, List<JsToken> tokens)
    {
        var match = new int[tokens.Count];
        var open = new Stack<int>();
        for (var k = 0; k < tokens.Count; k++)
        {
            var token = tokens[k];
            match[k] = -1;
            var text = token.Kind == JsTokenKind.Punct ? source.AsSpan(token.Start, token.End - token.Start) : default;
            var opens = text is "(" or "[" or "{" || token.Part == TemplatePart.Head;
            var closes = text is ")" or "]" or "}" || token.Part == TemplatePart.Tail;
            if (opens)
            {
                open.Push(k);
            }
            else if (closes)
            {
                if (open.Count == 0) return null;
                var o = open.Pop();
                var expected = source[tokens[o].Start] switch { '(' => ')', '[' => ']', _ => '}' };
                var actual = token.Part == TemplatePart.Tail ? '}' : text[0];
                if (expected != actual || (token.Part == TemplatePart.Tail) != (tokens[o].Part == TemplatePart.Head)) return null;
                match[o] = k;
                match[k] = o;
            }
        }
        return open.Count == 0 ? match : null;
    }
}
