using System.Text;

namespace Braid.Query.Syntax;

/// <summary>Turns query text into tokens with positions. Shared by the SQL and BTQL parsers.</summary>
internal sealed class Lexer
{
    private readonly string _text;
    private int _offset;
    private int _line = 1;
    private int _lineStart;

    private Lexer(string text) => _text = text;

    public static List<Token> Tokenize(string text)
    {
        if (text.Length > ParserLimits.MaxQueryLength)
        {
            throw new QueryError($"query is longer than {ParserLimits.MaxQueryLength} characters", SourcePosition.Start);
        }
        var lexer = new Lexer(text);
        var tokens = new List<Token>();
        Token token;
        do
        {
            token = lexer.Next();
            tokens.Add(token);
        }
        while (token.Kind != TokenKind.End);
        return tokens;
    }

    private SourcePosition Here => new(_offset, _line, _offset - _lineStart + 1);

    private char Peek(int ahead = 0) => _offset + ahead < _text.Length ? _text[_offset + ahead] : '\0';

    private void Advance()
    {
        if (_text[_offset] == '\n')
        {
            _line++;
            _lineStart = _offset + 1;
        }
        _offset++;
    }

    private Token Next()
    {
        SkipTrivia();
        var start = Here;
        if (_offset >= _text.Length)
        {
            return Make(TokenKind.End, "", start);
        }
        var c = Peek();
        if (char.IsAsciiLetter(c) || c == '_' || c == '$')
        {
            while (char.IsAsciiLetterOrDigit(Peek()) || Peek() == '_' || Peek() == '$')
            {
                Advance();
            }
            return Make(TokenKind.Identifier, _text[start.Offset.._offset], start);
        }
        if (char.IsAsciiDigit(c))
        {
            return LexNumber(start);
        }
        switch (c)
        {
            case '\'':
                return Make(TokenKind.String, LexQuoted('\'', "string"), start);
            case '"':
                return Make(TokenKind.QuotedIdentifier, LexQuoted('"', "quoted identifier"), start);
        }
        var (kind, length) = (c, Peek(1)) switch
        {
            (':', ':') => (TokenKind.DoubleColon, 2),
            ('!', '=') => (TokenKind.NotEqual, 2),
            ('<', '>') => (TokenKind.NotEqual, 2),
            ('<', '=') => (TokenKind.LessOrEqual, 2),
            ('>', '=') => (TokenKind.GreaterOrEqual, 2),
            ('=', '>') => (TokenKind.Arrow, 2),
            ('(', _) => (TokenKind.LeftParen, 1),
            (')', _) => (TokenKind.RightParen, 1),
            ('[', _) => (TokenKind.LeftBracket, 1),
            (']', _) => (TokenKind.RightBracket, 1),
            (',', _) => (TokenKind.Comma, 1),
            ('.', _) => (TokenKind.Dot, 1),
            (':', _) => (TokenKind.Colon, 1),
            ('|', _) => (TokenKind.Pipe, 1),
            ('*', _) => (TokenKind.Star, 1),
            ('+', _) => (TokenKind.Plus, 1),
            ('-', _) => (TokenKind.Minus, 1),
            ('/', _) => (TokenKind.Slash, 1),
            ('%', _) => (TokenKind.Percent, 1),
            ('=', _) => (TokenKind.Equal, 1),
            ('<', _) => (TokenKind.Less, 1),
            ('>', _) => (TokenKind.Greater, 1),
            ('?', _) => (TokenKind.Question, 1),
            (';', _) => (TokenKind.Semicolon, 1),
            _ => throw new QueryError($"unexpected character '{c}'", start),
        };
        var text = _text.Substring(_offset, length);
        _offset += length;
        return Make(kind, text, start);
    }

    private Token Make(TokenKind kind, string text, SourcePosition start) => new(kind, text, start, _line);

    private void SkipTrivia()
    {
        while (_offset < _text.Length)
        {
            var c = Peek();
            if (char.IsWhiteSpace(c))
            {
                Advance();
            }
            else if (c == '-' && Peek(1) == '-')
            {
                while (_offset < _text.Length && Peek() != '\n')
                {
                    Advance();
                }
            }
            else if (c == '/' && Peek(1) == '*')
            {
                var start = Here;
                Advance();
                Advance();
                while (!(Peek() == '*' && Peek(1) == '/'))
                {
                    if (_offset >= _text.Length)
                    {
                        throw new QueryError("unterminated /* comment", start);
                    }
                    Advance();
                }
                Advance();
                Advance();
            }
            else
            {
                return;
            }
        }
    }

    private Token LexNumber(SourcePosition start)
    {
        while (char.IsAsciiDigit(Peek()))
        {
            Advance();
        }
        if (Peek() == '.' && char.IsAsciiDigit(Peek(1)))
        {
            Advance();
            while (char.IsAsciiDigit(Peek()))
            {
                Advance();
            }
        }
        if ((Peek() == 'e' || Peek() == 'E') &&
            (char.IsAsciiDigit(Peek(1)) || ((Peek(1) == '+' || Peek(1) == '-') && char.IsAsciiDigit(Peek(2)))))
        {
            Advance();
            Advance();
            while (char.IsAsciiDigit(Peek()))
            {
                Advance();
            }
        }
        if (char.IsAsciiLetter(Peek()) || Peek() == '_')
        {
            throw new QueryError("a number must not run into a name", Here);
        }
        CheckLength(_offset - start.Offset, start);
        return Make(TokenKind.Number, _text[start.Offset.._offset], start);
    }

    // Both quote styles double the quote to escape it. Single-quoted strings also take backslash escapes;
    // an unknown escape such as \% is kept whole so LIKE patterns reach the LIKE matcher unchanged.
    private string LexQuoted(char quote, string what)
    {
        var start = Here;
        Advance();
        var value = new StringBuilder();
        while (true)
        {
            if (_offset >= _text.Length)
            {
                throw new QueryError($"unterminated {what}", start);
            }
            var c = Peek();
            if (c == quote)
            {
                Advance();
                if (Peek() != quote)
                {
                    break;
                }
                value.Append(quote);
                Advance();
            }
            else if (c == '\\' && quote == '\'' && _offset + 1 < _text.Length)
            {
                Advance();
                var escaped = Peek();
                switch (escaped)
                {
                    case 'n': value.Append('\n'); break;
                    case 't': value.Append('\t'); break;
                    case 'r': value.Append('\r'); break;
                    case '0': value.Append('\0'); break;
                    case '\\' or '\'' or '"': value.Append(escaped); break;
                    default: value.Append('\\').Append(escaped); break;
                }
                Advance();
            }
            else
            {
                value.Append(c);
                Advance();
            }
            CheckLength(value.Length, start);
        }
        return value.ToString();
    }

    private static void CheckLength(int length, SourcePosition start)
    {
        if (length > ParserLimits.MaxLiteralLength)
        {
            throw new QueryError($"literal is longer than {ParserLimits.MaxLiteralLength} characters", start);
        }
    }
}
