using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Braid.Server.Functions.Templates;

/// <summary>
/// The subset of Nunjucks (Jinja's JavaScript cousin) that Braintrust prompts use, rendered as nunjucks does with
/// autoescape off: <c>{{ expression }}</c> with member and index access, literals, arithmetic, comparisons,
/// <c>and</c>/<c>or</c>/<c>not</c>/<c>in</c>, <c>~</c> concatenation and common filters (<c>upper lower capitalize title
/// trim length join default first last reverse replace round int float abs string dump tojson safe</c>);
/// <c>{% if %}/{% elif %}/{% else %}/{% endif %}</c>, <c>{% for x in xs %}</c> (and <c>for k, v in obj</c>) with
/// <c>loop.index/index0/first/last/length</c> and <c>{% else %}</c>, <c>{% set %}</c>, <c>{# comments #}</c> and
/// <c>-</c> whitespace control. Values print as JavaScript's <c>String()</c>; <c>| dump</c> writes JSON. Macros,
/// includes, inheritance and custom tests are not supported and are reported as errors. Strict mode makes printing
/// an undefined variable an error, like nunjucks' <c>throwOnUndefined</c>.
/// </summary>
public static class Nunjucks
{
    public static string Render(string template, JsonNode? variables, bool strict)
    {
        var nodes = new Parser(Lex(template)).ParseBlock(out var end);
        if (end is not null)
        {
            throw new TemplateException($"'{{% {end} %}}' has no opening tag");
        }

        var scope = new Dictionary<string, JsonNode?>();
        if (variables is JsonObject obj)
        {
            foreach (var (name, value) in obj)
            {
                scope[name] = value;
            }
        }

        var output = new StringBuilder(template.Length);
        new Renderer(strict).Run(nodes, [scope], output);
        return output.ToString();
    }

    // ---- Lexing: text, {{ output }}, {% tag %} and {# comment #}, with '-' trimming the neighbouring whitespace.

    private enum PartKind
    {
        Text,
        Output,
        Tag,
    }

    private sealed record Part(PartKind Kind, string Body);

    private static List<Part> Lex(string template)
    {
        var parts = new List<Part>();
        var i = 0;
        var trimNext = false;
        while (i < template.Length)
        {
            var start = NextOpen(template, i);
            var text = template[i..(start < 0 ? template.Length : start)];
            if (trimNext)
            {
                text = text.TrimStart();
            }

            if (start < 0)
            {
                parts.Add(new Part(PartKind.Text, text));
                break;
            }

            var kind = template[start + 1];
            var closer = kind switch { '{' => "}}", '%' => "%}", _ => "#}" };
            var bodyStart = start + 2;
            if (bodyStart < template.Length && template[bodyStart] == '-')
            {
                text = text.TrimEnd();
                bodyStart++;
            }

            parts.Add(new Part(PartKind.Text, text));
            var end = template.IndexOf(closer, bodyStart, StringComparison.Ordinal);
            if (end < 0)
            {
                throw new TemplateException($"unclosed '{template.Substring(start, 2)}' at offset {start}");
            }

            var bodyEnd = end;
            trimNext = end > bodyStart && template[end - 1] == '-';
            if (trimNext)
            {
                bodyEnd--;
            }

            var body = template[bodyStart..bodyEnd].Trim();
            if (kind != '#')
            {
                parts.Add(new Part(kind == '{' ? PartKind.Output : PartKind.Tag, body));
            }

            i = end + 2;
        }

        return parts;
    }

    private static int NextOpen(string template, int from)
    {
        for (var k = template.IndexOf('{', from); k >= 0 && k + 1 < template.Length; k = template.IndexOf('{', k + 1))
        {
            if (template[k + 1] is '{' or '%' or '#')
            {
                return k;
            }
        }

        return -1;
    }

    // ---- Syntax tree.

    private abstract record Node;

    private sealed record TextNode(string Text) : Node;

    private sealed record OutputNode(Expr Expr) : Node;

    private sealed record IfNode(List<(Expr Condition, List<Node> Body)> Branches, List<Node>? Else) : Node;

    private sealed record ForNode(string Key, string? Value, Expr Source, List<Node> Body, List<Node>? Else) : Node;

    private sealed record SetNode(string Name, Expr Value) : Node;

    private abstract record Expr;

    private sealed record Literal(JsonNode? Value) : Expr;

