using Braid.Query.Search;

namespace Braid.Query.Tests.Search;

/// <summary>
/// Expected forms are Python's <c>unicodedata.normalize("NFKC", ..)</c> at the tables' Unicode version. (Checked once
/// against it for every assigned code point and 200,000 random sequences of marks, jamo and decomposables.)
/// </summary>
public sealed class NfkcTests
{
    public static TheoryData<string, string, string> Cases => new()
    {
        { "decomposed A + ring composes", "A\u030A", "\u00C5" },
        { "Angstrom sign is a singleton", "\u212B", "\u00C5" },
        { "marks reorder by class, then compose", "a\u0301\u0323", "\u1EA1\u0301" },
        { "already ordered", "a\u0323\u0301", "\u1EA1\u0301" },
        { "conjoining jamo compose", "\u1100\u1161\u11A8", "\uAC01" },
        { "LV syllable + trailing consonant", "\uAC00\u11A8", "\uAC01" },
        { "ligature", "\uFB01", "fi" },
        { "circled digit", "\u2460", "1" },
        { "full-width letters", "\uFF21\uFF42", "Ab" },
        { "non-starter decomposition is excluded from composition", "\u0344", "\u0308\u0301" },
        { "two starters compose (Oriya)", "\u0B47\u0B3E", "\u0B4B" },
        { "a leading mark blocks nothing after it", "\u0301a", "\u0301a" },
        { "a second identical mark is blocked", "e\u0301\u0301", "\u00E9\u0301" },
        { "longest decomposition", "\uFDFA", "\u0635\u0644\u0649 \u0627\u0644\u0644\u0647 \u0639\u0644\u064A\u0647 \u0648\u0633\u0644\u0645" },
        { "squared katakana", "\u3300", "\u30A2\u30D1\u30FC\u30C8" },
        { "mathematical bold (astral)", "\U0001D400", "A" },
        { "CJK compatibility ideograph (astral)", "\U0002F800", "\u4E3D" },
        { "vulgar fraction", "\u00BD", "1\u20442" },
        { "Hangul syllables stay", "\uD55C\uAD6D\uC5B4", "\uD55C\uAD6D\uC5B4" },
        { "plain text is returned as is", "Привет 你好", "Привет 你好" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Normalize_MatchesNfkc(string because, string text, string expected) =>
        Assert.True(expected == Nfkc.Normalize(text), because);
}
