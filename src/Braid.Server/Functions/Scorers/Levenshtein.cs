namespace Braid.Server.Functions.Scorers;

/// <summary>
/// autoevals' <c>Levenshtein</c>: <c>1 - distance / max(length)</c> between the two values as text
/// (<c>`${output}`</c>, <c>`${expected}`</c>), lengths and edits counted in UTF-16 code units like JavaScript's
/// strings; 1 when both are empty. An expected value is required.
/// </summary>
public static class Levenshtein
{
    public const string Name = "Levenshtein";

    /// <summary>Distance computations cost length × length; past this many cells a score is refused rather than
    /// tying up the server (two 10,000-character texts are 100 million cells, about a tenth of a second).</summary>
    private const long MaxCells = 100_000_000;

    public static ScoreResult Score(ScorerArgs args)
    {
        if (!args.HasExpected) throw new ScorerException("LevenshteinScorer requires an expected value");
        var output = JsSemantics.ToJsString(new JsArg(args.Output, args.HasOutput));
        var expected = JsSemantics.ToJsString(new JsArg(args.Expected));
        return new ScoreResult(Name, Similarity(output, expected, new WorkBudget(MaxCells)));
    }

    internal static double Similarity(string a, string b, WorkBudget budget)
    {
        var maxLength = Math.Max(a.Length, b.Length);
        return maxLength == 0 ? 1 : 1 - (double)Distance(a, b, budget) / maxLength;
    }

    /// <summary>Edit distance (insert, delete, substitute, each 1), after dropping the common prefix and suffix.</summary>
    internal static int Distance(string a, string b, WorkBudget budget)
    {
        var prefix = a.AsSpan().CommonPrefixLength(b);
        var x = a.AsSpan(prefix);
        var y = b.AsSpan(prefix);
        var suffix = 0;
        while (suffix < x.Length && suffix < y.Length && x[x.Length - 1 - suffix] == y[y.Length - 1 - suffix]) suffix++;
        x = x[..^suffix];
        y = y[..^suffix];
        if (x.Length == 0) return y.Length;
        if (y.Length == 0) return x.Length;
        if (x.Length > y.Length)
        {
            var swap = x;
            x = y;
            y = swap;
        }
        budget.Spend((long)x.Length * y.Length);

        // One row of the table, over the shorter text.
        var row = new int[x.Length + 1];
        for (var i = 0; i <= x.Length; i++) row[i] = i;
        for (var j = 1; j <= y.Length; j++)
        {
            var diagonal = row[0];
            row[0] = j;
            for (var i = 1; i <= x.Length; i++)
            {
                var above = row[i];
                row[i] = Math.Min(Math.Min(row[i] + 1, row[i - 1] + 1), diagonal + (x[i - 1] == y[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[x.Length];
    }
}

/// <summary>How many distance-table cells one score may still compute (JSONDiff compares many strings).</summary>
internal sealed class WorkBudget(long cells)
{
    public void Spend(long amount)
    {
        cells -= amount;
        if (cells < 0) throw new ScorerException("The values are too long to compare with Levenshtein distance in one score.");
    }
}
