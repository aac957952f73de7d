namespace Braid.Query.Syntax;

/// <summary>A cursor over the lexed tokens; always ends with an <see cref="TokenKind.End"/> token.</summary>
internal sealed class TokenStream(List<Token> tokens)
{
    private int _index;

    public Token Current => tokens[_index];

    public Token Previous => tokens[Math.Max(_index - 1, 0)];

    public Token Peek(int ahead) => tokens[Math.Min(_index + ahead, tokens.Count - 1)];

    public bool Is(TokenKind kind) => Current.Kind == kind;

    public bool IsWord(string word) => Current.IsWord(word);

    public Token Next()
    {
        var token = Current;
        if (token.Kind != TokenKind.End)
        {
            _index++;
        }
        return token;
    }

    public bool TryTake(TokenKind kind)
    {
        if (!Is(kind))
        {
            return false;
        }
        Next();
        return true;
    }

    public bool TryWord(string word)
    {
        if (!IsWord(word))
        {
            return false;
        }
        Next();
        return true;
    }

    public Token Expect(TokenKind kind, string expected) => Is(kind) ? Next() : throw Unexpected(expected);

    public void ExpectWord(string word)
    {
        if (!TryWord(word))
        {
            throw Unexpected(word.ToUpperInvariant());
        }
    }

    public QueryError Unexpected(string expected) =>
        new($"expected {expected} but found {Current.Describe()}", Current.Position);
}
