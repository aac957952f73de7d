using System.Text;
using System.Text.Json.Nodes;

namespace Braid.Server.Functions.Templates;

/// <summary>
/// Mustache as the Braintrust SDK renders prompts with mustache.js: <c>{{name}}</c> writes strings as they are and
/// anything else as compact JSON (the SDK's escape function, so no HTML escaping), <c>{{{name}}}</c> and
/// <c>{{&amp;name}}</c> write JavaScript's <c>toString</c> of the value, sections follow JavaScript truthiness, dotted
/// names are looked up through the context stack, standalone tags take their line with them, and partials render
/// nothing (a prompt has none). Strict mode checks, as the SDK's lint does, that every top-level variable exists.
/// </summary>
public static class Mustache
{
    /// <summary>Renders <paramref name="template"/> over <paramref name="view"/>; a malformed template or (strict) a missing variable is a <see cref="TemplateException"/>.</summary>
    public static string Render(string template, JsonNode? view, bool strict)
    {
        var tokens = Parse(template);
        if (strict)
        {
            Lint(tokens, view);
        }

        var output = new StringBuilder(template.Length);
        RenderTokens(tokens, new Context(view, null), output);
        return output.ToString();
    }

    private enum Kind
    {
        Text,
        Name,
        Raw,
        Section,
        Inverted,
    }

    private sealed record Token(Kind Kind, string Value)
    {
        public List<Token> Children { get; } = [];
    }

    private sealed record Context(JsonNode? View, Context? Parent);

    private static List<Token> Parse(string template)
    {
        var root = new List<Token>();
        var stack = new Stack<(Token Section, List<Token> Outer)>();
        var current = root;
        var open = "{{";
        var close = "}}";
        var text = new StringBuilder();
        var i = 0;
        while (i < template.Length)
        {
            var start = template.IndexOf(open, i, StringComparison.Ordinal);
            if (start < 0)
            {
                text.Append(template, i, template.Length - i);
                break;
            }

            text.Append(template, i, start - i);
            var contentStart = start + open.Length;
            var type = contentStart < template.Length ? template[contentStart] : '\0';
            string tagClose = close;
            if (type == '{' && open == "{{")
            {
                tagClose = "}" + close;
            }
            else if (type == '=')
            {
                tagClose = "=" + close;
            }

            var end = template.IndexOf(tagClose, contentStart, StringComparison.Ordinal);
            if (end < 0)
            {
                throw new TemplateException($"unclosed tag at {Position(template, start)}: '{Snippet(template, start)}'");
            }

            var inner = template[contentStart..end];
            var after = end + tagClose.Length;
            var sigil = inner.Length > 0 && "#^/!>&{=".Contains(inner[0], StringComparison.Ordinal) ? inner[0] : '\0';
            var name = (sigil == '\0' ? inner : sigil == '=' ? inner[1..] : inner[1..]).Trim();

            // A section, comment, partial or delimiter tag alone on its line takes the line's whitespace and newline.
            if (sigil is '#' or '^' or '/' or '!' or '>' or '=' && Standalone(template, start, after, out var lineEnd))
            {
                TrimTrailingSpaces(text);
                after = lineEnd;
            }

            switch (sigil)
            {
                case '!':
                case '>':
                    break;
                case '=':
                    var delimiters = name.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (delimiters.Length != 2)
                    {
                        throw new TemplateException($"invalid delimiter tag at {Position(template, start)}: '{Snippet(template, start)}'");
                    }

                    (open, close) = (delimiters[0], delimiters[1]);
                    break;
                case '#':
                case '^':
                    Flush(text, current);
                    var section = new Token(sigil == '#' ? Kind.Section : Kind.Inverted, Require(name, template, start));
                    current.Add(section);
                    stack.Push((section, current));
                    current = section.Children;
                    break;
                case '/':
                    Flush(text, current);
                    if (stack.Count == 0 || stack.Peek().Section.Value != name)
                    {
                        throw new TemplateException(stack.Count == 0
                            ? $"'{{{{/{name}}}}}' at {Position(template, start)} closes no open section"
                            : $"'{{{{/{name}}}}}' at {Position(template, start)} does not close the open section '{stack.Peek().Section.Value}'");
                    }

                    current = stack.Pop().Outer;
                    break;
                default:
                    Flush(text, current);
                    current.Add(new Token(sigil is '&' or '{' ? Kind.Raw : Kind.Name, Require(name, template, start)));
                    break;
            }

            i = after;
        }

        Flush(text, current);
        return stack.Count > 0 ? throw new TemplateException($"section '{stack.Peek().Section.Value}' is never closed") : root;
    }