    private sealed record Name(string Identifier) : Expr;

    private sealed record Member(Expr Target, Expr Key) : Expr;

    private sealed record ListExpr(List<Expr> Items) : Expr;

    private sealed record Unary(string Op, Expr Operand) : Expr;

    private sealed record Binary(string Op, Expr Left, Expr Right) : Expr;

    private sealed record Filter(string FilterName, Expr Target, List<Expr> Args) : Expr;

    private sealed class Parser(List<Part> parts)
    {
        private int _at;

        /// <summary>Nodes up to the next block tag that ends or splits a block (returned in <paramref name="end"/>), or to the end.</summary>
        public List<Node> ParseBlock(out string? end)
        {
            var nodes = new List<Node>();
            while (_at < parts.Count)
            {
                var part = parts[_at++];
                switch (part.Kind)
                {
                    case PartKind.Text when part.Body.Length > 0:
                        nodes.Add(new TextNode(part.Body));
                        break;
                    case PartKind.Output:
                        nodes.Add(new OutputNode(Expression(part.Body)));
                        break;
                    case PartKind.Tag:
                        var word = part.Body.Split(' ', 2)[0];
                        var rest = part.Body.Length > word.Length ? part.Body[word.Length..].Trim() : "";
                        switch (word)
                        {
                            case "if":
                                nodes.Add(ParseIf(rest));
                                break;
                            case "for":
                                nodes.Add(ParseFor(rest));
                                break;
                            case "set":
                                var eq = rest.IndexOf('=', StringComparison.Ordinal);
                                var target = eq < 0 ? "" : rest[..eq].Trim();
                                if (!IsIdentifier(target))
                                {
                                    throw new TemplateException($"'{{% set {rest} %}}': expected 'set name = expression'");
                                }

                                nodes.Add(new SetNode(target, Expression(rest[(eq + 1)..])));
                                break;
                            case "elif" or "elseif" or "else" or "endif" or "endfor":
                                end = part.Body;
                                return nodes;
                            default:
                                throw new TemplateException($"'{{% {word} %}}' is not supported by this server's nunjucks (if, for, set are)");
                        }

                        break;
                }
            }

            end = null;
            return nodes;
        }

        private IfNode ParseIf(string condition)
        {
            var branches = new List<(Expr, List<Node>)>();
            Expr? current = Expression(condition);
            while (true)
            {
                var body = ParseBlock(out var end);
                if (current is null)
                {
                    // The else branch: only endif may follow it.
                    return end == "endif" ? new IfNode(branches, body) : throw Unclosed("if", "endif", end);
                }

                branches.Add((current, body));
                var word = end?.Split(' ', 2)[0];
                switch (word)
                {
                    case "endif":
                        return new IfNode(branches, null);
                    case "elif" or "elseif":
                        current = Expression(end![word.Length..]);
                        break;
                    case "else":
                        current = null;
                        break;
                    default:
                        throw Unclosed("if", "endif", end);
                }
            }
        }

        private static TemplateException Unclosed(string tag, string closer, string? found) =>
            new(found is null ? $"'{{% {tag} %}}' is never closed by '{{% {closer} %}}'" : $"unexpected '{{% {found} %}}' inside '{{% {tag} %}}'");

        private ForNode ParseFor(string header)
        {
            var inAt = header.IndexOf(" in ", StringComparison.Ordinal);
            if (inAt < 0)
            {
                throw new TemplateException($"'{{% for {header} %}}': expected 'for item in items'");
            }

            var names = header[..inAt].Split(',', StringSplitOptions.TrimEntries);
            if (names.Length > 2 || !names.All(IsIdentifier))
            {
                throw new TemplateException($"'{{% for {header} %}}': expected one or two loop variable names");
            }

            var source = Expression(header[(inAt + 4)..]);
            var body = ParseBlock(out var end);
            List<Node>? otherwise = null;
            if (end == "else")
            {
                otherwise = ParseBlock(out end);
            }

            return end == "endfor"
                ? new ForNode(names[0], names.Length == 2 ? names[1] : null, source, body, otherwise)
                : throw Unclosed("for", "endfor", end);
        }

        private static bool IsIdentifier(string s) =>
            s.Length > 0 && (char.IsLetter(s[0]) || s[0] == '_') && s.All(c => char.IsLetterOrDigit(c) || c == '_');

