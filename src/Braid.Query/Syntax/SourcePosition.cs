namespace Braid.Query.Syntax;

/// <summary>A place in the query text: zero-based character offset, one-based line and column.</summary>
public readonly record struct SourcePosition(int Offset, int Line, int Column)
{
    public static readonly SourcePosition Start = new(0, 1, 1);

    public override string ToString() => $"line {Line}, column {Column}";
}
