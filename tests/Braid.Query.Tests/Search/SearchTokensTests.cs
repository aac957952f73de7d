using System.Text.Json.Nodes;
using Braid.Query.Search;

namespace Braid.Query.Tests.Search;

public sealed class SearchTokensTests
{
    public static TheoryData<string, string[]> Texts => new()
    {
        { "Hello, wörld! Привет 你好 x_y", ["hello", "wörld", "привет", "你", "好", "x", "y"] },
        // Latin: punctuation, apostrophes, hyphens and symbols all separate; digits stay with letters.
        { "It's GPT-4o's (v2.5) answer: 42%!", ["it", "s", "gpt", "4o", "s", "v2", "5", "answer", "42"] },
        { "naïve CAFÉ Straße", ["naïve", "café", "straße"] },
        { "ΚΑΛΗΜΕΡΑ κόσμε", ["καλημερα", "κόσμε"] },
        { "مرحبا بالعالم", ["مرحبا", "بالعالم"] },
        // Devanagari vowel signs and viramas are combining marks: they stay inside the word.
        { "नमस्ते दुनिया", ["नमस्ते", "दुनिया"] },
        // Korean separates words with spaces, so Hangul stays whole.
        { "안녕하세요 세계", ["안녕하세요", "세계"] },
        // Scripts without spaces: one token per character (with its marks), digits and Latin still runs.
        { "東京タワーは333m", ["東", "京", "タ", "ワ", "ー", "は", "333m"] },
        { "𠀋𡈽", ["𠀋", "𡈽"] },
        { "สวัสดี", ["ส", "วั", "ส", "ดี"] },
        // NFKC: full-width letters and digits, ligatures, circled and superscript digits fold to plain ones.
        { "ＡＢＣ１２３ ﬁle ① x²", ["abc123", "file", "1", "x2"] },
        // Half-width katakana folds to full width (and dakuten compose).
        { "ｶﾞｷﾞ", ["ガ", "ギ"] },
        // Decomposed accents compose, so both spellings give the same token.
        { "cafe\u0301", ["café"] },
        // An emoji's variation selector and a keycap's enclosing mark are not words.
        { "❤️ 1️⃣ ok", ["1", "ok"] },
        { "tab\tnew\nline\u00a0nbsp", ["tab", "new", "line", "nbsp"] },
        { "", [] },
        { " ,.;!? ", [] },
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public void Tokenize_SplitsAndFolds(string text, string[] expected) =>
        Assert.Equal(expected, SearchTokens.Tokenize(text));

    [Fact]
    public void Tokenize_DropsTokensLongerThan64Chars()
    {
        var exactly = new string('a', SearchTokens.MaxTokenLength);
        var over = new string('b', SearchTokens.MaxTokenLength + 1);
        Assert.Equal(["x", exactly, "y"], SearchTokens.Tokenize($"x {exactly} {over} y"));
    }

    [Fact]
    public void Tokenize_TreatsLoneSurrogatesAsSeparators() =>
        Assert.Equal(["ab", "cd"], SearchTokens.Tokenize("ab\ud800cd"));

    [Fact]
    public void Tokenize_KeepsRepeats_InOrder() =>
        Assert.Equal(["a", "b", "a"], SearchTokens.Tokenize("a b A"));

    [Fact]
    public void ForRow_CollectsDistinctTokensPerField_FromNestedValues()
    {
        var row = JsonNode.Parse("""
            {"id": "not indexed",
             "input": {"messages": [{"role": "user", "content": "Hello hello"}, {"role": "assistant", "content": ["Привет", {"deep": "你好"}]}]},
             "output": 3.25,
             "expected": true,
             "metadata": {"model": "gpt-4o", "temperature": 0, "skip": null},
             "tags": ["Prod", "prod"],
             "error": null,
             "scores": {"accuracy": 1}}
            """)!.AsObject();

        var fields = SearchTokens.ForRow(row);

        Assert.Equal(["input", "output", "expected", "error", "metadata", "tags"], SearchTokens.Fields.Where(fields.ContainsKey));
        AssertSet(["hello", "user", "assistant", "привет", "你", "好"], fields["input"]);
        AssertSet(["3", "25"], fields["output"]);
        AssertSet(["true"], fields["expected"]);
        Assert.Empty(fields["error"]);
        // Object keys (model, temperature) are not indexed; numbers are, as their JSON text.
        AssertSet(["gpt", "4o", "0"], fields["metadata"]);
        AssertSet(["prod"], fields["tags"]);
    }

    [Fact]
    public void ForRow_RendersNumbersAsJsonText()
    {
        var row = new JsonObject { ["output"] = new JsonArray(1e21, -7, 0.5m, 12345678901234567890UL) };
        AssertSet(["1e", "21", "7", "0", "5", "12345678901234567890"], SearchTokens.ForRow(row)["output"]);
    }

    [Fact]
    public void ForRow_KeepsAtMost10000DistinctTokensPerField()
    {
        var words = string.Join(' ', Enumerable.Range(0, 12_000).Select(i => "w" + i));
        var row = new JsonObject { ["input"] = words, ["output"] = new JsonArray(words, "more") };
        var fields = SearchTokens.ForRow(row);
        Assert.Equal(SearchTokens.MaxTokensPerField, fields["input"].Count);
        Assert.Equal(SearchTokens.MaxTokensPerField, fields["output"].Count);
        Assert.Contains("w0", fields["input"]);
        Assert.DoesNotContain("w11999", fields["input"]);
    }

    private static void AssertSet(string[] expected, IReadOnlyCollection<string> actual) =>
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
}
