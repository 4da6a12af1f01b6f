using System.Buffers;

namespace Quell.Scanning.Pii;

/// <summary>Words near a match that make it more (or less) likely to be the entity it looks like.</summary>
internal static class ContextWords
{
    public static readonly WordList Email = new(["email", "e-mail", "mail", "contact", "reach"]);
    public static readonly WordList Phone = new(["phone", "call", "tel", "mobile", "cell", "fax", "whatsapp", "sms", "text me", "dial", "reach me", "contact", "number is", "ring", "telefon", "téléphone", "teléfono", "landline", "hotline"]);
    public static readonly WordList PhoneNegative = new(["order", "invoice", "tracking", "account", "acct", "ref", "isbn", "serial", "ticket", "version", "sku", "transaction", "case #", "id:", "id ", "zip", "postcode", "batch", "model", "part", "routing", "confirmation", "population", "reference"]);
    public static readonly WordList Card = new(["card", "visa", "mastercard", "amex", "american express", "discover", "credit", "debit", "cc", "payment", "pay with", "carte", "tarjeta", "karte"]);
    public static readonly WordList Ssn = new(["ssn", "social security", "social-security", "tax id", "taxpayer"]);
    public static readonly WordList Iban = new(["iban", "bank", "account", "transfer", "wire", "sepa", "konto", "compte"]);
    public static readonly WordList Person = new(["name", "customer", "client", "patient", "recipient", "holder", "contact", "agent", "mr", "ms", "dear", "signed", "employee", "user"]);
    public static readonly WordList Address = new(["address", "ship", "deliver", "post", "mail", "live", "lives", "moved", "street", "send", "parcel", "adresse", "dirección", "indirizzo"]);
    /// <summary>Phrases that announce an address; stricter than <see cref="Address"/> because they alone make "Vasskollen 99" one.</summary>
    public static readonly WordList AddressAnnounced = new(["address", "deliver", "parcel", "posted to", "post to", "ship to", "shipped to", "shipping to", "shipping label", "send", "sent to", "lives at", "live at", "living at", "moved to", "located at", "adresse", "anschrift", "dirección", "indirizzo", "endereço", "adres"]);
    public static readonly WordList Ip = new(["ip", "address", "host", "server", "client", "from", "connect", "ping", "subnet", "gateway", "dns", "login", "request"]);
    public static readonly WordList IpNegative = new(["version", "release", "v.", "build", "section", "chapter", "figure", "step"]);

    /// <summary>True when any of <paramref name="words"/> occurs within <paramref name="before"/> chars before or <paramref name="after"/> chars after the span.</summary>
    public static bool Near(ReadOnlySpan<char> text, int start, int end, WordList words, int before = 48, int after = 24)
    {
        var from = Math.Max(0, start - before);
        return ContainsWord(text[from..start], words.Search) || ContainsWord(text[end..Math.Min(text.Length, end + after)], words.Search);
    }

    private static bool ContainsWord(ReadOnlySpan<char> window, SearchValues<string> words)
    {
        // One multi-string search for all the words instead of one search per word.
        var offset = 0;
        while (offset < window.Length)
        {
            var at = window[offset..].IndexOfAny(words);
            if (at < 0)
            {
                return false;
            }

            // Only the start must be a word boundary so that "phones" or "emailed" still count.
            var start = offset + at;
            if (start == 0 || !char.IsLetter(window[start - 1]))
            {
                return true;
            }

            offset = start + 1;
        }

        return false;
    }

    /// <summary>Context words, matched case-insensitively, with their multi-string searcher.</summary>
    public sealed class WordList(string[] words)
    {
        public IReadOnlyList<string> Words { get; } = words;

        public SearchValues<string> Search { get; } = SearchValues.Create(words, StringComparison.OrdinalIgnoreCase);
    }
}
