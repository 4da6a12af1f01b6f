namespace Quell.Response;

/// <summary>How bad an incident is; S1 is the worst. Lower numbers are more severe.</summary>
public enum Severity
{
    /// <summary>Customer-facing and widespread.</summary>
    S1 = 1,

    /// <summary>Customer-facing and limited.</summary>
    S2 = 2,

    /// <summary>Internal or monitoring only.</summary>
    S3 = 3,
}

/// <summary>Where an incident is in the playbook.</summary>
public enum IncidentState
{
    Detected,
    Acknowledged,
    Mitigating,
    Investigating,
    Fixing,
    Monitoring,
    Postmortem,
    Closed,
}

/// <summary>Text forms of states and severities used by the API, the CLI and storage.</summary>
public static class IncidentText
{
    public static string Name(this IncidentState state) => state.ToString().ToLowerInvariant();

    public static bool TryParseState(string? text, out IncidentState state)
    {
        state = default;
        return !string.IsNullOrWhiteSpace(text) && !int.TryParse(text, out _) && Enum.TryParse(text.Trim(), ignoreCase: true, out state) && Enum.IsDefined(state);
    }

    public static bool TryParseSeverity(string? text, out Severity severity)
    {
        severity = default;
        var t = text?.Trim().ToUpperInvariant();
        switch (t)
        {
            case "S1" or "1" or "CRITICAL":
                severity = Severity.S1;
                return true;
            case "S2" or "2":
                severity = Severity.S2;
                return true;
            case "S3" or "3":
                severity = Severity.S3;
                return true;
            default:
                return false;
        }
    }

    /// <summary>True while responders are still working it (before monitoring).</summary>
    public static bool IsActive(this IncidentState state) => state < IncidentState.Monitoring;
}
