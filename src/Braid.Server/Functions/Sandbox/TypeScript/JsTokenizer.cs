using System.Globalization;

namespace Braid.Server.Functions.Sandbox.TypeScript;

internal enum JsTokenKind { Name, PrivateName, Punct, String, Number, Regex, Template }

/// <summary>Which piece of a template literal a <see cref="JsTokenKind.Template"/> token is.</summary>
internal enum TemplatePart { None, Whole, Head, Middle, Tail }

/// <summary>
/// A significant token: comments and white space are dropped, but whether a line break came before the token is kept,
/// because automatic semicolon insertion decides what many TypeScript forms mean.
/// </summary>
internal readonly record struct JsToken(JsTokenKind Kind, int Start, int End, bool NewlineBefore, TemplatePart Part = TemplatePart.None);

/// <summary>
/// Splits JavaScript/TypeScript source into tokens: enough lexing to know what is code and what is inside a string,
/// template literal, comment or regular expression, which is all the type stripper needs. Template substitutions are
/// tokenized as code. A regular expression is told from a division by the token before it (the usual heuristic).
/// </summary>
internal static class JsTokenizer
{
    // Longest first, so the first prefix that matches is the token.
    private static readonly string[] Punctuators =
    [
        ">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??=",
        "=>", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
        "**", "<<", ">>",
        "{", "}", "(", ")", "[", "]", ";", ",", "<", ">", "+", "-", "*", "/", "%", "&", "|", "^", "!", "~", "?", ":", "=",
        ".", "@",
    ];

    // After these keywords an expression starts, so a slash opens a regular expression.
    private static readonly HashSet<string> KeywordsBeforeExpression = new(StringComparer.Ordinal)
    {
        "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield", "await",
    };