        private static Expr Expression(string text) => new ExprParser(text).Parse();
    }

    // ---- Expressions: a small precedence-climbing parser over a hand tokenizer.

    private sealed class ExprParser
    {
        private readonly List<string> _tokens = [];
        private readonly string _text;
        private int _at;

        public ExprParser(string text)
        {
            _text = text;
            var i = 0;
            while (i < text.Length)
            {
                var c = text[i];
                if (char.IsWhiteSpace(c))
                {
                    i++;
                }
                else if (c is '"' or '\'')
                {
                    var j = i + 1;
                    while (j < text.Length && text[j] != c)
                    {
                        j += text[j] == '\\' ? 2 : 1;
                    }

                    if (j >= text.Length)
                    {
                        throw new TemplateException($"unterminated string in '{text}'");
                    }

                    _tokens.Add(text[i..(j + 1)]);
                    i = j + 1;
                }
                else if (char.IsDigit(c))
                {
                    var j = i;
                    while (j < text.Length && (char.IsDigit(text[j]) || text[j] == '.' && j + 1 < text.Length && char.IsDigit(text[j + 1])))
                    {
                        j++;
                    }

                    _tokens.Add(text[i..j]);
                    i = j;
                }
                else if (char.IsLetter(c) || c == '_')
                {
                    var j = i;
                    while (j < text.Length && (char.IsLetterOrDigit(text[j]) || text[j] == '_'))
                    {
                        j++;
                    }

                    _tokens.Add(text[i..j]);
                    i = j;
                }
                else
                {
                    var two = i + 1 < text.Length ? text.Substring(i, 2) : "";
                    var op = two is "==" or "!=" or "<=" or ">=" or "//" or "**" ? two : c.ToString();
                    if (!"==!=<=>=//**+-*/%~<>()[].,|:".Contains(op, StringComparison.Ordinal))
                    {
                        throw new TemplateException($"unexpected '{op}' in '{text}'");
                    }

                    _tokens.Add(op);
                    i += op.Length;
                }
            }
        }

        public Expr Parse()
        {
            var expr = Or();
            return _at < _tokens.Count ? throw new TemplateException($"unexpected '{_tokens[_at]}' in '{_text}'") : expr;
        }

        private string? Peek => _at < _tokens.Count ? _tokens[_at] : null;

        private bool Accept(string token)
        {
            if (Peek == token)
            {
                _at++;
                return true;
            }

            return false;
        }

        private void Expect(string token)
        {
            if (!Accept(token))
            {
                throw new TemplateException($"expected '{token}' in '{_text}'");
            }
        }

        private Expr Or()
        {
            var left = And();
            while (Accept("or"))
            {
                left = new Binary("or", left, And());
            }

            return left;
        }

        private Expr And()
        {
            var left = Not();
            while (Accept("and"))
            {
                left = new Binary("and", left, Not());
            }

            return left;
        }

        private Expr Not() => Accept("not") ? new Unary("not", Not()) : Comparison();

        private Expr Comparison()
        {
            var left = Concat();
            while (true)
            {
                if (Peek is "==" or "!=" or "<" or ">" or "<=" or ">=" or "in")
                {
                    var op = _tokens[_at++];
                    left = new Binary(op, left, Concat());
                }
                else if (Peek == "not" && _at + 1 < _tokens.Count && _tokens[_at + 1] == "in")
                {
                    _at += 2;
                    left = new Unary("not", new Binary("in", left, Concat()));
                }
                else
                {
                    return left;
                }
            }
        }

        private Expr Concat()
        {
            var left = Additive();
            while (Accept("~"))
            {
                left = new Binary("~", left, Additive());
            }

            return left;
        }

        private Expr Additive()
        {
            var left = Multiplicative();
            while (Peek is "+" or "-")
            {
                var op = _tokens[_at++];
                left = new Binary(op, left, Multiplicative());
            }

            return left;
        }

        private Expr Multiplicative()
        {
            var left = UnaryMinus();
            while (Peek is "*" or "/" or "//" or "%" or "**")
            {
                var op = _tokens[_at++];
                left = new Binary(op, left, UnaryMinus());
            }

            return left;
        }

        private Expr UnaryMinus() => Accept("-") ? new Unary("-", UnaryMinus()) : Postfix();

