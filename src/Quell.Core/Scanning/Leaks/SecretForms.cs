using System.Text;

namespace Quell.Scanning.Leaks;

/// <summary>
/// An output read the ways a secret can be hidden in it: its letters and digits alone (so case, separators and
/// spelling-out vanish), the first letters of its lines and of its words (acrostics), and the text of its base64
/// and hex runs. Each stream keeps, per character, where it came from in the output.
/// </summary>
internal sealed class SecretForms
{
    private const int MinEncodedChars = 8;

    private SecretForms(Stream letters, Stream lineInitials, Stream wordInitials, List<(Stream Decoded, int Start, int End, string How)> encoded)
    {
        Letters = letters;
        LineInitials = lineInitials;
        WordInitials = wordInitials;
        Encoded = encoded;
    }

    /// <summary>Lower-case letters and digits of the text with their offsets and word boundaries.</summary>
    public Stream Letters { get; }

    public Stream LineInitials { get; }

    public Stream WordInitials { get; }

    public List<(Stream Decoded, int Start, int End, string How)> Encoded { get; }

    public static SecretForms Read(ReadOnlySpan<char> text)
    {
        var letters = Stream.Of(text, 0);
        var lines = new StreamBuilder(text.Length / 40);
        var words = new StreamBuilder(text.Length / 5);
        var lineStart = true;
        var wordStart = true;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n')
            {
                lineStart = true;
                wordStart = true;
                continue;
            }

            if (char.IsLetterOrDigit(c))
            {
                if (lineStart)
                {
                    lines.Add(char.ToLowerInvariant(c), i, true, true);
                    lineStart = false;
                }

                if (wordStart)
                {
                    words.Add(char.ToLowerInvariant(c), i, true, true);
                    wordStart = false;
                }
            }
            else if (c is ' ' or '\t' or '\r' or ',' or ';' or '.' or '!' or '?' or '(' or ')' or '"' or '-' or ':' or '*' or '_')
            {
                wordStart = true;
            }
        }

        var encoded = new List<(Stream, int, int, string)>();
        FindEncodedRuns(text, encoded);
        return new SecretForms(letters, lines.Build(), words.Build(), encoded);
    }

    private static void FindEncodedRuns(ReadOnlySpan<char> text, List<(Stream, int, int, string)> encoded)
    {
        var i = 0;
        while (i < text.Length)
        {
            if (!IsBase64Char(text[i]))
            {
                i++;
                continue;
            }

            var start = i;
            while (i < text.Length && (IsBase64Char(text[i]) || (text[i] == ' ' && i + 1 < text.Length && IsHex(text[i + 1]) && IsHexPairRun(text, start, i))))
            {
                i++;
            }

            var run = text[start..i].TrimEnd(' ');
            if (run.Length < MinEncodedChars)
            {
                continue;
            }

            if (TryHex(run) is { } hex)
            {
                encoded.Add((Stream.Of(hex, start), start, start + run.Length, "hex"));
            }
            else if (TryBase64(run) is { } b64)
            {
                encoded.Add((Stream.Of(b64, start), start, start + run.Length, "base64"));
            }
        }
    }

    private static bool IsBase64Char(char c) => TextChars.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=' or '-' or '_';

    private static bool IsHex(char c) => c is (>= '0' and <= '9') or (>= 'a' and <= 'f') or (>= 'A' and <= 'F');

    // "5a 45 42 52 41": spaces are part of a hex run only between byte pairs.
    private static bool IsHexPairRun(ReadOnlySpan<char> text, int start, int at)
    {
        var from = at - 2;
        return from >= start && IsHex(text[at - 1]) && IsHex(text[at - 2]) && (from == start || text[from - 1] == ' ');
    }

    private static string? TryHex(ReadOnlySpan<char> run)
    {
        Span<char> digits = run.Length <= 1024 ? stackalloc char[run.Length] : new char[run.Length];
        var n = 0;
        foreach (var c in run)
        {
            if (c == ' ')
            {
                continue;
            }

            if (!IsHex(c))
            {
                return null;
            }

            digits[n++] = c;
        }

        if (n < MinEncodedChars || n % 2 != 0)
        {
            return null;
        }

        var bytes = Convert.FromHexString(digits[..n]);
        return Printable(bytes);
    }

    private static string? TryBase64(ReadOnlySpan<char> run)
    {
        if (run.Contains(' '))
        {
            return null;
        }

        var chars = new char[run.Length + 3];
        var n = 0;
        foreach (var c in run)
        {
            if (c == '=')
            {
                break;
            }

            chars[n++] = c switch { '-' => '+', '_' => '/', _ => c };
        }

        while (n % 4 != 0)
        {
            chars[n++] = '=';
        }

        var bytes = new byte[(n / 4 * 3) + 3];
        return Convert.TryFromBase64Chars(chars.AsSpan(0, n), bytes, out var written) ? Printable(bytes.AsSpan(0, written)) : null;
    }

    private static string? Printable(ReadOnlySpan<byte> bytes)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        var letters = 0;
        foreach (var c in text)
        {
            if (char.IsControl(c) && c is not ('\n' or '\r' or '\t'))
            {
                return null;
            }

            letters += char.IsLetterOrDigit(c) ? 1 : 0;
        }

        return letters >= 4 && letters >= text.Length / 2 ? text : null;
    }

    /// <summary>Characters with, for each, the output offset it came from and whether a word starts or ends there.</summary>
    internal sealed class Stream(string chars, int[] offsets, bool[] starts, bool[] ends)
    {
        public string Chars { get; } = chars;

        public int[] Offsets { get; } = offsets;

        public bool[] WordStarts { get; } = starts;

        public bool[] WordEnds { get; } = ends;

        public static Stream Of(ReadOnlySpan<char> text, int baseOffset)
        {
            var builder = new StreamBuilder(text.Length);
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (!char.IsLetterOrDigit(c))
                {
                    continue;
                }

                var start = i == 0 || !char.IsLetterOrDigit(text[i - 1]);
                var end = i + 1 == text.Length || !char.IsLetterOrDigit(text[i + 1]);
                builder.Add(char.ToLowerInvariant(c), baseOffset + i, start, end);
            }

            return builder.Build();
        }

        /// <summary>Every place <paramref name="needle"/> occurs; with <paramref name="whole"/> only where it starts and ends at word edges.</summary>
        public IEnumerable<(int From, int To)> Find(string needle, bool whole)
        {
            var from = 0;
            while (from <= Chars.Length - needle.Length)
            {
                var at = Chars.IndexOf(needle, from, StringComparison.Ordinal);
                if (at < 0)
                {
                    yield break;
                }

                var last = at + needle.Length - 1;
                if (!whole || (WordStarts[at] && WordEnds[last]))
                {
                    yield return (Offsets[at], Offsets[last] + 1);
                }

                from = at + 1;
            }
        }
    }

    private sealed class StreamBuilder(int capacity)
    {
        private readonly StringBuilder _chars = new(capacity);
        private readonly List<int> _offsets = new(capacity);
        private readonly List<bool> _starts = new(capacity);
        private readonly List<bool> _ends = new(capacity);

        public void Add(char c, int offset, bool start, bool end)
        {
            _chars.Append(c);
            _offsets.Add(offset);
            _starts.Add(start);
            _ends.Add(end);
        }

        public Stream Build() => new(_chars.ToString(), [.. _offsets], [.. _starts], [.. _ends]);
    }
}
