using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Braid.Query.Search;

/// <summary>
/// How text is cut into search tokens. The event store indexes rows with it and queries cut their search text with
/// it, so both sides must agree exactly: changing the rules means re-indexing every stored row.
/// </summary>
/// <remarks>
/// Text is NFKC-normalized (full-width and compatibility forms fold to their plain letters; Braid's own tables, Unicode
/// <see cref="Nfkc.UnicodeVersion"/>) and lower-cased (invariant). A token is a maximal run of letters and digits, with the combining marks that follow them
/// (Devanagari vowel signs, accents left decomposed) kept inside the word. Scripts written without spaces between
/// words (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar) have no word boundary to find, so each of their
/// characters, with its combining marks, is a token of its own. Everything else separates tokens; a combining
/// mark with no letter before it (the variation selector of an emoji) is dropped. Tokens longer than
/// <see cref="MaxTokenLength"/> UTF-16 characters are dropped.
/// </remarks>
public static class SearchTokens
{
    /// <summary>The indexed fields of a row, in the order of the columns of SQLite's <c>event_search</c>.</summary>
    public static readonly IReadOnlyList<string> Fields = ["input", "output", "expected", "error", "metadata", "tags", "span_attributes"];

    /// <summary>
    /// Longer runs are ids, hashes and base64 that nobody searches for by word; dropping them keeps the index
    /// (and PostgreSQL's GIN keys) small.
    /// </summary>
    public const int MaxTokenLength = 64;

    /// <summary>
    /// Distinct tokens kept per field of one row. Prose a person would search has far fewer; the cap bounds the index
    /// entry (and the writer's time) for a row that carries a whole document or a large blob of data.
    /// </summary>
    public const int MaxTokensPerField = 10_000;

    private static readonly SearchValues<char> AsciiLowerCaseAndDigits = SearchValues.Create("0123456789abcdefghijklmnopqrstuvwxyz");
    private static readonly SearchValues<char> AsciiLettersAndDigits = SearchValues.Create("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
    private static readonly SearchValues<char> AsciiSeparators = SearchValues.Create(
        Enumerable.Range(0, 0x80).Select(c => (char)c).Where(c => !char.IsAsciiLetterOrDigit(c)).ToArray());

    /// <summary>The tokens of a text, in order, repeats included.</summary>
    public static IEnumerable<string> Tokenize(string text)
    {
        var normalized = Normalize(text);
        var tokens = new List<string>();
        Span<char> lower = stackalloc char[MaxTokenLength];
        var position = 0;
        while (Next(normalized, ref position, out var start, out var length))
        {
            if (length <= MaxTokenLength)
            {
                tokens.Add(new string(ToLower(normalized.AsSpan(start, length), lower)));
            }
        }

        return tokens;
    }

    /// <summary>
    /// The distinct tokens of each indexed field the row has (a field holding JSON null has none): of every string
    /// found anywhere in the field's value, and of numbers and booleans as their JSON text. Object keys are not indexed.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyCollection<string>> ForRow(JsonObject row)
    {
        var fields = new Dictionary<string, IReadOnlyCollection<string>>(Fields.Count, StringComparer.Ordinal);
        foreach (var field in Fields)
        {
            if (row.TryGetPropertyValue(field, out var value))
            {
                var tokens = new HashSet<string>(StringComparer.Ordinal);
                Collect(value, tokens);
                fields[field] = tokens;
            }
        }

        return fields;
    }

    private static void Collect(JsonNode? node, HashSet<string> tokens)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    if (tokens.Count >= MaxTokensPerField)
                    {
                        return;
                    }

                    Collect(child, tokens);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    if (tokens.Count >= MaxTokensPerField)
                    {
                        return;
                    }

                    Collect(child, tokens);
                }

                break;
            case JsonValue value:
                switch (value.GetValueKind())
                {
                    case JsonValueKind.String:
                        Add(value.GetValue<string>(), tokens);
                        break;
                    case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                        Add(value.ToJsonString(), tokens);
                        break;
                }