        private Expr Postfix()
        {
            var expr = Primary();
            while (true)
            {
                if (Accept("."))
                {
                    var name = Peek ?? throw new TemplateException($"expected a name after '.' in '{_text}'");
                    _at++;
                    expr = new Member(expr, new Literal(name));
                }
                else if (Accept("["))
                {
                    var key = Or();
                    Expect("]");
                    expr = new Member(expr, key);
                }
                else if (Accept("|"))
                {
                    var name = Peek ?? throw new TemplateException($"expected a filter name after '|' in '{_text}'");
                    _at++;
                    var args = new List<Expr>();
                    if (Accept("("))
                    {
                        while (!Accept(")"))
                        {
                            args.Add(Or());
                            if (Peek != ")")
                            {
                                Expect(",");
                            }
                        }
                    }

                    expr = new Filter(name, expr, args);
                }
                else
                {
                    return expr;
                }
            }
        }

        private Expr Primary()
        {
            var token = Peek ?? throw new TemplateException($"an expression is missing in '{_text}'");
            _at++;
            if (token == "(")
            {
                var inner = Or();
                Expect(")");
                return inner;
            }

            if (token == "[")
            {
                var items = new List<Expr>();
                while (!Accept("]"))
                {
                    items.Add(Or());
                    if (Peek != "]")
                    {
                        Expect(",");
                    }
                }

                return new ListExpr(items);
            }

            if (token[0] is '"' or '\'')
            {
                return new Literal(Unquote(token));
            }

            if (char.IsDigit(token[0]))
            {
                return new Literal(JsonValue.Create(double.Parse(token, CultureInfo.InvariantCulture)));
            }

            return token switch
            {
                "true" or "True" => new Literal(JsonValue.Create(true)),
                "false" or "False" => new Literal(JsonValue.Create(false)),
                "none" or "None" or "null" => new Literal(null),
                _ when char.IsLetter(token[0]) || token[0] == '_' => new Name(token),
                _ => throw new TemplateException($"unexpected '{token}' in '{_text}'"),
            };
        }

        private static string Unquote(string token)
        {
            var text = new StringBuilder();
            for (var k = 1; k < token.Length - 1; k++)
            {
                if (token[k] == '\\' && k + 1 < token.Length - 1)
                {
                    k++;
                    text.Append(token[k] switch { 'n' => '\n', 't' => '\t', _ => token[k] });
                }
                else
                {
                    text.Append(token[k]);
                }
            }

            return text.ToString();
        }
    }

    // ---- Evaluation. Undefined (a missing variable or member) is kept apart from null so strict mode can tell them apart.

    private readonly record struct Value(JsonNode? Node, bool Undefined = false)
    {
        public static readonly Value Missing = new(null, true);
    }

    private sealed class Renderer(bool strict)
    {
        public void Run(List<Node> nodes, List<Dictionary<string, JsonNode?>> scopes, StringBuilder output)
        {
            foreach (var node in nodes)
            {
                switch (node)
                {
                    case TextNode text:
                        output.Append(text.Text);
                        break;
                    case OutputNode print:
                        var value = Eval(print.Expr, scopes);
                        if (value.Undefined && strict)
                        {
                            throw new TemplateException($"Variable '{Describe(print.Expr)}' does not exist.");
                        }

                        output.Append(value.Node is null ? "" : TemplateValues.ToText(value.Node));
                        break;
                    case SetNode set:
                        scopes[^1][set.Name] = Eval(set.Value, scopes).Node?.DeepClone();
                        break;
                    case IfNode branch:
                        var taken = branch.Branches.FirstOrDefault(b => TemplateValues.Truthy(Eval(b.Condition, scopes).Node)).Body ?? branch.Else;
                        if (taken is not null)
                        {
                            Run(taken, scopes, output);
                        }

                        break;
                    case ForNode loop:
                        RunFor(loop, scopes, output);
                        break;
                }
            }
        }

