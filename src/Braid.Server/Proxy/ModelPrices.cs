namespace Braid.Server.Proxy;

/// <summary>
/// List prices (US dollars per million tokens, input and output) of common models, for the <c>estimated_cost</c>
/// metric on llm spans. A model matches the longest prefix listed (dated snapshots share their family's price); an
/// unlisted model gets no cost rather than a wrong one. Prices as published by the providers in 2025.
/// </summary>
public static class ModelPrices
{
    private static readonly (string Prefix, double Input, double Output)[] Prices =
    [
        ("gpt-4o-mini", 0.15, 0.60),
        ("gpt-4o", 2.50, 10.00),
        ("gpt-4.1-nano", 0.10, 0.40),
        ("gpt-4.1-mini", 0.40, 1.60),
        ("gpt-4.1", 2.00, 8.00),
        ("gpt-4-turbo", 10.00, 30.00),
        ("gpt-3.5-turbo", 0.50, 1.50),
        ("o1-mini", 1.10, 4.40),
        ("o1", 15.00, 60.00),
        ("o3-mini", 1.10, 4.40),
        ("o3", 2.00, 8.00),
        ("o4-mini", 1.10, 4.40),
        ("claude-3-5-haiku", 0.80, 4.00),
        ("claude-3-haiku", 0.25, 1.25),
        ("claude-3-5-sonnet", 3.00, 15.00),
        ("claude-3-7-sonnet", 3.00, 15.00),
        ("claude-sonnet-4", 3.00, 15.00),
        ("claude-3-opus", 15.00, 75.00),
        ("claude-opus-4", 15.00, 75.00),
        ("gemini-2.0-flash-lite", 0.075, 0.30),
        ("gemini-2.0-flash", 0.10, 0.40),
        ("gemini-1.5-flash", 0.075, 0.30),
        ("gemini-1.5-pro", 1.25, 5.00),
        ("gemini-2.5-flash", 0.30, 2.50),
        ("gemini-2.5-pro", 1.25, 10.00),
    ];

    /// <summary>The estimated cost in dollars of a call, or null for a model without a listed price.</summary>
    public static double? Cost(string model, long promptTokens, long completionTokens)
    {
        (string Prefix, double Input, double Output)? best = null;
        foreach (var price in Prices)
        {
            if (model.StartsWith(price.Prefix, StringComparison.Ordinal) && (best is null || price.Prefix.Length > best.Value.Prefix.Length))
            {
                best = price;
            }
        }

        return best is { } p ? (promptTokens * p.Input + completionTokens * p.Output) / 1_000_000 : null;
    }
}
