using System.Buffers;
using System.Collections.Frozen;

namespace Quell.Scanning.Pii;

/// <summary>
/// Person names: a given name from the gazetteer (Moby Word II names, embedded) followed by one or two capitalised
/// surname words; or an honorific (Mr, Ms, Dr, Herr, Mme, Sr…) followed by capitalised words; or capitalised words
/// right after a naming phrase ("my name is", "customer", "Dear"). Capitalised words that are places, weekdays or
/// street and company words end a name instead of extending it.
/// </summary>
internal static class PersonNameRecognizer
{
    private static readonly SearchValues<char> Capitals = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞŁŚŠŽČŘ");

    private static readonly FrozenSet<string> GivenNames = LoadNames();
    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> GivenLookup = GivenNames.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly FrozenSet<string> Honorifics = new[]
    {
        "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "herr", "frau", "mme", "mlle", "monsieur", "madame",
        "sr", "sra", "srta", "señor", "señora", "sig", "sig.ra", "signor", "signora", "dhr", "mevr", "pan", "pani",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> HonorificLookup = Honorifics.GetAlternateLookup<ReadOnlySpan<char>>();

    // The same honorifics in lower case, for an ordinal lookup of a word already lower-cased for the gazetteer.
    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> LowerHonorificLookup =
        Honorifics.Select(h => h.ToLowerInvariant()).ToFrozenSet(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

    // Longer capitalised words are neither given names nor honorifics.
    private const int MaxLookupChars = 32;

    // Capitalised words that are never part of a person's name in running text.
    private static readonly FrozenSet<string> NotSurnames = new[]
    {
        "street", "st", "road", "rd", "avenue", "ave", "lane", "drive", "way", "court", "place", "square", "park", "river", "lake",
        "mountain", "valley", "city", "county", "state", "university", "college", "school", "hospital", "bank", "inc", "ltd", "llc",
        "gmbh", "ag", "sa", "plc", "corp", "company", "group", "foundation", "museum", "hotel", "airport", "station", "center", "centre",
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march", "april", "may",
        "june", "july", "august", "september", "october", "november", "december", "i", "the", "and", "or", "of", "in", "on", "at",
        "to", "for", "is", "was", "are", "we", "you", "he", "she", "they", "it", "this", "that", "our", "your", "my", "please", "thanks",
        "thank", "hello", "hi", "dear", "regards", "team", "support", "customer", "service", "apt", "suite", "unit", "iban", "tel", "phone",
        "email", "mobile", "account", "holder", "card", "order", "ticket", "invoice", "trails", "periods", "museum", "rogers",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> NotSurnameLookup = NotSurnames.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly string[] NamingPhrases = ["my name is ", "name is ", "named ", "dear ", "customer ", "recipient ", "holder: ", "contact ", "agent, ", "called ", "signed, ", "regards, ", "attn: ", "attention: "];

    public static void Scan(ReadOnlySpan<char> text, List<PiiMatch> matches)
    {
        Span<char> buffer = stackalloc char[MaxLookupChars];
        var pos = 0;
        while (pos < text.Length)
        {
            var hit = text[pos..].IndexOfAny(Capitals);
            if (hit < 0)
            {
                return;
            }

            var i = pos + hit;
            if (i > 0 && char.IsLetterOrDigit(text[i - 1]))
            {
                pos = SkipWord(text, i);
                continue;
            }

            var end = WordEnd(text, i);
            var word = text[i..end];
            pos = end;

            // One lower-case copy serves both lookups; the word never includes its full stop ("Dr." is "Dr" here).
            var honorific = false;
            var given = false;
            if (word.Length <= MaxLookupChars)
            {
                var lower = buffer[..word.ToLowerInvariant(buffer)];
                honorific = LowerHonorificLookup.Contains(lower);
                given = word.Length >= 3 && GivenLookup.Contains(lower);
            }

            var named = !given && !honorific && AfterNamingPhrase(text, i);
            if (!honorific && !given && !named)
            {
                continue;
            }

            var (last, words) = Surnames(text, end, maxWords: honorific || named ? 3 : 2);
            if (words == 0)
            {
                continue;
            }

            var context = named || AfterNamingPhrase(text, i) || ContextWords.Near(text, i, last, ContextWords.Person);
            var score = honorific ? 0.85 : given ? 0.7 : 0.55;
            if (context)
            {
                score += 0.15;
            }

            matches.Add(new PiiMatch(Entities.Person, i, last, Math.Min(score, 0.95)));
            pos = last;
        }
    }

    /// <summary>Up to <paramref name="maxWords"/> capitalised words (with hyphens, apostrophes, particles like "van", "de") after <paramref name="from"/>.</summary>
    private static (int End, int Words) Surnames(ReadOnlySpan<char> text, int from, int maxWords)
    {
        var end = from;
        var words = 0;
        var i = from < text.Length && text[from] == '.' ? from + 1 : from;
        while (words < maxWords && i < text.Length && text[i] == ' ')
        {
            i++;
            var particleEnd = WordEnd(text, i);
            if (words > 0 || particleEnd - i <= 3)
            {
                var particle = text[i..particleEnd];
                if (particle is "van" or "von" or "de" or "der" or "den" or "da" or "di" or "del" or "la" or "le" or "du" or "dos" or "das" or "bin" or "al" && particleEnd < text.Length && text[particleEnd] == ' ')
                {
                    i = particleEnd + 1;
                }
            }

            if (i >= text.Length || !char.IsUpper(text[i]))
            {
                break;
            }

            var wordEnd = WordEnd(text, i);
            var word = text[i..wordEnd];
            if (word.Length < 2 || NotSurnameLookup.Contains(word) || HonorificLookup.Contains(word) || !IsNameShaped(word))
            {
                break;
            }

            end = wordEnd;
            words++;
            i = wordEnd;
        }

        return (end, words);
    }

    private static bool IsNameShaped(ReadOnlySpan<char> word)
    {
        // "McDonald", "O'Brien", "Smith-Jones" pass; "USA", "NASA" and words with digits do not.
        var upper = 0;
        foreach (var c in word)
        {
            if (char.IsDigit(c))
            {
                return false;
            }

            upper += char.IsUpper(c) ? 1 : 0;
        }

        return upper <= 3 && !(upper == word.Length);
    }

    private static bool AfterNamingPhrase(ReadOnlySpan<char> text, int at)
    {
        // Every phrase ends in a space after a letter, ':' or ','; comparing that char first spares the full
        // comparison for almost every capitalised word (most are sentence starts).
        if (at < 2 || text[at - 1] != ' ')
        {
            return false;
        }

        var last = char.ToUpperInvariant(text[at - 2]);
        var before = text[Math.Max(0, at - 16)..at];
        foreach (var phrase in NamingPhrases)
        {
            if (char.ToUpperInvariant(phrase[^2]) == last && before.EndsWith(phrase, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static int WordEnd(ReadOnlySpan<char> text, int i)
    {
        while (i < text.Length && (char.IsLetter(text[i]) || ((text[i] is '-' or '\'' or '’') && i + 1 < text.Length && char.IsLetter(text[i + 1]))))
        {
            i++;
        }

        return i;
    }

    private static int SkipWord(ReadOnlySpan<char> text, int i)
    {
        while (i < text.Length && char.IsLetterOrDigit(text[i]))
        {
            i++;
        }

        return i;
    }

    private static FrozenSet<string> LoadNames()
    {
        using var stream = typeof(PersonNameRecognizer).Assembly.GetManifestResourceStream("Quell.Scanning.Data.first-names.txt")
            ?? throw new InvalidOperationException("first-names.txt is missing from the assembly");
        using var reader = new StreamReader(stream);
        var names = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && line[0] != '#')
            {
                names.Add(line);
            }
        }

        return names.ToFrozenSet(StringComparer.Ordinal);
    }
}