        private void RunFor(ForNode loop, List<Dictionary<string, JsonNode?>> scopes, StringBuilder output)
        {
            var source = Eval(loop.Source, scopes).Node;
            var items = source switch
            {
                JsonArray array => array.Select(item => (Key: item, Value: (JsonNode?)null)).ToList(),
                JsonObject obj => obj.Select(p => (Key: (JsonNode?)p.Key, p.Value)).ToList(),
                _ => [],
            };
            if (items.Count == 0)
            {
                if (loop.Else is not null)
                {
                    Run(loop.Else, scopes, output);
                }

                return;
            }

            for (var i = 0; i < items.Count; i++)
            {
                var frame = new Dictionary<string, JsonNode?>
                {
                    ["loop"] = new JsonObject
                    {
                        ["index"] = i + 1, ["index0"] = i, ["first"] = i == 0, ["last"] = i == items.Count - 1, ["length"] = items.Count,
                        ["revindex"] = items.Count - i, ["revindex0"] = items.Count - i - 1,
                    },
                };
                frame[loop.Key] = items[i].Key?.DeepClone();
                if (loop.Value is not null)
                {
                    frame[loop.Value] = items[i].Value?.DeepClone();
                }

                scopes.Add(frame);
                try
                {
                    Run(loop.Body, scopes, output);
                }
                finally
                {
                    scopes.RemoveAt(scopes.Count - 1);
                }
            }
        }

        private Value Eval(Expr expr, List<Dictionary<string, JsonNode?>> scopes)
        {
            switch (expr)
            {
                case Literal literal:
                    return new Value(literal.Value?.DeepClone());
                case Name name:
                    for (var i = scopes.Count - 1; i >= 0; i--)
                    {
                        if (scopes[i].TryGetValue(name.Identifier, out var found))
                        {
                            return new Value(found);
                        }
                    }

                    return Value.Missing;
                case Member member:
                    var target = Eval(member.Target, scopes).Node;
                    var key = Eval(member.Key, scopes).Node;
                    var step = key is JsonValue kv && kv.GetValueKind() == JsonValueKind.Number ? TemplateValues.NumberText(TemplateValues.Number(kv)) : TemplateValues.ToText(key);
                    return TemplateValues.TryPath(target, [step], out var child) ? new Value(child) : Value.Missing;
                case ListExpr list:
                    return new Value(new JsonArray([.. list.Items.Select(item => Eval(item, scopes).Node?.DeepClone())]));
                case Unary unary:
                    var operand = Eval(unary.Operand, scopes).Node;
                    return unary.Op == "not"
                        ? new Value(JsonValue.Create(!TemplateValues.Truthy(operand)))
                        : new Value(JsonValue.Create(-TemplateValues.Number(operand)));
                case Binary binary:
                    return new Value(Binary(binary, scopes));
                case Filter filter:
                    return ApplyFilter(filter, Eval(filter.Target, scopes), [.. filter.Args.Select(a => Eval(a, scopes).Node)]);
                default:
                    throw new InvalidOperationException(expr.GetType().Name);
            }
        }

        private JsonNode? Binary(Binary binary, List<Dictionary<string, JsonNode?>> scopes)
        {
            var left = Eval(binary.Left, scopes).Node;
            switch (binary.Op)
            {
                case "and":
                    return TemplateValues.Truthy(left) ? Eval(binary.Right, scopes).Node : left;
                case "or":
                    return TemplateValues.Truthy(left) ? left : Eval(binary.Right, scopes).Node;
            }

            var right = Eval(binary.Right, scopes).Node;
            double L() => TemplateValues.Number(left);
            double R() => TemplateValues.Number(right);
            var equal = JsonNode.DeepEquals(left, right) || (TemplateValues.IsNumber(left) && TemplateValues.IsNumber(right) && L() == R());
            return binary.Op switch
            {
                "==" => JsonValue.Create(equal),
                "!=" => JsonValue.Create(!equal),
                "<" => JsonValue.Create(Compare(left, right) < 0),
                ">" => JsonValue.Create(Compare(left, right) > 0),
                "<=" => JsonValue.Create(Compare(left, right) <= 0),
                ">=" => JsonValue.Create(Compare(left, right) >= 0),
                "in" => JsonValue.Create(right switch
                {
                    JsonArray array => array.Any(item => JsonNode.DeepEquals(item, left)),
                    JsonObject obj => obj.ContainsKey(TemplateValues.ToText(left)),
                    _ => TemplateValues.IsString(right, out var s) && s.Contains(TemplateValues.ToText(left), StringComparison.Ordinal),
                }),
                "~" => JsonValue.Create(TemplateValues.ToText(left) + TemplateValues.ToText(right)),
                "+" when TemplateValues.IsString(left, out _) || TemplateValues.IsString(right, out _) =>
                    JsonValue.Create(TemplateValues.ToText(left) + TemplateValues.ToText(right)),
                "+" => JsonValue.Create(L() + R()),
                "-" => JsonValue.Create(L() - R()),
                "*" => JsonValue.Create(L() * R()),
                "/" => JsonValue.Create(L() / R()),
                "//" => JsonValue.Create(Math.Floor(L() / R())),
                "%" => JsonValue.Create(L() % R()),
                "**" => JsonValue.Create(Math.Pow(L(), R())),
                _ => throw new TemplateException($"operator '{binary.Op}' is not supported"),
            };
        }