    /// <summary>The tokens of <paramref name="source"/>, or null when it has an unterminated string, comment,
    /// template or regular expression, or a character that starts no token (the caller then leaves the source alone
    /// and lets the parser report the error).</summary>
    public static List<JsToken>? Tokenize(string source)
    {
        var tokens = new List<JsToken>();
        // One entry per open brace: true when it opened a template substitution, whose closing brace resumes the template.
        var braces = new Stack<bool>();
        var i = 0;
        var newline = false;
        if (source.StartsWith("#!", StringComparison.Ordinal))
        {
            while (i < source.Length && !IsLineTerminator(source[i])) i++;
        }

        while (i < source.Length)
        {
            var c = source[i];
            if (IsLineTerminator(c))
            {
                newline = true;
                i++;
                continue;
            }
            if (char.IsWhiteSpace(c) || c == '\uFEFF')
            {
                i++;
                continue;
            }
            var next = i + 1 < source.Length ? source[i + 1] : '\0';
            if (c == '/' && next == '/')
            {
                while (i < source.Length && !IsLineTerminator(source[i])) i++;
                continue;
            }
            if (c == '/' && next == '*')
            {
                var close = source.IndexOf("*/", i + 2, StringComparison.Ordinal);
                if (close < 0) return null;
                if (source.AsSpan(i, close - i).IndexOfAny("\n\r\u2028\u2029") >= 0) newline = true;
                i = close + 2;
                continue;
            }

            var start = i;
            JsTokenKind kind;
            var part = TemplatePart.None;
            if (IsIdentifierStart(c) || c == '\\')
            {
                i = ScanIdentifier(source, i);
                kind = JsTokenKind.Name;
            }
            else if (c == '#' && (IsIdentifierStart(next) || next == '\\'))
            {
                i = ScanIdentifier(source, i + 1);
                kind = JsTokenKind.PrivateName;
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(next)))
            {
                i = ScanNumber(source, i);
                kind = JsTokenKind.Number;
            }
            else if (c is '"' or '\'')
            {
                i = ScanString(source, i);
                if (i < 0) return null;
                kind = JsTokenKind.String;
            }
            else if (c == '`' || (c == '}' && braces.Count > 0 && braces.Peek()))
            {
                if (c == '}') braces.Pop();
                i = ScanTemplate(source, i + 1, out var opensSubstitution);
                if (i < 0) return null;
                if (opensSubstitution) braces.Push(true);
                part = (c == '`', opensSubstitution) switch
                {
                    (true, false) => TemplatePart.Whole,
                    (true, true) => TemplatePart.Head,
                    (false, true) => TemplatePart.Middle,
                    (false, false) => TemplatePart.Tail,
                };
                kind = JsTokenKind.Template;
            }
            else if (c == '/' && RegexAllowedAfter(source, tokens))
            {
                i = ScanRegex(source, i);
                if (i < 0) return null;
                kind = JsTokenKind.Regex;
            }
            else
            {
                var punct = MatchPunctuator(source, i);
                if (punct is null) return null;
                i += punct.Length;
                kind = JsTokenKind.Punct;
                if (punct == "{") braces.Push(false);
                else if (punct == "}" && braces.Count > 0) braces.Pop();
            }
            tokens.Add(new JsToken(kind, start, i, newline, part));
            newline = false;
        }
        return tokens;
    }

    public static bool IsLineTerminator(char c) => c is '\n' or '\r' or '\u2028' or '\u2029';

    private static bool IsIdentifierStart(char c) =>
        char.IsAsciiLetter(c) || c is '$' or '_' || (c > 127 && (char.IsLetter(c) || char.IsSurrogate(c)));

    private static bool IsIdentifierPart(char c)
    {
        if (IsIdentifierStart(c) || char.IsAsciiDigit(c) || c is '\u200C' or '\u200D') return true;
        if (c <= 127) return false;
        return CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark
            or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.ConnectorPunctuation;
    }

    private static int ScanIdentifier(string s, int i)
    {
        while (i < s.Length)
        {
            if (s[i] == '\\')
            {
                // A \uXXXX or \u{...} escape: skip it as part of the name.
                i += 2;
                if (i < s.Length && s[i] == '{')
                {
                    while (i < s.Length && s[i] != '}') i++;
                    i++;
                }
                else
                {
                    i += 4;
                }
                continue;
            }
            if (!IsIdentifierPart(s[i])) break;
            i++;
        }
        return Math.Min(i, s.Length);
    }

    private static int ScanNumber(string s, int i)
    {
        var radixPrefixed = s[i] == '0' && i + 1 < s.Length && s[i + 1] is 'x' or 'X' or 'o' or 'O' or 'b' or 'B';
        while (i < s.Length)
        {
            var c = s[i];
            if (char.IsAsciiLetterOrDigit(c) || c is '_' or '.')
            {
                i++;
            }
            else if (c is '+' or '-' && !radixPrefixed && s[i - 1] is 'e' or 'E')
            {
                i++;
            }
            else
            {
                break;
            }
        }
        return i;
    }

    private static int ScanString(string s, int i)
    {
        var quote = s[i++];
        while (i < s.Length)
        {
            var c = s[i];
            if (c == '\\')
            {
                // Skips the escaped character, a line continuation included ("\r\n" is skipped in two steps: fine).
                i += 2;
                continue;
            }
            if (c == quote) return i + 1;
            if (c is '\n' or '\r') return -1;
            i++;
        }
        return -1;
    }

    /// <summary>Scans template characters from <paramref name="i"/> (just after a backquote or a substitution's
    /// closing brace) to the end of the template or the next <c>${</c>, and returns the index after it.</summary>
    private static int ScanTemplate(string s, int i, out bool opensSubstitution)
    {
        opensSubstitution = false;
        while (i < s.Length)
        {
            var c = s[i];
            if (c == '\\')
            {
                i += 2;
                continue;
            }
            if (c == '`') return i + 1;
            if (c == '$' && i + 1 < s.Length && s[i + 1] == '{')
            {
                opensSubstitution = true;
                return i + 2;
            }
            i++;
        }
        return -1;
    }

    private static int ScanRegex(string s, int i)
    {
        i++;
        var inClass = false;
        while (i < s.Length)
        {
            var c = s[i];
            if (IsLineTerminator(c)) return -1;
            if (c == '\\')
            {
                i += 2;
                continue;
            }
            if (c == '[') inClass = true;
            else if (c == ']') inClass = false;
            else if (c == '/' && !inClass) break;
            i++;
        }
        if (i >= s.Length) return -1;
        i++;
        while (i < s.Length && IsIdentifierPart(s[i])) i++;
        return i;
    }

    private static bool RegexAllowedAfter(string source, List<JsToken> tokens)
    {
        if (tokens.Count == 0) return true;
        var last = tokens[^1];
        return last.Kind switch
        {
            // After a closing brace a statement usually starts (`if (x) { ... } /re/.test(s)` is rarer than a block end).
            JsTokenKind.Punct => source.AsSpan(last.Start, last.End - last.Start) is not (")" or "]"),
            JsTokenKind.Name => KeywordsBeforeExpression.Contains(source[last.Start..last.End]),
            JsTokenKind.Template => last.Part is TemplatePart.Head or TemplatePart.Middle,
            _ => false,
        };
    }

    private static string? MatchPunctuator(string s, int i)
    {
        foreach (var p in Punctuators)
        {
            if (string.CompareOrdinal(s, i, p, 0, p.Length) != 0) continue;
            // `a?.5:1` is a conditional, not optional chaining.
            if (p == "?." && i + 2 < s.Length && char.IsAsciiDigit(s[i + 2])) continue;
            return p;
        }
        return null;
    }
}
