namespace Braid.Benchmarks.Queries;

/// <summary>
/// Words with a Zipf distribution (exponent 1) over 20,000 ranks, as in natural text: about 400 common English words
/// of a support-chat application first, then made-up words of a few syllables for the long tail. A word's share of
/// rows therefore depends on its rank the way it does in real logs: "the" is in nearly every row, most words in few.
/// </summary>
public sealed class Vocabulary
{
    public const int Size = 20_000;

    private const string Common = """
        the to and a of you i is it for in that your this can be with on have are not my we me do what if will please
        so at or but was an as from they all there about would order help just get account how thanks know like one
        should need some when time more could any also here out by up which then no use see has did now payment make
        want only let our new had been sure check other them well through back there into issue after first because
        thank email still its again may us card right able try find before using these days update able refund
        information much two their every each set way next change send same number free work possible problem
        already why customer were service following last who sorry take password received subscription support
        trying available plan shipping page within hours provide details link app access address phone login error
        delivery product team call best return process free looking received billing reset today day yes cancel
        request option settings free price while both over account week many review team note further screen
        invoice message hello hi confirm date month code status able question data able file version system contact
        working online store item items report charge charged credit bank transfer tracking package arrived late
        missing wrong damaged replacement exchange size color available stock discount coupon promo applied total
        amount tax fee fees monthly annual upgrade downgrade trial expired renew renewal verify verification
        security secure privacy delete remove profile username sign signed logout device browser mobile android
        iphone desktop install download upload sync connection network slow crash crashed bug fix fixed restart
        clear cache cookies notification notifications alert setting language english spanish french german
        schedule appointment booking reservation flight hotel ticket seat gate airport baggage luggage delay
        delayed cancelled rebook compensation policy terms agreement contract warranty guarantee claim insurance
        coverage deductible premium quote estimate budget cost cheaper expensive balance statement transaction
        pending declined approved limit increase decrease branch atm deposit withdraw loan mortgage interest rate
        savings checking transfer wire routing swift fraud suspicious blocked unlock locked frozen dispute
        chargeback merchant receipt proof screenshot attachment document documents form forms signature identity
        passport license address postal zip city country region state county street apartment building floor
        manager supervisor escalate escalation feedback complaint survey rating experience satisfied unhappy
        frustrated appreciate understand explain clarify recommend suggest alternatively unfortunately however
        therefore meanwhile currently recently previously immediately usually typically generally specifically
        """;

    private static readonly string[] Syllables =
        "ka lo mi ne ru ta be so vi da pe lu mo ri fa ze no ga ti ho ki ma nu sa pi re do ba ve li".Split(' ');

    private readonly string[] _words;
    private readonly ushort[] _byDraw;

    public Vocabulary()
    {
        var words = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var word in Common.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (seen.Add(word))
            {
                words.Add(word);
            }
        }

        // Made-up words of two or three syllables, in a fixed order: n written in base b, one syllable per digit.
        var b = Syllables.Length;
        for (var n = 0; words.Count < Size; n++)
        {
            var word = Syllables[n % b] + Syllables[n / b % b] + (n >= b * b ? Syllables[n / (b * b) % b] : "");
            if (seen.Add(word))
            {
                words.Add(word);
            }
        }

        _words = [.. words];

        // A draw table: rank r fills a share 1/(r·H) of 2^22 slots, so sampling is one random index.
        var harmonic = 0.0;
        for (var r = 1; r <= Size; r++)
        {
            harmonic += 1.0 / r;
        }

        _byDraw = new ushort[1 << 22];
        var slot = 0;
        var cumulative = 0.0;
        for (var r = 1; r <= Size && slot < _byDraw.Length; r++)
        {
            cumulative += 1.0 / (r * harmonic);
            var end = Math.Min(_byDraw.Length, (int)Math.Round(cumulative * _byDraw.Length));
            for (; slot < end; slot++)
            {
                _byDraw[slot] = (ushort)(r - 1);
            }
        }

        for (; slot < _byDraw.Length; slot++)
        {
            _byDraw[slot] = Size - 1;
        }
    }

    public string this[int rank] => _words[rank];

    public int Draw(Random random) => _byDraw[random.Next(_byDraw.Length)];
}
