using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Braid.Benchmarks.Queries;

/// <summary>
/// Realistic spans of a chat assistant's project log and of an evaluation experiment, deterministic for a seed, in
/// the order an application writes them (trace by trace, oldest first). Logs: traces of 4-8 spans (a root turn, a
/// retrieval, tool calls and LLM calls), user and assistant text drawn from <see cref="Vocabulary"/>, metadata
/// <c>{user_id, env, session_id, app_version, model}</c>, metrics, scores on the root, tags on some traces and an
/// error on about 2% of spans. The log's traces are spread evenly over <see cref="LogDays"/> days from
/// <see cref="LogStart"/>.
/// </summary>
public sealed class LogGenerator
{
    public static readonly DateTimeOffset LogStart = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    public const int LogDays = 30;

    /// <summary>Shares of <c>metadata.env</c>: production 85%, staging 10% (what the filter question asks for), development 5%.</summary>
    public const string FilteredEnv = "staging";

    /// <summary>System prompts (the same few texts in many rows) use only words ranked below this.</summary>
    public const int SystemPromptRanks = 150;

    private static readonly string[] Models = ["gpt-4o-mini", "gpt-4o", "claude-3-5-sonnet", "claude-3-5-haiku", "gemini-1.5-flash"];
    private static readonly double[] ModelShares = [0.45, 0.25, 0.15, 0.10, 0.05];
    private static readonly string[] Tools = ["lookup_order", "get_account", "search_faq", "create_ticket", "check_status"];
    private static readonly string[] Errors =
    [
        "RateLimitError: 429 Too Many Requests: rate limit reached for requests",
        "TimeoutError: the upstream model did not answer within 30 seconds",
        "ToolError: order not found",
        "ValidationError: the model returned arguments that are not valid JSON",
    ];

    private readonly Vocabulary _words;
    private readonly Random _random;
    private readonly string[] _systemPrompts;

    /// <summary>What was generated so far: traces, rows with <see cref="FilteredEnv"/>, traces with an error.</summary>
    public long Traces { get; private set; }

    public long FilteredEnvRows { get; private set; }

    public long ErrorTraces { get; private set; }

    public LogGenerator(Vocabulary words, int seed)
    {
        _words = words;
        _random = new Random(seed);
        _systemPrompts = Enumerable.Range(0, 8).Select(_ => Text(24, 40, maxRank: SystemPromptRanks)).ToArray();
    }

    /// <summary>A project log of about <paramref name="spans"/> spans (whole traces), oldest trace first.</summary>
    public IEnumerable<JsonObject> Logs(int spans)
    {
        var traces = spans / 6;
        var spacing = LogDays * 86_400_000.0 / traces;
        var written = 0;
        for (var t = 0; written < spans; t++)
        {
            var start = LogStart.AddMilliseconds(t * spacing + _random.NextDouble() * spacing * 0.5);
            var size = Math.Min(_random.Next(4, 9), spans - written);
            foreach (var row in Trace(start, size))
            {
                yield return row;
            }

            written += size;
        }
    }

