namespace Braid.Query.Syntax;

/// <summary>
/// The only exception the parsers throw: a malformed query, with the position it went wrong at.
/// The message carries no position so callers can format it as their wire protocol wants.
/// </summary>
public sealed class QueryError(string message, SourcePosition position) : Exception(message)
{
    public SourcePosition Position { get; } = position;

    public override string ToString() => $"{Message} (at {Position})";
}
