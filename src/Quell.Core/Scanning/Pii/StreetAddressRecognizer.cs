using System.Buffers;
using System.Collections.Frozen;

namespace Quell.Scanning.Pii;

/// <summary>
/// Street addresses by a small grammar around the house number, in the orders Europe and the Americas write them:
/// "221B Baker Street", "1600 Pennsylvania Ave NW, Apt. 4", "Schillerstraße 12", "Calle Mayor 7", "12 rue de la Paix",
/// "Via Roma 5". A street word (Street, Ave, -straße, -weg, rue, calle, via…) must sit next to the number; an
/// apartment or suite part is included. Numbers are found by a vectorised search, so prose costs almost nothing.
/// </summary>
internal static class StreetAddressRecognizer
{
    private static readonly SearchValues<char> Digits = SearchValues.Create("0123456789");

    // Street types written after the name ("Baker Street").
    private static readonly FrozenSet<string> TrailingTypes = new[]
    {
        "street", "st", "avenue", "ave", "av", "road", "rd", "boulevard", "blvd", "lane", "ln", "drive", "dr", "court", "ct", "place", "pl",
        "way", "terrace", "ter", "parkway", "pkwy", "circle", "cir", "circles", "square", "sq", "highway", "hwy", "trail", "trl", "crescent",
        "close", "row", "alley", "grove", "gardens", "mews", "hill", "hills", "park", "walk", "wharf", "quay", "view", "rise", "summit",
        "crossing", "xing", "loop", "pike", "path", "plaza", "point", "ridge", "run", "springs", "station", "track", "turnpike", "village",
        "ville", "vista", "extension", "estate", "estates", "fields", "field", "green", "heights", "island", "junction", "meadow", "meadows",
        "mill", "mills", "orchard", "pass", "passage", "pines", "port", "prairie", "radial", "ranch", "shoal", "shore", "shores", "spur",
        "stream", "union", "unions", "valley", "valleys", "viaduct", "wall", "wells", "bypass", "causeway", "centre", "center", "corner",
        "corners", "creek", "dale", "dam", "divide", "falls", "ferry", "flat", "flats", "ford", "forest", "forge", "fork", "forks", "fort",
        "freeway", "glen", "harbor", "harbour", "haven", "inlet", "key", "knoll", "landing", "light", "lock", "manor", "motorway", "mount",
        "oval", "overpass", "parade", "pine", "plain", "plains", "ramp", "rapid", "rest", "river", "route", "skyway", "spring", "stravenue",
        "throughway", "trace", "trafficway", "tunnel", "underpass", "burg", "brook", "brooks", "bridge", "bluff", "bluffs", "bottom", "branch",
        "cape", "cliff", "cliffs", "club", "common", "commons", "cove", "coves", "curve", "drives", "expressway", "lake", "lakes", "land",
        "lights", "locks", "mall", "mission", "neck", "orchard", "ports", "radial", "roads", "squares", "streets", "ways", "wells", "camp",
        "canyon", "causeway", "gateway", "gate", "gap", "isle", "junctions", "keys", "knolls", "loaf", "motorway", "parks", "ville",
        "crossroad", "crossroads", "islands", "lodge", "fords", "burgs", "mountain", "mountains", "harbors", "havens", "inlets", "islands",
        "lands", "manors", "mounts", "overlook", "plaza", "points", "ridges", "routes", "shoals", "spurs", "summits", "throughway", "tracks",
        "tunnels", "villages", "vistas", "walks", "centers", "circles", "courts", "creeks", "crests", "crest", "dales", "dams", "divides",
        "estates", "expressways", "extensions", "fall", "ferries", "flats", "forges", "freeways", "gardens", "gateways", "glens", "greens",
        "groves", "hollow", "hollows", "lanes", "lights", "loops", "meadow", "mill", "mission", "orchards", "ovals", "parkways", "passes",
        "paths", "pikes", "plains", "prairies", "rapids", "ranches", "rests", "rows", "skyways", "squares", "stations", "streams", "terraces",
        "trails", "unions", "valleys", "viaducts", "views", "wall", "ways",
        // Written after the name in Turkish, Nordic, Hungarian and Croatian addresses ("Menekşe Sokak 79", "Hermanssons Gata 5").
        "sokak", "sokağı", "caddesi", "cadde", "bulvarı", "gata", "gatan", "väg", "vägen", "vei", "veien", "vej", "gade", "utca", "út", "útja",
        "tér", "tere", "főtér", "rakpart", "sor", "köz", "fasor", "ulica", "cesta", "trg", "put", "obala",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> TrailingLookup = TrailingTypes.GetAlternateLookup<ReadOnlySpan<char>>();

    // Street types written before the name ("rue de la Paix", "Calle Mayor", "Via Roma").
    private static readonly FrozenSet<string> LeadingTypes = new[]
    {
        "rue", "avenue", "av", "boulevard", "bd", "chemin", "place", "allée", "impasse", "quai", "route", "cours", "passage", "via", "viale",
        "piazza", "corso", "vicolo", "largo", "calle", "avenida", "avda", "paseo", "plaza", "camino", "carrera", "rua", "travessa", "praça",
        "alameda", "estrada", "ulica", "ul", "aleja", "al", "strada", "bulevardul", "calea", "ulice", "utca", "ut", "sokak", "cadde", "caddesi",
        "am", "an", "auf", "im", "zum", "zur", "rond-point", "plac", "náměstí",
        // Spanish, Portuguese, Italian, Romanian, Polish, Croatian and Slovak types written before the name.
        "cda", "cerrada", "privada", "retorno", "prolongación", "andador", "circuito", "callejón", "barranco", "partida", "conjunto",
        "ronda", "travesía", "urbanización", "glorieta", "pasaje", "vía", "carrer", "avinguda", "lado", "jardim", "caminho", "largo",
        "incrocio", "contrada", "borgo", "piazzale", "rotonda", "vico", "aleea", "intrarea", "splaiul", "șoseaua", "soseaua", "piața",
        "strada", "drumul", "bulw", "wyb", "pl", "os", "osiedle", "rondo", "skwer", "droga", "wyspa", "vijenac", "šetalište", "prilaz",
        "námestie", "námest", "nábrežie", "trieda",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> LeadingLookup = LeadingTypes.GetAlternateLookup<ReadOnlySpan<char>>();

    // Types that are written in lower case: leading in Polish ("ul. Długa 5", "bulw. Radomski 94b"), trailing in
    // Hungarian and Croatian ("Zalán utca 941").
    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> LowerLeadingLookup = new[]
    {
        "ul", "al", "bulw", "wyb", "pl", "os", "osiedle", "rondo", "skwer", "droga", "wyspa", "aleja", "ulica", "plac",
    }.ToFrozenSet(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> LowerTrailingLookup = new[]
    {
        "utca", "út", "útja", "tér", "tere", "főtér", "rakpart", "sor", "köz", "fasor", "ulica", "cesta", "trg", "sokak", "caddesi",
    }.ToFrozenSet(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

    // Capitalised words before a number that make it a date, a room, a page or a version, never a street.
    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> NotStreetNameLookup = new[]
    {
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "monday", "tuesday", "wednesday", "thursday",
        "friday", "saturday", "sunday", "room", "gate", "terminal", "platform", "level", "floor", "page", "section", "chapter", "figure",
        "table", "step", "version", "release", "build", "item", "order", "ticket", "invoice", "case", "box", "bay", "dock", "row", "seat",
        "table", "unit", "suite", "apt", "flight", "train", "bus", "route", "line", "track", "lane", "zone", "area", "week", "day", "year",
        "q", "v", "no", "nr", "number", "phone", "tel", "iban", "card", "the", "a", "an", "i", "we", "you", "it", "this", "that", "our", "your",
        "zimmer", "lgh", "leil", "kat", "stan", "hus", "bloc", "ap", "sc", "etaj", "oppgang", "og", "edificio", "bajo", "lok", "byt", "wohnung",
        "ii", "iii", "iv", "vi", "vii", "viii", "ix", "x", "xi", "xii", "apartment", "flat", "stock", "piso",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();

    // Compound street names ("Schillerstraße", "Kerkstraat", "Storgatan").
    private static readonly string[] Suffixes =
    [
        "straße", "strasse", "str", "weg", "gasse", "platz", "allee", "ring", "damm", "ufer", "steig", "chaussee", "markt", "graben",
        "straat", "laan", "plein", "gracht", "kade", "singel", "dijk", "vej", "gade", "gatan", "gata", "vägen", "veien", "vegen", "gate",
        "tie", "katu", "polku", "utca", "ulica",
    ];

    private static readonly string[] UnitWords =
    [
        "apt", "apt.", "apartment", "suite", "ste", "unit", "flat", "floor", "fl", "#", "no", "no.", "nr", "nr.", "bus", "app", "app.", "piso", "étage", "stock",
        "zimmer", "lgh", "leil", "kat", "stan", "hus", "bloc", "ap", "sc", "etaj", "oppgang", "og", "edificio", "bajo", "m", "lok", "byt", "wohnung",
    ];

    public static void Scan(ReadOnlySpan<char> text, List<PiiMatch> matches)
    {
        var pos = 0;
        while (pos < text.Length)
        {
            var hit = text[pos..].IndexOfAny(Digits);
            if (hit < 0)
            {
                return;
            }

            var i = pos + hit;
            var numberEnd = HouseNumberEnd(text, i);
            pos = Math.Max(numberEnd, i + 1);
            if (numberEnd < 0 || (i > 0 && char.IsLetterOrDigit(text[i - 1])))
            {
                pos = SkipRun(text, i);
                continue;
            }

            if (TryNumberFirst(text, i, numberEnd, out var match) || TryNameFirst(text, i, numberEnd, out match))
            {
                matches.Add(match);
                pos = match.End;
            }
        }
    }

    /// <summary>"221", "221B", "12-14", "7a": 1–5 digits, an optional letter or range; -1 when not a house number.</summary>
    private static int HouseNumberEnd(ReadOnlySpan<char> text, int i)
    {
        var j = i;
        while (j < text.Length && char.IsAsciiDigit(text[j]))
        {
            j++;
        }

        if (j - i > 5 || (j - i == 1 && text[i] == '0'))
        {
            return -1;
        }

        if (j < text.Length && char.IsAsciiLetter(text[j]) && (j + 1 == text.Length || !char.IsLetterOrDigit(text[j + 1])))
        {
            j++;
        }
        else if (j + 1 < text.Length && text[j] is '-' or '/' && char.IsAsciiDigit(text[j + 1]))
        {
            j++;
            while (j < text.Length && char.IsAsciiDigit(text[j]))
            {
                j++;
            }
        }

        return j < text.Length && char.IsLetterOrDigit(text[j]) ? -1 : j;
    }

    /// <summary>"221B Baker Street", "12 rue de la Paix": number, then a street name with its type.</summary>
    private static bool TryNumberFirst(ReadOnlySpan<char> text, int start, int numberEnd, out PiiMatch match)
    {
        match = default;
        var i = numberEnd;
        if (i < text.Length && text[i] == ',')
        {
            i++;
        }

        if (i >= text.Length || text[i] != ' ')
        {
            return false;
        }

        i++;
        var firstWordEnd = WordEnd(text, i);
        if (firstWordEnd == i)
        {
            return false;
        }

        var first = text[i..firstWordEnd];
        if (LeadingLookup.Contains(first) && first.Length > 2 && char.IsLower(first[0]) || (LeadingLookup.Contains(first) && first.Length > 3))
        {
            // "12 rue de la Paix": the type first, then the name (particles allowed).
            var nameEnd = NameWords(text, firstWordEnd, allowParticles: true, out var words);
            if (words == 0)
            {
                return false;
            }

            match = Finish(text, start, nameEnd, 0.75);
            return true;
        }

        if (!char.IsUpper(text[i]))
        {
            return false;
        }

        if (EndsWithSuffix(first))
        {
            match = Finish(text, start, firstWordEnd, 0.75);
            return true;
        }

        // "1600 Pennsylvania Avenue NW": up to four capitalised words, the last a street type.
        var end = i;
        var wordsSeen = 0;
        while (wordsSeen < 5 && i < text.Length)
        {
            var wordEnd = WordEnd(text, i);
            if (wordEnd == i || !char.IsUpper(text[i]))
            {
                break;
            }

            var word = text[i..wordEnd];
            wordsSeen++;
            var afterDot = wordEnd < text.Length && text[wordEnd] == '.' ? wordEnd + 1 : wordEnd;
            if (wordsSeen >= 2 && TrailingLookup.Contains(word))
            {
                end = afterDot;
                match = Finish(text, start, Directional(text, end), 0.8);
                return true;
            }

            if (afterDot >= text.Length || text[afterDot] != ' ')
            {
                break;
            }

            i = afterDot + 1;
        }

        _ = end;
        return false;
    }

    /// <summary>"Schillerstraße 12", "Calle Mayor 7", "Via Roma 5", "Baker Street 221": a street name, then the number.</summary>
    private static bool TryNameFirst(ReadOnlySpan<char> text, int numberStart, int numberEnd, out PiiMatch match)
    {
        match = default;
        if (numberStart < 2 || text[numberStart - 1] != ' ')
        {
            return false;
        }

        // Walk back over up to four words before the number.
        var i = numberStart - 1;
        var start = -1;
        var score = 0.0;
        var capitalised = 0;
        var capitalisedStart = -1;
        var nearestStart = -1;
        for (var words = 0; words < 5 && i > 0; words++)
        {
            var wordEnd = i;
            if (wordEnd > 0 && text[wordEnd - 1] == '.')
            {
                wordEnd--;
            }

            var wordStart = wordEnd;
            while (wordStart > 0 && (char.IsLetter(text[wordStart - 1]) || text[wordStart - 1] is '-' or '\''))
            {
                wordStart--;
            }

            if (wordStart == wordEnd)
            {
                break;
            }

            var word = text[wordStart..wordEnd];
            if (words == 0 && char.IsLower(word[0]) && LowerTrailingLookup.Contains(word) && wordStart > 1 && text[wordStart - 1] == ' ')
            {
                // "Zalán utca 941", "Nemes Nagy Ágnes út 98": Hungarian and Croatian write the type in lower case.
                var nameStart = WordStartBefore(text, wordStart - 1);
                if (nameStart < wordStart - 1 && char.IsUpper(text[nameStart]))
                {
                    start = nameStart;
                    score = 0.6;
                }

                break;
            }

            if (words == 0 && char.IsUpper(word[0]) && EndsWithSuffix(word))
            {
                start = wordStart;
                score = 0.75;
                break;
            }

            if (words == 0 && char.IsUpper(word[0]) && TrailingLookup.Contains(word) && wordStart > 1 && text[wordStart - 1] == ' ')
            {
                // "Baker Street 221": the word before the type must be a capitalised name.
                var nameStart = WordStartBefore(text, wordStart - 1);
                if (nameStart < wordStart - 1 && char.IsUpper(text[nameStart]))
                {
                    start = nameStart;
                    score = 0.6;
                }

                break;
            }

            if (LeadingLookup.Contains(word) && (char.IsUpper(word[0]) || LowerLeadingLookup.Contains(word)) && words > 0)
            {
                start = wordStart;
                score = 0.7;
                break;
            }

            if (!char.IsUpper(word[0]) && !(word is "de" or "del" or "la" or "le" or "des" or "du" or "di" or "della" or "do" or "da" or "dos"))
            {
                break;
            }

            if (char.IsUpper(word[0]) && words == capitalised && !NotStreetNameLookup.Contains(word))
            {
                capitalised++;
                nearestStart = capitalised == 1 ? wordStart : nearestStart;
                capitalisedStart = capitalised <= 2 ? wordStart : capitalisedStart;
            }

            if (wordStart < 2 || text[wordStart - 1] != ' ')
            {
                break;
            }

            i = wordStart - 1;
        }

        // No street word: one or two capitalised words and a house number count as an address only where the text
        // says an address follows ("the new address is Na Moráni 44", "ship to Vasskollen 99"); the base score
        // stays under the threshold so that only that context lifts it.
        if (start < 0 && capitalised > 0 && !LooksLikeYear(text[numberStart..numberEnd]) && ContextWords.Near(text, capitalisedStart, numberEnd, ContextWords.AddressAnnounced, 40, 0))
        {
            // Three or more capitalised words are more likely "Name Surname Street": keep the one next to the number.
            start = capitalised > 2 ? nearestStart : capitalisedStart;
            score = 0.4;
        }

        if (start < 0)
        {
            return false;
        }

        match = Finish(text, start, numberEnd, score);
        return true;
    }

    private static bool LooksLikeYear(ReadOnlySpan<char> number) => number.Length == 4 && number[0] is '1' or '2' && number[1] is '9' or '0';

    private static int WordStartBefore(ReadOnlySpan<char> text, int spaceAt)
    {
        var j = spaceAt;
        while (j > 0 && char.IsLetter(text[j - 1]))
        {
            j--;
        }

        return j;
    }

    /// <summary>Adds an apartment part ("Apt. 4", "Suite 200"), raises the score for address context.</summary>
    private static PiiMatch Finish(ReadOnlySpan<char> text, int start, int end, double score)
    {
        var i = end;
        while (i < text.Length && text[i] is ' ' or ',')
        {
            i++;
        }

        var unitEnd = WordEnd(text, i);
        var unit = text[i..unitEnd];
        if (unitEnd < text.Length && text[unitEnd] == '.')
        {
            unitEnd++;
        }

        foreach (var u in UnitWords)
        {
            if (unit.Equals(u.TrimEnd('.'), StringComparison.OrdinalIgnoreCase) && unit.Length > 0)
            {
                var j = unitEnd;
                while (j < text.Length && text[j] == ' ')
                {
                    j++;
                }

                var k = j;
                while (k < text.Length && char.IsLetterOrDigit(text[k]))
                {
                    k++;
                }

                if (k > j && char.IsAsciiDigit(text[j]))
                {
                    end = k;
                }

                break;
            }
        }

        if (ContextWords.Near(text, start, end, ContextWords.Address))
        {
            score += 0.15;
        }

        return new PiiMatch(Entities.StreetAddress, start, end, Math.Min(score, 0.95));
    }

    private static int Directional(ReadOnlySpan<char> text, int end)
    {
        if (end + 3 <= text.Length && text[end] == ' ')
        {
            var wordEnd = WordEnd(text, end + 1);
            var word = text[(end + 1)..wordEnd];
            if (word is "N" or "S" or "E" or "W" or "NE" or "NW" or "SE" or "SW")
            {
                return wordEnd;
            }
        }

        return end;
    }

    private static int NameWords(ReadOnlySpan<char> text, int from, bool allowParticles, out int words)
    {
        words = 0;
        var end = from;
        var i = from;
        while (words < 5 && i < text.Length && text[i] == ' ')
        {
            i++;
            var wordEnd = WordEnd(text, i);
            if (wordEnd == i)
            {
                break;
            }

            var word = text[i..wordEnd];
            var particle = allowParticles && word is "de" or "la" or "le" or "des" or "du" or "del" or "della" or "di" or "da" or "do" or "dos" or "das" or "d'";
            if (!particle && !char.IsUpper(word[0]))
            {
                break;
            }

            if (!particle)
            {
                words++;
                end = wordEnd;
            }

            i = wordEnd;
        }

        return end;
    }

    private static bool EndsWithSuffix(ReadOnlySpan<char> word)
    {
        var w = word.TrimEnd('.');
        foreach (var suffix in Suffixes)
        {
            if (w.Length > suffix.Length + 2 && w.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static int WordEnd(ReadOnlySpan<char> text, int i)
    {
        while (i < text.Length && (char.IsLetter(text[i]) || ((text[i] is '-' or '\'') && i + 1 < text.Length && char.IsLetter(text[i + 1]))))
        {
            i++;
        }

        return i;
    }

    private static int SkipRun(ReadOnlySpan<char> text, int i)
    {
        while (i < text.Length && char.IsLetterOrDigit(text[i]))
        {
            i++;
        }

        return Math.Max(i, 1);
    }
}
