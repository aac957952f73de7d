using System.Collections;
using System.Runtime.CompilerServices;

namespace Braid.Query.Syntax;

/// <summary>
/// An immutable list that compares by its items, so AST records stay structurally equal
/// (the compiler-generated record equality would compare plain lists by reference).
/// </summary>
[CollectionBuilder(typeof(EquatableList), nameof(EquatableList.Create))]
public sealed class EquatableList<T> : IReadOnlyList<T>, IEquatable<EquatableList<T>>
{
    public static readonly EquatableList<T> Empty = new([]);

    private readonly T[] _items;

    private EquatableList(T[] items) => _items = items;

    internal static EquatableList<T> Wrap(T[] items) => items.Length == 0 ? Empty : new(items);

    public T this[int index] => _items[index];

    public int Count => _items.Length;

    public bool Equals(EquatableList<T>? other) =>
        other is not null && (ReferenceEquals(this, other) || _items.SequenceEqual(other._items));

    public override bool Equals(object? obj) => Equals(obj as EquatableList<T>);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in _items)
        {
            hash.Add(item);
        }
        return hash.ToHashCode();
    }

    public override string ToString() => "[" + string.Join(", ", _items) + "]";

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

public static class EquatableList
{
    public static EquatableList<T> Create<T>(ReadOnlySpan<T> items) => EquatableList<T>.Wrap(items.ToArray());

    public static EquatableList<T> ToEquatableList<T>(this IEnumerable<T> items) => EquatableList<T>.Wrap([.. items]);
}
