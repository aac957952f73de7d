using System.Runtime.CompilerServices;

namespace Braid.Query.Syntax;

/// <summary>
/// Where each expression of a parsed query starts in its text, kept beside the tree rather than in it so that
/// two queries that mean the same thing stay equal whatever their spacing (the equivalence tests rely on it).
/// Nodes are looked up by reference: the same field written twice has two positions.
/// </summary>
public sealed class SourceMap
{
    public static readonly SourceMap None = new();

    private readonly ConditionalWeakTable<Expr, StrongBox<SourcePosition>> _positions = [];

    public SourcePosition? Find(Expr expression) =>
        _positions.TryGetValue(expression, out var box) ? box.Value : null;

    internal T Mark<T>(T expression, SourcePosition position)
        where T : Expr
    {
        _positions.AddOrUpdate(expression, new StrongBox<SourcePosition>(position));
        return expression;
    }

    // Positions are not part of a query's meaning, so every map equals every other.
    public override bool Equals(object? obj) => obj is SourceMap;

    public override int GetHashCode() => 0;
}