    private IEnumerable<JsonObject> Trace(DateTimeOffset start, int size)
    {
        var root = Id();
        var envDraw = _random.NextDouble();
        var env = envDraw < 0.85 ? "production" : envDraw < 0.95 ? FilteredEnv : "development";
        var user = $"user-{Zipf(5000)}";
        var session = Id()[..13];
        var version = $"2.{_random.Next(3, 9)}.{_random.Next(0, 20)}";
        var clock = start.ToUnixTimeMilliseconds() / 1000.0;
        var question = Text(8, 90);
        var answer = Text(20, 160);
        var system = _systemPrompts[_random.Next(_systemPrompts.Length)];

        JsonObject Metadata(string? model)
        {
            var metadata = new JsonObject { ["user_id"] = user, ["env"] = env, ["session_id"] = session, ["app_version"] = version };
            if (model is not null)
            {
                metadata["model"] = model;
            }

            return metadata;
        }

        var spans = new List<JsonObject>(size);
        var rootRow = Span(root, root, null, start, "chat_turn", "task", Messages(system, question), new JsonObject { ["role"] = "assistant", ["content"] = answer }, Metadata(null));
        var scores = new JsonObject { ["helpfulness"] = Math.Round(_random.NextDouble(), 2) };
        if (_random.NextDouble() < 0.3)
        {
            scores["groundedness"] = Math.Round(_random.NextDouble(), 2);
        }

        rootRow["scores"] = scores;
        if (_random.NextDouble() < 0.25)
        {
            rootRow["tags"] = new JsonArray(_random.NextDouble() < 0.5 ? "escalated" : "vip", "support");
        }

        spans.Add(rootRow);
        var offset = 0.0;
        for (var i = 1; i < size; i++)
        {
            offset += 0.05 + _random.NextDouble() * 0.4;
            var at = start.AddSeconds(offset);
            JsonObject span;
            if (i == 1)
            {
                span = Span(Id(), root, root, at, "retrieve", "function", new JsonObject { ["query"] = Text(4, 12) },
                    new JsonObject { ["documents"] = new JsonArray(Document(), Document(), Document()) }, Metadata(null));
            }
            else if (i % 2 == 0 || i == size - 1)
            {
                var model = Model();
                var content = i == size - 1 ? answer : Text(10, 80);
                span = Span(Id(), root, root, at, "Chat Completion", "llm", Messages(system, i == size - 1 ? question : Text(8, 60)),
                    new JsonObject { ["role"] = "assistant", ["content"] = content }, Metadata(model));
                var prompt = _random.Next(200, 4000);
                var completion = _random.Next(20, 800);
                span["metrics"]!["prompt_tokens"] = prompt;
                span["metrics"]!["completion_tokens"] = completion;
                span["metrics"]!["tokens"] = prompt + completion;
                span["metrics"]!["time_to_first_token"] = Math.Round(0.2 + _random.NextDouble(), 3);
            }
            else
            {
                var tool = Tools[_random.Next(Tools.Length)];
                span = Span(Id(), root, root, at, tool, "tool", new JsonObject { ["order_id"] = $"ord-{_random.Next(1_000_000)}", ["text"] = Text(3, 10) },
                    new JsonObject { ["status"] = _random.NextDouble() < 0.7 ? "shipped" : "processing" }, Metadata(null));
            }

            spans.Add(span);
        }

        var errors = 0;
        foreach (var span in spans)
        {
            if (_random.NextDouble() < 0.02)
            {
                span["error"] = Errors[_random.Next(Errors.Length)];
                errors++;
            }
        }

        Traces++;
        FilteredEnvRows += env == FilteredEnv ? spans.Count : 0;
        ErrorTraces += errors > 0 ? 1 : 0;

        // Every span ends before its parent does.
        var end = clock + offset + 0.2 + _random.NextDouble();
        rootRow["metrics"]!["end"] = Math.Round(end, 3);
        return spans;
    }

