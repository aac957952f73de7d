using System.Text.Json.Nodes;

namespace Braid.Benchmarks;

/// <summary>
/// Realistic ~1 KB log spans: traces of one root and four children with chat-style input/output,
/// metadata, metrics and scores, deterministic for a given seed.
/// </summary>
public sealed class SpanGenerator(int seed)
{
    public const int SpansPerTrace = 5;

    private static readonly string[] Words = "the quick brown fox jumps over a lazy dog while seven wizards quietly judge each box of mixed liquor jugs".Split(' ');
    private readonly Random _random = new(seed);
    private long _counter;

    public JsonObject Next()
    {
        var n = _counter++;
        var trace = n / SpansPerTrace;
        var position = n % SpansPerTrace;
        var root = $"{seed:x4}{trace:x12}";
        var id = $"{root}-{position}";
        var start = 1_790_000_000.0 + n * 0.01;
        var row = new JsonObject
        {
            ["id"] = id,
            ["span_id"] = id,
            ["root_span_id"] = root + "-0",
            ["input"] = new JsonObject
            {
                ["messages"] = new JsonArray(
                    new JsonObject { ["role"] = "system", ["content"] = Sentence(12) },
                    new JsonObject { ["role"] = "user", ["content"] = Sentence(40) }),
            },
            ["output"] = new JsonObject { ["role"] = "assistant", ["content"] = Sentence(45) },
            ["metadata"] = new JsonObject
            {
                ["model"] = position == 0 ? "gpt-4o" : "gpt-4o-mini",
                ["user_id"] = $"user-{_random.Next(1000)}",
                ["session"] = $"session-{trace % 5000}",
                ["region"] = _random.Next(3) switch { 0 => "us", 1 => "eu", _ => "ap" },
            },
            ["metrics"] = new JsonObject
            {
                ["start"] = start,
                ["end"] = start + _random.NextDouble(),
                ["prompt_tokens"] = _random.Next(50, 500),
                ["completion_tokens"] = _random.Next(10, 200),
            },
            ["scores"] = new JsonObject { ["relevance"] = Math.Round(_random.NextDouble(), 3) },
            ["span_attributes"] = new JsonObject { ["name"] = position == 0 ? "request" : $"step-{position}", ["type"] = position == 0 ? "task" : "llm" },
            ["tags"] = new JsonArray("bench"),
        };
        if (position > 0)
        {
            row["span_parents"] = new JsonArray(root + "-0");
        }

        return row;
    }

    private string Sentence(int words) =>
        string.Join(' ', Enumerable.Range(0, words).Select(_ => Words[_random.Next(Words.Length)]));
}
