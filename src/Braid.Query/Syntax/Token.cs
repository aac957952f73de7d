namespace Braid.Query.Syntax;

internal enum TokenKind
{
    End,
    Identifier,
    QuotedIdentifier,
    String,
    Number,
    LeftParen,
    RightParen,
    LeftBracket,
    RightBracket,
    Comma,
    Dot,
    Colon,
    DoubleColon,
    Pipe,
    Star,
    Plus,
    Minus,
    Slash,
    Percent,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Question,
    Arrow,
    Semicolon,
}

/// <summary>A lexeme; <see cref="Text"/> is the unescaped value for strings and quoted identifiers.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, SourcePosition Position, int EndLine)
{
    public bool IsWord(string word) =>
        Kind == TokenKind.Identifier && string.Equals(Text, word, StringComparison.OrdinalIgnoreCase);

    public string Describe() => Kind switch
    {
        TokenKind.End => "end of query",
        TokenKind.String => $"string '{Shorten(Text)}'",
        TokenKind.QuotedIdentifier => $"\"{Shorten(Text)}\"",
        _ => $"'{Shorten(Text)}'",
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