    /// <summary>An evaluation experiment: <paramref name="cases"/> cases of 5 spans (eval root, task, LLM call, two scorers).</summary>
    public IEnumerable<JsonObject> Experiment(int cases, DateTimeOffset start)
    {
        for (var n = 0; n < cases; n++)
        {
            var at = start.AddMilliseconds(n * 150.0);
            var root = Id();
            var question = Text(10, 60);
            var answer = Text(10, 120);
            var expected = Text(10, 80);
            var accuracy = _random.NextDouble() < 0.7 ? 1.0 : 0.0;
            var factuality = Math.Round(_random.NextDouble(), 2);
            var metadata = new JsonObject { ["category"] = $"cat-{_random.Next(12)}", ["difficulty"] = _random.Next(1, 4) };
            var eval = Span(root, root, null, at, "eval", "eval", new JsonObject { ["question"] = question }, answer, metadata);
            eval["expected"] = expected;
            eval["scores"] = new JsonObject { ["accuracy"] = accuracy, ["factuality"] = factuality };
            yield return eval;
            yield return Span(Id(), root, root, at.AddMilliseconds(5), "task", "task", new JsonObject { ["question"] = question }, answer, null);
            var llm = Span(Id(), root, root, at.AddMilliseconds(10), "Chat Completion", "llm", Messages(_systemPrompts[0], question),
                new JsonObject { ["role"] = "assistant", ["content"] = answer }, new JsonObject { ["model"] = Model() });
            var prompt = _random.Next(200, 2000);
            var completion = _random.Next(20, 400);
            llm["metrics"]!["prompt_tokens"] = prompt;
            llm["metrics"]!["completion_tokens"] = completion;
            llm["metrics"]!["tokens"] = prompt + completion;
            yield return llm;
            foreach (var (name, value) in new[] { ("accuracy", accuracy), ("factuality", factuality) })
            {
                var scorer = Span(Id(), root, root, at.AddMilliseconds(60), name, "score", new JsonObject { ["output"] = answer.Length > 60 ? answer[..60] : answer, ["expected"] = expected.Length > 60 ? expected[..60] : expected },
                    new JsonObject { ["score"] = value }, null);
                scorer["scores"] = new JsonObject { [name] = value };
                yield return scorer;
            }
        }
    }

    private JsonObject Span(string id, string root, string? parent, DateTimeOffset at, string name, string type, JsonNode input, JsonNode output, JsonObject? metadata)
    {
        var start = at.ToUnixTimeMilliseconds() / 1000.0;
        var row = new JsonObject
        {
            ["id"] = id,
            ["span_id"] = id,
            ["root_span_id"] = root,
            ["created"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["input"] = input,
            ["output"] = output,
            ["metadata"] = metadata,
            ["metrics"] = new JsonObject { ["start"] = Math.Round(start, 3), ["end"] = Math.Round(start + 0.05 + _random.NextDouble() * 2, 3) },
            ["span_attributes"] = new JsonObject { ["name"] = name, ["type"] = type },
        };
        if (parent is not null)
        {
            row["span_parents"] = new JsonArray(parent);
        }

        if (metadata is null)
        {
            row.Remove("metadata");
        }

        return row;
    }

    private static JsonObject Messages(string system, string user) =>
        new()
        {
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = system },
                new JsonObject { ["role"] = "user", ["content"] = user }),
        };

    private JsonObject Document() => new()
    {
        ["id"] = $"kb-{_random.Next(20_000)}",
        ["title"] = Text(3, 8),
        ["snippet"] = Text(15, 40),
    };

    /// <summary>Sentences of Zipf-drawn words; words ranked at or above <paramref name="maxRank"/> are drawn again.</summary>
    private string Text(int min, int max, int maxRank = Vocabulary.Size)
    {
        var count = _random.Next(min, max + 1);
        var text = new StringBuilder(count * 7);
        var sentence = 0;
        for (var i = 0; i < count; i++)
        {
            int rank;
            do
            {
                rank = _words.Draw(_random);
            }
            while (rank >= maxRank);

            var word = _words[rank];
            if (sentence == 0)
            {
                text.Append(char.ToUpperInvariant(word[0])).Append(word, 1, word.Length - 1);
            }
            else
            {
                text.Append(' ').Append(word);
            }

            if (++sentence >= 6 + _random.Next(10) || i == count - 1)
            {
                text.Append(_random.Next(4) == 0 ? "? " : ". ");
                sentence = 0;
            }
        }

        return text.ToString().TrimEnd();
    }

    private string Model()
    {
        var draw = _random.NextDouble();
        for (var i = 0; i < Models.Length; i++)
        {
            draw -= ModelShares[i];
            if (draw < 0)
            {
                return Models[i];
            }
        }

        return Models[0];
    }

    private int Zipf(int n) => (int)Math.Floor(Math.Pow(n, _random.NextDouble()));

    private string Id()
    {
        Span<byte> bytes = stackalloc byte[16];
        _random.NextBytes(bytes);
        return new Guid(bytes).ToString();
    }
}
