namespace Braid.Query.Syntax;

/// <summary>Parses query text in either syntax into a <see cref="ParsedQuery"/>.</summary>
public static class QueryParser
{
    /// <summary>
    /// Text whose first clause is written <c>name:</c> is BTQL pipe syntax; text starting with
    /// SELECT (or WITH) is SQL. Throws <see cref="QueryError"/> and nothing else on malformed input.
    /// </summary>
    public static ParsedQuery Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new TokenStream(Lexer.Tokenize(text));
        if (tokens.Is(TokenKind.Identifier) && tokens.Peek(1).Kind == TokenKind.Colon)
        {
            return BtqlParser.Parse(tokens);
        }
        if (tokens.IsWord("select") || tokens.IsWord("with"))
        {
            return SqlParser.Parse(tokens);
        }
        throw tokens.Unexpected("SELECT or a BTQL clause such as 'select:'");
    }

    /// <summary>Parses a lone field path such as <c>a.b[0]."c d"</c> (json_extract's second argument).</summary>
    public static FieldPath ParsePath(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new TokenStream(Lexer.Tokenize(text));
        var expression = new ExpressionParser(tokens).ParseExpression();
        if (expression is not FieldPath path || !tokens.Is(TokenKind.End))
        {
            throw new QueryError("expected a path such as a.b[0]", SourcePosition.Start);
        }

        return path;
    }
}
