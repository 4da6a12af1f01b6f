namespace Quell.OnCall;

/// <summary>Who to page in what order: steps with a delay before the next one, the whole run repeated <see cref="Repeat"/> more times.</summary>
public sealed record EscalationPolicy
{
    public required string Name { get; init; }

    public required IReadOnlyList<EscalationStep> Steps { get; init; }

    /// <summary>How many more times to run all steps when nobody acknowledges. Default 0.</summary>
    public int Repeat { get; init; }
}

/// <summary>One step: page these targets, then wait <see cref="Delay"/> for an acknowledgement before the next step.</summary>
public sealed record EscalationStep
{
    public required IReadOnlyList<EscalationTarget> Targets { get; init; }

    public TimeSpan Delay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The role shown to people ("manager"); defaults to the schedule's name.</summary>
    public string? Name { get; init; }
}

/// <summary>A schedule (whoever is on call then) or a named user.</summary>
public sealed record EscalationTarget(string? Schedule, string? User)
{
    public static EscalationTarget ForSchedule(string name) => new(name, null);

    public static EscalationTarget ForUser(string name) => new(null, name);
}

/// <summary>A person picked by an escalation step, and the role they are paged in.</summary>
public sealed record PageTarget(string User, string Role);