    private static string Require(string name, string template, int at) =>
        name.Length > 0 ? name : throw new TemplateException($"empty tag at {Position(template, at)}");

    private static bool Standalone(string template, int start, int after, out int lineEnd)
    {
        lineEnd = after;
        var lineStart = template.LastIndexOf('\n', Math.Max(0, start - 1)) + 1;
        if (start > 0 && template[start - 1] == '\n')
        {
            lineStart = start;
        }

        for (var k = lineStart; k < start; k++)
        {
            if (template[k] is not (' ' or '\t'))
            {
                return false;
            }
        }

        var j = after;
        while (j < template.Length && template[j] is ' ' or '\t')
        {
            j++;
        }

        if (j < template.Length && template[j] == '\r' && j + 1 < template.Length && template[j + 1] == '\n')
        {
            lineEnd = j + 2;
            return true;
        }

        if (j < template.Length && template[j] != '\n')
        {
            return false;
        }

        lineEnd = j < template.Length ? j + 1 : j;
        return true;
    }

    private static void TrimTrailingSpaces(StringBuilder text)
    {
        var n = text.Length;
        while (n > 0 && text[n - 1] is ' ' or '\t')
        {
            n--;
        }

        text.Length = n;
    }

    private static void Flush(StringBuilder text, List<Token> into)
    {
        if (text.Length > 0)
        {
            into.Add(new Token(Kind.Text, text.ToString()));
            text.Clear();
        }
    }

    // The SDK's lint: each top-level variable's path (array indexes read as .0) must reach a defined value.
    private static void Lint(List<Token> tokens, JsonNode? view)
    {
        foreach (var token in tokens)
        {
            if (token.Kind is Kind.Name or Kind.Raw)
            {
                var path = System.Text.RegularExpressions.Regex.Replace(token.Value, @"\.\d+", ".0").Split('.');
                if (!TemplateValues.TryPath(view, path, out _))
                {
                    throw new TemplateException($"Variable '{token.Value}' does not exist.");
                }
            }
        }
    }

    private static void RenderTokens(List<Token> tokens, Context context, StringBuilder output)
    {
        foreach (var token in tokens)
        {
            switch (token.Kind)
            {
                case Kind.Text:
                    output.Append(token.Value);
                    break;
                case Kind.Name:
                    if (Lookup(context, token.Value, out var value) && value is not null)
                    {
                        output.Append(TemplateValues.IsString(value, out var s) ? s : TemplateValues.IsNumber(value) ? TemplateValues.ToText(value) : TemplateValues.Json(value));
                    }

                    break;
                case Kind.Raw:
                    if (Lookup(context, token.Value, out var raw) && raw is not null)
                    {
                        output.Append(TemplateValues.ToText(raw));
                    }

                    break;
                case Kind.Section:
                    Lookup(context, token.Value, out var section);
                    if (section is JsonArray items)
                    {
                        foreach (var item in items)
                        {
                            RenderTokens(token.Children, new Context(item, context), output);
                        }
                    }
                    else if (TemplateValues.Truthy(section))
                    {
                        // mustache.js pushes objects, strings and numbers; a bare true renders in the current context.
                        var inner = section is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.True ? context : new Context(section, context);
                        RenderTokens(token.Children, inner, output);
                    }

                    break;
                case Kind.Inverted:
                    Lookup(context, token.Value, out var inverted);
                    if (!TemplateValues.Truthy(inverted) || inverted is JsonArray { Count: 0 })
                    {
                        RenderTokens(token.Children, context, output);
                    }

                    break;
            }
        }
    }

    // mustache.js: '.' is the current view; otherwise the first context, innermost out, where the whole path resolves.
    private static bool Lookup(Context context, string name, out JsonNode? value)
    {
        if (name == ".")
        {
            value = context.View;
            return true;
        }

        var path = name.Split('.');
        for (var c = context; c is not null; c = c.Parent)
        {
            if (TemplateValues.TryPath(c.View, path, out value))
            {
                return true;
            }
        }

        value = null;
        return false;
    }

    private static string Position(string template, int at)
    {
        var line = 1;
        var column = 1;
        for (var k = 0; k < at; k++)
        {
            (line, column) = template[k] == '\n' ? (line + 1, 1) : (line, column + 1);
        }

        return $"line {line}, column {column}";
    }

    private static string Snippet(string template, int at) => template.Substring(at, Math.Min(30, template.Length - at));
}
