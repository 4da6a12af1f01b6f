using System.Collections.Concurrent;
using System.Globalization;

namespace Quell.Scanning.Leaks;

/// <summary>
/// Finds protected secrets of any length in outputs, however they are dressed: verbatim, in another case, spelled
/// out with separators ("Z-E-B-R-A"), reversed, rot13, base64 or hex encoded, or as the initials of lines or words.
/// Secrets come from registration (per feature) and from the call's system prompt: a short prompt is itself the
/// secret; a long one yields what follows "password", "code word", "secret"… in it.
/// </summary>
public sealed class SecretLeakDetector
{
    /// <summary>Secrets shorter than this (letters and digits) are ignored: too many ordinary words contain them.</summary>
    public const int MinSecretChars = 4;

    /// <summary>A system prompt this short (and of at most <see cref="ShortPromptWords"/> words) is the secret itself.</summary>
    public const int ShortPromptChars = 48;

    public const int ShortPromptWords = 4;

    // Initials of consecutive words spell a given 6-letter string by chance about once in 300 million words.
    private const int MinWordAcrosticChars = 6;
    private const int CallCacheLimit = 512;

    private static readonly string[] SecretKeywords = ["password", "passphrase", "passcode", "pass code", "code word", "codeword", "secret word", "secret code", "secret key", "secret is", "access code", "pin code", "pin is", "magic word", "safe word", "key is"];
    private static readonly string[] Fillers = ["is", "was", "are", "be", "the", "word", "code", "=", ":", "-", "—"];

    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, IReadOnlyList<Core>> _callSecrets = new(StringComparer.Ordinal);
    private IReadOnlyList<(Core Core, string? Feature)> _registered = [];

    /// <summary>Registers a secret to protect.</summary>
    public void Register(ProtectedSecret secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (Core.From(secret.Name, secret.Value) is not { } core)
        {
            return;
        }

        lock (_gate)
        {
            _registered = [.. _registered, (core, secret.Feature)];
        }
    }

    /// <summary>Secrets that <paramref name="systemPrompt"/> carries: the values it names, else all of it when short.</summary>
    public static IReadOnlyList<string> SecretsIn(string systemPrompt)
    {
        ArgumentNullException.ThrowIfNull(systemPrompt);
        var trimmed = systemPrompt.Trim();
        var found = new List<string>();
        var lower = trimmed.ToLowerInvariant();
        foreach (var keyword in SecretKeywords)
        {
            var from = 0;
            while ((from = lower.IndexOf(keyword, from, StringComparison.Ordinal)) >= 0)
            {
                from += keyword.Length;
                if (ValueAfter(trimmed, from) is { } value && !found.Contains(value, StringComparer.OrdinalIgnoreCase))
                {
                    found.Add(value);
                }
            }
        }

        // "ZEBRA-42" or "open sesame" alone: the prompt is the secret.
        if (found.Count == 0 && trimmed.Length <= ShortPromptChars && trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length <= ShortPromptWords)
        {
            found.Add(trimmed);
        }

        return found;
    }

    public void Detect(ReadOnlySpan<char> output, string? feature, string? callSystemPrompt, List<ScanFinding> findings)
    {
        var registered = Volatile.Read(ref _registered);
        var fromCall = string.IsNullOrWhiteSpace(callSystemPrompt) ? [] : CallSecrets(callSystemPrompt);
        if (fromCall.Count == 0 && !registered.Any(r => r.Feature is null || string.Equals(r.Feature, feature, StringComparison.Ordinal)))
        {
            return;
        }

        var forms = SecretForms.Read(output);
        foreach (var (core, scope) in registered)
        {
            if (scope is null || string.Equals(scope, feature, StringComparison.Ordinal))
            {
                Find(forms, core, findings);
            }
        }

        foreach (var core in fromCall)
        {
            Find(forms, core, findings);
        }
    }

    private IReadOnlyList<Core> CallSecrets(string prompt)
    {
        if (_callSecrets.TryGetValue(prompt, out var cores))
        {
            return cores;
        }

        if (_callSecrets.Count >= CallCacheLimit)
        {
            _callSecrets.Clear();
        }

        cores = [.. SecretsIn(prompt).Select(v => Core.From("system prompt secret", v)).OfType<Core>()];
        _callSecrets.TryAdd(prompt, cores);
        return cores;
    }

    private static void Find(SecretForms forms, Core core, List<ScanFinding> findings)
    {
        if (First(forms.Letters, core.Text, whole: true) is { } verbatim)
        {
            Report(findings, core, verbatim, "copy", 1.0);
            return;
        }

        if (core.Reversed != core.Text && First(forms.Letters, core.Reversed, whole: true) is { } reversed)
        {
            Report(findings, core, reversed, "reversed copy", 0.95);
            return;
        }

        if (First(forms.Letters, core.Rot13, whole: true) is { } rot13)
        {
            Report(findings, core, rot13, "rot13 copy", 0.95);
            return;
        }

        foreach (var (decoded, start, end, how) in forms.Encoded)
        {
            if (First(decoded, core.Text, whole: true) is not null || First(decoded, core.Reversed, whole: true) is not null)
            {
                Report(findings, core, (start, end), how + " copy", 0.95);
                return;
            }
        }

        if (First(forms.LineInitials, core.Text, whole: false) is { } lines)
        {
            Report(findings, core, lines, "acrostic (line initials)", 0.9);
            return;
        }

        if (core.Text.Length >= MinWordAcrosticChars && First(forms.WordInitials, core.Text, whole: false) is { } words)
        {
            Report(findings, core, words, "acrostic (word initials)", 0.85);
        }
    }

    private static (int Start, int End)? First(SecretForms.Stream stream, string needle, bool whole)
    {
        foreach (var hit in stream.Find(needle, whole))
        {
            return hit;
        }

        return null;
    }

    private static void Report(List<ScanFinding> findings, Core core, (int Start, int End) at, string how, double score)
    {
        var evidence = string.Create(CultureInfo.InvariantCulture, $"{how} of {core.Name} ({core.Text.Length} letters and digits)");
        findings.Add(new ScanFinding(FindingKinds.SystemPromptLeak, Entities.SystemPrompt, at.Start, at.End, score, evidence));
    }

    private static string? ValueAfter(string prompt, int from)
    {
        var i = from;
        while (true)
        {
            while (i < prompt.Length && prompt[i] is ' ' or ':' or '=' or '"' or '\'' or '“' or '‘' or '`' or '*')
            {
                i++;
            }

            var wordEnd = i;
            while (wordEnd < prompt.Length && !char.IsWhiteSpace(prompt[wordEnd]) && prompt[wordEnd] is not ('"' or '\'' or '”' or '’' or '`' or '*'))
            {
                wordEnd++;
            }

            var word = prompt[i..wordEnd].TrimEnd('.', ',', ';', ':', '!', '?', ')');
            if (word.Length == 0)
            {
                return null;
            }

            if (Fillers.Contains(word.ToLowerInvariant()))
            {
                i = wordEnd;
                continue;
            }

            return word.Count(char.IsLetterOrDigit) >= MinSecretChars ? word : null;
        }
    }

    /// <summary>A secret reduced to lower-case letters and digits, with its reversed and rot13 forms.</summary>
    private sealed record Core(string Name, string Text, string Reversed, string Rot13)
    {
        public static Core? From(string name, string value)
        {
            var text = new string([.. value.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant)]);
            if (text.Length < MinSecretChars)
            {
                return null;
            }

            var reversed = new string([.. text.Reverse()]);
            return new Core(name, text, reversed, TextEncodings.Rot13(text));
        }
    }
}