        private static int Compare(JsonNode? left, JsonNode? right) =>
            TemplateValues.IsString(left, out var a) && TemplateValues.IsString(right, out var b)
                ? string.CompareOrdinal(a, b)
                : TemplateValues.Number(left).CompareTo(TemplateValues.Number(right));

        private static Value ApplyFilter(Filter filter, Value target, JsonNode?[] args)
        {
            var node = target.Node;
            string Text() => TemplateValues.ToText(node);
            JsonNode? Arg(int i) => i < args.Length ? args[i] : null;
            JsonNode? result = filter.FilterName switch
            {
                "safe" or "string" => filter.FilterName == "safe" ? node : JsonValue.Create(Text()),
                "upper" => JsonValue.Create(Text().ToUpperInvariant()),
                "lower" => JsonValue.Create(Text().ToLowerInvariant()),
                "capitalize" => JsonValue.Create(Text() is { Length: > 0 } c ? char.ToUpperInvariant(c[0]) + c[1..].ToLowerInvariant() : ""),
                "title" => JsonValue.Create(CultureInfo.InvariantCulture.TextInfo.ToTitleCase(Text().ToLowerInvariant())),
                "trim" => JsonValue.Create(Text().Trim()),
                "length" => JsonValue.Create(node switch
                {
                    JsonArray array => array.Count,
                    JsonObject obj => obj.Count,
                    null => 0,
                    _ => Text().Length,
                }),
                "join" => JsonValue.Create(node is JsonArray items
                    ? string.Join(Arg(0) is null ? "" : TemplateValues.ToText(Arg(0)), items.Select(TemplateValues.ToText))
                    : Text()),
                "default" or "d" => target.Undefined || (Arg(1) is { } falsy && TemplateValues.Truthy(falsy) && !TemplateValues.Truthy(node)) ? Arg(0)?.DeepClone() : node,
                "first" => node is JsonArray { Count: > 0 } f ? f[0]?.DeepClone() : TemplateValues.IsString(node, out var fs) && fs.Length > 0 ? JsonValue.Create(fs[..1]) : null,
                "last" => node is JsonArray { Count: > 0 } l ? l[^1]?.DeepClone() : TemplateValues.IsString(node, out var ls) && ls.Length > 0 ? JsonValue.Create(ls[^1..]) : null,
                "reverse" => node is JsonArray r
                    ? new JsonArray([.. r.Reverse().Select(item => item?.DeepClone())])
                    : JsonValue.Create(new string(Text().Reverse().ToArray())),
                "replace" => JsonValue.Create(Text().Replace(TemplateValues.ToText(Arg(0)), TemplateValues.ToText(Arg(1)), StringComparison.Ordinal)),
                "round" => JsonValue.Create(Math.Round(TemplateValues.Number(node), (int)(Arg(0) is null ? 0 : TemplateValues.Number(Arg(0))), MidpointRounding.AwayFromZero)),
                "int" => JsonValue.Create(double.TryParse(Text(), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? Math.Truncate(n) : 0),
                "float" => JsonValue.Create(double.TryParse(Text(), NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? x : 0),
                "abs" => JsonValue.Create(Math.Abs(TemplateValues.Number(node))),
                "dump" or "tojson" => JsonValue.Create(TemplateValues.Json(node)),
                _ => throw new TemplateException($"filter '{filter.FilterName}' is not supported by this server's nunjucks"),
            };
            return new Value(result);
        }

        private static string Describe(Expr expr) => expr switch
        {
            Name name => name.Identifier,
            Member { Key: Literal { Value: var key } } member => Describe(member.Target) + "." + TemplateValues.ToText(key),
            Member member => Describe(member.Target) + "[...]",
            Filter filter => Describe(filter.Target),
            _ => "expression",
        };
    }
}
