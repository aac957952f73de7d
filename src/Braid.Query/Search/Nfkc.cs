using System.Buffers;
using System.Collections;
using System.Text;

namespace Braid.Query.Search;

/// <summary>
/// Unicode normalization form KC (UAX #15) over tables pinned to <see cref="UnicodeVersion"/>. Braid runs with
/// InvariantGlobalization, where <see cref="string.Normalize()"/> returns its input unchanged; and the search index
/// must not change with the host's ICU either.
/// </summary>
internal static partial class Nfkc
{
    private const int HangulBase = 0xAC00, HangulCount = 11172, LeadBase = 0x1100, LeadCount = 19,
        VowelBase = 0x1161, VowelCount = 21, TrailBase = 0x11A7, TrailCount = 28;

    private static readonly Dictionary<int, (int Start, int Length)> Decompositions = [];
    private static readonly Dictionary<int, byte> CombiningClasses = [];
    private static readonly Dictionary<long, int> Compositions = [];

    /// <summary>
    /// Basic Multilingual Plane code points that may change under NFKC or change a neighbour: those with a decomposition,
    /// a nonzero combining class, or that compose onto the character before them. Text with none is already normalized.
    /// </summary>
    private static readonly BitArray BmpActive = new(0x10000);
    private static readonly HashSet<int> AstralActive = [];

    static Nfkc()
    {
        var data = DecompositionData;
        for (var i = 0; i < data.Length; i += 2 + data[i + 1])
        {
            Decompositions[data[i]] = (i + 2, data[i + 1]);
            MarkActive(data[i]);
        }

        data = CombiningClassData;
        for (var i = 0; i < data.Length; i += 2)
        {
            CombiningClasses[data[i]] = (byte)data[i + 1];
            MarkActive(data[i]);
        }

        data = CompositionData;
        for (var i = 0; i < data.Length; i += 3)
        {
            Compositions[Pair(data[i], data[i + 1])] = data[i + 2];
            MarkActive(data[i + 1]);
        }

        // Conjoining vowels and trailing consonants compose onto a leading consonant or a syllable.
        for (var c = VowelBase; c < VowelBase + VowelCount; c++)
        {
            MarkActive(c);
        }

        for (var c = TrailBase + 1; c < TrailBase + TrailCount; c++)
        {
            MarkActive(c);
        }

        // Precomposed Hangul syllables decompose and compose back to themselves: inert on their own.
        for (var c = HangulBase; c < HangulBase + HangulCount; c++)
        {
            BmpActive[c] = false;
        }
    }

    /// <summary>NFKC of <paramref name="text"/>, which must be well-formed UTF-16 (no lone surrogates).</summary>
    public static string Normalize(string text)
    {
        if (!NeedsWork(text))
        {
            return text;
        }

        var buffer = ArrayPool<int>.Shared.Rent(text.Length * 4 + 16);
        try
        {
            var length = 0;
            foreach (var rune in text.EnumerateRunes())
            {
                Decompose(rune.Value, ref buffer, ref length);
            }

            Reorder(buffer.AsSpan(0, length));
            length = Compose(buffer.AsSpan(0, length));
            var builder = new StringBuilder(length);
            foreach (var c in buffer.AsSpan(0, length))
            {
                builder.Append(new Rune(c).ToString());
            }

            return builder.ToString();
        }
        finally
        {
            ArrayPool<int>.Shared.Return(buffer);
        }
    }

    private static bool NeedsWork(string text)
    {
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.IsBmp ? BmpActive[rune.Value] : AstralActive.Contains(rune.Value))
            {
                return true;
            }
        }

        return false;
    }

    private static void Decompose(int c, ref int[] buffer, ref int length)
    {
        // The longest decomposition (U+FDFA) is 18 code points.
        if (buffer.Length - length < 18)
        {
            var larger = ArrayPool<int>.Shared.Rent(buffer.Length * 2);
            buffer.AsSpan(0, length).CopyTo(larger);
            ArrayPool<int>.Shared.Return(buffer);
            buffer = larger;
        }

        if (c is >= HangulBase and < HangulBase + HangulCount)
        {
            var s = c - HangulBase;
            buffer[length++] = LeadBase + s / (VowelCount * TrailCount);
            buffer[length++] = VowelBase + s % (VowelCount * TrailCount) / TrailCount;
            if (s % TrailCount != 0)
            {
                buffer[length++] = TrailBase + s % TrailCount;
            }
        }
        else if (Decompositions.TryGetValue(c, out var at))
        {
            DecompositionData.Slice(at.Start, at.Length).CopyTo(buffer.AsSpan(length));
            length += at.Length;
        }
        else
        {
            buffer[length++] = c;
        }
    }

    /// <summary>Canonical ordering: each run of combining marks sorted (stably) by combining class.</summary>
    private static void Reorder(Span<int> text)
    {
        for (var i = 1; i < text.Length; i++)
        {
            var c = text[i];
            var cc = ClassOf(c);
            if (cc == 0)
            {
                continue;
            }

            var j = i;
            while (j > 0 && ClassOf(text[j - 1]) > cc)
            {
                text[j] = text[j - 1];
                j--;
            }

            text[j] = c;
        }
    }

    /// <summary>Canonical composition in place (UAX #15's sample algorithm); returns the new length.</summary>
    private static int Compose(Span<int> text)
    {
        if (text.Length == 0)
        {
            return 0;
        }

        var starterAt = 0;
        var starter = text[0];
        // A mark before any starter blocks everything after it from composing with it.
        var lastClass = ClassOf(starter) == 0 ? 0 : 256;
        var length = 1;
        for (var i = 1; i < text.Length; i++)
        {
            var c = text[i];
            var cc = ClassOf(c);
            if ((lastClass < cc || lastClass == 0) && TryCompose(starter, c, out var composite))
            {
                text[starterAt] = starter = composite;
                continue;
            }

            if (cc == 0)
            {
                starterAt = length;
                starter = c;
            }

            lastClass = cc;
            text[length++] = c;
        }

        return length;
    }

    private static bool TryCompose(int first, int second, out int composite)
    {
        if (first is >= LeadBase and < LeadBase + LeadCount && second is >= VowelBase and < VowelBase + VowelCount)
        {
            composite = HangulBase + ((first - LeadBase) * VowelCount + second - VowelBase) * TrailCount;
            return true;
        }

        if (first is >= HangulBase and < HangulBase + HangulCount && (first - HangulBase) % TrailCount == 0
            && second is > TrailBase and < TrailBase + TrailCount)
        {
            composite = first + second - TrailBase;
            return true;
        }

        return Compositions.TryGetValue(Pair(first, second), out composite);
    }

    private static byte ClassOf(int c) => CombiningClasses.GetValueOrDefault(c);

    private static long Pair(int first, int second) => ((long)first << 21) | (uint)second;

    private static void MarkActive(int c)
    {
        if (c < 0x10000)
        {
            BmpActive[c] = true;
        }
        else
        {
            AstralActive.Add(c);
        }
    }
}
