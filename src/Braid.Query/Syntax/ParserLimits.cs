namespace Braid.Query.Syntax;

/// <summary>Bounds that keep hostile input from exhausting the stack or memory.</summary>
public static class ParserLimits
{
    public const int MaxQueryLength = 100 * 1024;

    // Deep enough for any hand-written query, shallow enough that every recursive walk over the AST
    // (record equality, binding, SQL emission) stays far from the stack limit.
    public const int MaxDepth = 64;

    // Braintrust documents a 65 KB limit for LIKE patterns; the same bound serves every literal.
    public const int MaxLiteralLength = 64 * 1024;
}
