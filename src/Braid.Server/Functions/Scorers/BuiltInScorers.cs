using System.Diagnostics.CodeAnalysis;

namespace Braid.Server.Functions.Scorers;

/// <summary>A scorer Braid computes itself, under autoevals' name.</summary>
public sealed class BuiltInScorer(string name, string description, Func<ScorerArgs, ScoreResult> score)
{
    public string Name { get; } = name;
    public string Description { get; } = description;

    /// <exception cref="ScorerException">The arguments cannot be scored (a missing expected value, texts too long).</exception>
    public ScoreResult Score(ScorerArgs args) => score(args);
}

/// <summary>
/// autoevals' heuristic scorers, which need no model: looked up by their autoevals names (case-sensitive), with the
/// descriptions of autoevals' manifest. Each matches autoevals' JavaScript results (see the tests).
/// </summary>
public static class BuiltInScorers
{
    public static IReadOnlyList<BuiltInScorer> All { get; } =
    [
        new(ExactMatch.Name, "Compares two values for exact equality. If the values are objects, they are converted to JSON strings before comparison.", ExactMatch.Score),
        new(Levenshtein.Name, "Uses the Levenshtein distance to compare two strings.", Levenshtein.Score),
        new(NumericDiff.Name, "Compares numbers by normalizing their difference.", NumericDiff.Score),
        new(JsonDiff.Name, "Compares JSON objects using customizable comparison methods for strings and numbers.", JsonDiff.Score),
    ];

    private static readonly Dictionary<string, BuiltInScorer> ByName = Index();

    public static bool TryGet(string name, [NotNullWhen(true)] out BuiltInScorer? scorer) => ByName.TryGetValue(name, out scorer);

    private static Dictionary<string, BuiltInScorer> Index()
    {
        var byName = All.ToDictionary(s => s.Name, StringComparer.Ordinal);
        byName["LevenshteinScorer"] = byName[Levenshtein.Name]; // autoevals exports it under both names
        return byName;
    }
}
