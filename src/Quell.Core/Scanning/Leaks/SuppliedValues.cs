namespace Quell.Scanning.Leaks;

/// <summary>
/// What the caller supplied (the prompt and any allowed context): PII found in an output that was already there is
/// an echo, not a leak. Comparison is normalised per entity (e-mail case-insensitive, numbers by digits only).
/// </summary>
public sealed class SuppliedValues
{
    private readonly string _text;
    private readonly string _digits;
    private readonly string _alphanumericUpper;

    public SuppliedValues(string? input, IEnumerable<string>? allowedContext = null)
    {
        var all = allowedContext is null ? input ?? string.Empty : string.Join('\n', allowedContext.Prepend(input ?? string.Empty));
        _text = all;
        _digits = TextChars.DigitsOnly(all);
        _alphanumericUpper = new string([.. all.Where(TextChars.IsAsciiLetterOrDigit).Select(char.ToUpperInvariant)]);
    }

    public bool IsEmpty => _text.Length == 0;

    /// <summary>True when <paramref name="value"/> of kind <paramref name="entity"/> occurs in the supplied text.</summary>
    public bool Contains(string entity, ReadOnlySpan<char> value)
    {
        if (_text.Length == 0)
        {
            return false;
        }

        switch (entity)
        {
            case Entities.Phone:
                // Country codes and trunk zeros come and go ("+1 (202) 555-0143" vs "202-555-0143"): compare the subscriber part.
                var phone = TextChars.DigitsOnly(value);
                var tail = phone.Length > 9 ? phone[^9..] : phone;
                return tail.Length > 0 && _digits.Contains(tail, StringComparison.Ordinal);
            case Entities.CreditCard:
            case Entities.UsSsn:
                var digits = TextChars.DigitsOnly(value);
                return digits.Length > 0 && _digits.Contains(digits, StringComparison.Ordinal);
            case Entities.Iban:
                var compact = new string([.. value.ToString().Where(TextChars.IsAsciiLetterOrDigit).Select(char.ToUpperInvariant)]);
                return _alphanumericUpper.Contains(compact, StringComparison.Ordinal);
            default:
                return _text.AsSpan().Contains(value, StringComparison.OrdinalIgnoreCase);
        }
    }
}
