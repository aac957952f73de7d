using Braid.Query.Syntax;

namespace Braid.Query.Lint;

/// <summary>
/// Something legal but probably not what the user meant, reported beside the results. Codes are stable
/// (clients may match on them); <see cref="Position"/> is null for the JSON form, which has no text.
/// </summary>
public sealed record LintWarning(string Code, string Message, SourcePosition? Position);

/// <summary>What the request's <c>lint_mode</c> asks for.</summary>
public enum LintMode
{
    /// <summary>Warnings are returned beside the results.</summary>
    Default,

    /// <summary>Warnings are dropped.</summary>
    Off,

    /// <summary>Any warning fails the query with a 400.</summary>
    Strict,
}

public static class LintCodes
{
    public const string FullScan = "full_scan";
    public const string UnpageableSort = "unpageable_sort";
    public const string UnknownField = "unknown_field";
    public const string MatchOnNonText = "match_not_indexed";
    public const string MatchSubField = "match_sub_field";
    public const string SortIgnored = "sort_ignored";
}
