namespace Braid.Server.Functions.Scorers;

/// <summary>
/// autoevals' <c>NumericDiff</c>: <c>1 - |expected - output| / (|expected| + |output|)</c>, and 1 when both are the
/// number 0. Operands are converted as JavaScript's arithmetic converts them (<c>"5"</c> is 5, <c>null</c> is 0), so
/// what cannot be a number scores NaN, written as a null score. An expected value is required.
/// </summary>
public static class NumericDiff
{
    public const string Name = "NumericDiff";

    public static ScoreResult Score(ScorerArgs args)
    {
        if (!args.HasExpected) throw new ScorerException("NumericDiff requires an expected value");
        var score = Compute(new JsArg(args.Output, args.HasOutput), new JsArg(args.Expected));
        return new ScoreResult(Name, double.IsNaN(score) ? null : score);
    }

    internal static double Compute(JsArg output, JsArg expected)
    {
        // Strict equality with 0: only the number zero (also -0), not "0" or null.
        if (IsNumberZero(output) && IsNumberZero(expected)) return 1;
        var o = JsSemantics.ToNumber(output);
        var e = JsSemantics.ToNumber(expected);
        return 1 - Math.Abs(e - o) / (Math.Abs(e) + Math.Abs(o));
    }

    private static bool IsNumberZero(JsArg value) =>
        value.Defined && JsSemantics.Kind(value.Node) == System.Text.Json.JsonValueKind.Number && JsSemantics.NumberOf(value.Node!) == 0;
}
