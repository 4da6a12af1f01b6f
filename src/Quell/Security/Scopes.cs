namespace Quell.Security;

/// <summary>What an API key may do. Each scope is also the name of the authorization policy that requires it.</summary>
public static class Scopes
{
    /// <summary>Write calls, evals, feedback and changes (OTLP, native, Quell.Client).</summary>
    public const string Ingest = "ingest";

    /// <summary>Figures and metadata: alerts, incidents, breakdowns, masked evidence.</summary>
    public const string Read = "read";

    /// <summary>Prompts, outputs and system prompts as stored; implies <see cref="Read"/>.</summary>
    public const string ReadContent = "read:content";

    /// <summary>Acknowledge, assign, note, resolve, silence.</summary>
    public const string Respond = "respond";

    /// <summary>Propose, approve and revoke mitigations.</summary>
    public const string Mitigate = "mitigate";

    /// <summary>Keys, configuration, audit log, canary values; implies every other scope.</summary>
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Ingest, Read, ReadContent, Respond, Mitigate, Admin];

    /// <summary>The claim type carrying one granted scope (after implications are expanded).</summary>
    public const string ClaimType = "quell:scope";

    /// <summary>A scope named in a request or a file, or null when it is not one of <see cref="All"/>.</summary>
    public static string? Parse(string? text)
    {
        var trimmed = text?.Trim();
        foreach (var scope in All)
        {
            if (string.Equals(scope, trimmed, StringComparison.OrdinalIgnoreCase))
            {
                return scope;
            }
        }

        return null;
    }

    /// <summary>The granted scopes plus those they imply: admin holds every scope, read:content holds read.</summary>
    public static IReadOnlySet<string> Expand(IEnumerable<string> granted)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var scope in granted)
        {
            set.Add(scope);
            if (scope == Admin)
            {
                set.UnionWith(All);
            }
            else if (scope == ReadContent)
            {
                set.Add(Read);
            }
        }

        return set;
    }
}