                break;
        }
    }

    /// <summary>Adds a text's tokens to a set, allocating a string only for tokens not already in it.</summary>
    private static void Add(string text, HashSet<string> tokens)
    {
        var normalized = Normalize(text);
        var lookup = tokens.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> lower = stackalloc char[MaxTokenLength];
        var position = 0;
        while (tokens.Count < MaxTokensPerField && Next(normalized, ref position, out var start, out var length))
        {
            if (length <= MaxTokenLength)
            {
                lookup.Add(ToLower(normalized.AsSpan(start, length), lower));
            }
        }
    }

    /// <summary>The token lower-cased: itself when it has nothing to lower, else in <paramref name="buffer"/>.</summary>
    private static ReadOnlySpan<char> ToLower(ReadOnlySpan<char> token, Span<char> buffer)
    {
        // Most tokens are ASCII and already lower case; checking is far cheaper than invariant case mapping.
        if (token.ContainsAnyExcept(AsciiLowerCaseAndDigits))
        {
            // Invariant simple case mapping is one UTF-16 unit for one, so the token keeps its length.
            return buffer[..token.ToLowerInvariant(buffer)];
        }

        return token;
    }

    /// <summary>NFKC; lone surrogates (which JSON can carry but normalization rejects) become U+FFFD, a separator.</summary>
    private static string Normalize(string text)
    {
        // ASCII text, most of what is indexed, is already in every normalization form.
        if (Ascii.IsValid(text))
        {
            return text;
        }

        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                text = ReplaceLoneSurrogates(text);
                break;
            }
        }

        return Nfkc.Normalize(text);
    }

    private static string ReplaceLoneSurrogates(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            // EnumerateRunes yields U+FFFD for each ill-formed unit.
            builder.Append(rune.ToString());
        }

        return builder.ToString();
    }

    private enum CharKind
    {
        Separator,
        Word,
        Alone,
        Mark,
    }

    /// <summary>Finds the next token at or after <paramref name="position"/> and moves past it.</summary>
    private static bool Next(ReadOnlySpan<char> text, ref int position, out int start, out int length)
    {
        start = -1;
        var alone = false;
        while (position < text.Length)
        {
            var c = text[position];
            if (c < 0x80)
            {
                // ASCII, the common case: skip the rest of its run of letters and digits, or of separators, at once.
                if (char.IsAsciiLetterOrDigit(c) && !alone)
                {
                    start = start < 0 ? position : start;
                    var end = text[position..].IndexOfAnyExcept(AsciiLettersAndDigits);
                    position = end < 0 ? text.Length : position + end;
                    continue;
                }

                if (start >= 0)
                {
                    break;
                }

                var next = text[position..].IndexOfAnyExcept(AsciiSeparators);
                position = next < 0 ? text.Length : position + next;
                continue;
            }

            Rune.DecodeFromUtf16(text[position..], out var rune, out var width);
            var kind = Classify(rune);
            if (start < 0)
            {
                if (kind is CharKind.Word or CharKind.Alone)
                {
                    start = position;
                    alone = kind == CharKind.Alone;
                }
            }
            else if (!(kind == CharKind.Mark || (kind == CharKind.Word && !alone)))
            {
                break;
            }

            position += width;
        }

        length = start < 0 ? 0 : position - start;
        return start >= 0;
    }

    private static CharKind Classify(Rune rune)
    {
        switch (Rune.GetUnicodeCategory(rune))
        {
            case UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber:
                return WrittenWithoutSpaces(rune.Value) ? CharKind.Alone : CharKind.Word;
            case UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark:
                // Variation selectors only pick a glyph (an emoji's presentation, an ideograph's variant); the text
                // means the same without them.
                var v = rune.Value;
                return v is (>= 0xFE00 and <= 0xFE0F) or (>= 0xE0100 and <= 0xE01EF) ? CharKind.Separator : CharKind.Mark;
            default:
                return CharKind.Separator;
        }
    }

    /// <summary>Han (with its extensions and compatibility forms), kana, Thai, Lao, Myanmar and Khmer.</summary>
    private static bool WrittenWithoutSpaces(int c) => c switch
    {
        >= 0x0E00 and <= 0x0EFF => true, // Thai, Lao
        >= 0x1000 and <= 0x109F => true, // Myanmar
        >= 0x1780 and <= 0x17FF => true, // Khmer
        >= 0x19E0 and <= 0x19FF => true, // Khmer symbols
        >= 0x2E80 and <= 0x2FDF => true, // CJK radicals, Kangxi radicals
        >= 0x3005 and <= 0x3007 => true, // 々 〆 〇
        >= 0x3021 and <= 0x3029 => true, // Hangzhou numerals
        >= 0x3038 and <= 0x303C => true,
        >= 0x3040 and <= 0x30FF => true, // Hiragana, Katakana
        >= 0x31F0 and <= 0x31FF => true, // Katakana phonetic extensions
        >= 0x3400 and <= 0x4DBF => true, // CJK extension A
        >= 0x4E00 and <= 0x9FFF => true, // CJK unified ideographs
        >= 0xA9E0 and <= 0xA9FF => true, // Myanmar extended B
        >= 0xAA60 and <= 0xAA7F => true, // Myanmar extended A
        >= 0xF900 and <= 0xFAFF => true, // CJK compatibility ideographs
        >= 0xFF66 and <= 0xFF9F => true, // half-width Katakana
        >= 0x1AFF0 and <= 0x1B16F => true, // Kana supplement and extensions
        >= 0x20000 and <= 0x3FFFF => true, // CJK extensions B-J and compatibility supplement (planes 2 and 3)
        _ => false,
    };
}
