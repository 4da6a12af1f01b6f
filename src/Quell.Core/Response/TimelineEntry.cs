namespace Quell.Response;

/// <summary>One line of an incident's history: who did or saw what, and when.</summary>
public sealed record TimelineEntry(string IncidentId, DateTimeOffset At, string Kind, string Actor, string Message)
{
    /// <summary>Machine-readable details (channel, recipient, status code, from/to state).</summary>
    public IReadOnlyDictionary<string, string>? Data { get; init; }
}

/// <summary>The kinds of timeline entries Quell writes; other parts of Quell may add their own.</summary>
public static class TimelineKinds
{
    public const string Detected = "detected";
    public const string Alert = "alert";
    public const string Suppressed = "suppressed";
    public const string Severity = "severity";
    public const string Transition = "transition";
    public const string Assignment = "assignment";
    public const string Note = "note";
    public const string Page = "page";
    public const string Escalation = "escalation";
    public const string Notification = "notification";
    public const string Delivery = "delivery";
    public const string Action = "action";
    public const string Recurrence = "recurrence";

    /// <summary>The actor for decisions Quell makes by itself.</summary>
    public const string System = "quell";
}
