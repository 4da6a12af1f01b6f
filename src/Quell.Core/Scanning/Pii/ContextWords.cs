namespace Quell.Scanning.Pii;

/// <summary>Words near a match that make it more (or less) likely to be the entity it looks like.</summary>
internal static class ContextWords
{
    public static readonly string[] Email = ["email", "e-mail", "mail", "contact", "reach"];
    public static readonly string[] Phone = ["phone", "call", "tel", "mobile", "cell", "fax", "whatsapp", "sms", "text me", "dial", "reach me", "contact", "number is", "ring", "telefon", "téléphone", "teléfono", "landline", "hotline"];
    public static readonly string[] PhoneNegative = ["order", "invoice", "tracking", "account", "acct", "ref", "isbn", "serial", "ticket", "version", "sku", "transaction", "case #", "id:", "id ", "zip", "postcode", "batch", "model", "part", "routing", "confirmation", "population", "reference"];
    public static readonly string[] Card = ["card", "visa", "mastercard", "amex", "american express", "discover", "credit", "debit", "cc", "payment", "pay with", "carte", "tarjeta", "karte"];
    public static readonly string[] Ssn = ["ssn", "social security", "social-security", "tax id", "taxpayer"];
    public static readonly string[] Iban = ["iban", "bank", "account", "transfer", "wire", "sepa", "konto", "compte"];
    public static readonly string[] Person = ["name", "customer", "client", "patient", "recipient", "holder", "contact", "agent", "mr", "ms", "dear", "signed", "employee", "user"];
    public static readonly string[] Address = ["address", "ship", "deliver", "post", "mail", "live", "lives", "moved", "street", "send", "parcel", "adresse", "dirección", "indirizzo"];
    /// <summary>Phrases that announce an address; stricter than <see cref="Address"/> because they alone make "Vasskollen 99" one.</summary>
    public static readonly string[] AddressAnnounced = ["address", "deliver", "parcel", "posted to", "post to", "ship to", "shipped to", "shipping to", "shipping label", "send", "sent to", "lives at", "live at", "living at", "moved to", "located at", "adresse", "anschrift", "dirección", "indirizzo", "endereço", "adres"];
    public static readonly string[] Ip = ["ip", "address", "host", "server", "client", "from", "connect", "ping", "subnet", "gateway", "dns", "login", "request"];
    public static readonly string[] IpNegative = ["version", "release", "v.", "build", "section", "chapter", "figure", "step"];

    /// <summary>True when any of <paramref name="words"/> occurs within <paramref name="before"/> chars before or <paramref name="after"/> chars after the span.</summary>
    public static bool Near(ReadOnlySpan<char> text, int start, int end, string[] words, int before = 48, int after = 24)
    {
        var from = Math.Max(0, start - before);
        var left = text[from..start];
        var right = text[end..Math.Min(text.Length, end + after)];
        foreach (var word in words)
        {
            if (ContainsWord(left, word) || ContainsWord(right, word))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ContainsWord(ReadOnlySpan<char> window, string word)
    {
        var offset = 0;
        while (offset < window.Length)
        {
            var at = window[offset..].IndexOf(word, StringComparison.OrdinalIgnoreCase);
            if (at < 0)
            {
                return false;
            }

            var start = offset + at;
            var end = start + word.Length;

            // Only the start must be a word boundary so that "phones" or "emailed" still count.
            if (start == 0 || !char.IsLetter(window[start - 1]))
            {
                return true;
            }

            offset = end;
        }

        return false;
    }
}
