namespace Quell.OnCall;

/// <summary>All schedules and escalation policies, resolved from configuration and ready to answer.</summary>
public sealed record OnCallDirectory
{
    public required IReadOnlyDictionary<string, OnCallSchedule> Schedules { get; init; }

    public required IReadOnlyDictionary<string, EscalationPolicy> Policies { get; init; }

    public string DefaultPolicy { get; init; } = "default";

    /// <summary>One "default" schedule with the single participant "on-call" and a policy paging it (repeating twice).</summary>
    public static OnCallDirectory Default { get; } = new()
    {
        Schedules = new Dictionary<string, OnCallSchedule>
        {
            ["default"] = new() { Name = "default", Layers = [new RotationLayer { Name = "default", Participants = ["on-call"] }] },
        },
        Policies = new Dictionary<string, EscalationPolicy>
        {
            ["default"] = new() { Name = "default", Steps = [new EscalationStep { Targets = [EscalationTarget.ForSchedule("default")], Delay = TimeSpan.FromMinutes(5) }], Repeat = 2 },
        },
    };

    public EscalationPolicy Policy(string? name) =>
        name is not null && Policies.TryGetValue(name, out var p) ? p
        : Policies.TryGetValue(DefaultPolicy, out var d) ? d
        : Default.Policies["default"];

    public OnCallShift? WhoIsOnCall(string schedule, DateTimeOffset at) =>
        Schedules.TryGetValue(schedule, out var s) ? OnCallResolver.WhoIsOnCall(s, at) : null;

    /// <summary>The people a step pages at an instant; schedules with nobody on call are skipped.</summary>
    public IReadOnlyList<PageTarget> Targets(EscalationStep step, DateTimeOffset at)
    {
        var result = new List<PageTarget>(step.Targets.Count);
        foreach (var t in step.Targets)
        {
            if (t.User is { } user)
            {
                result.Add(new PageTarget(user, step.Name ?? "user"));
            }
            else if (t.Schedule is { } schedule && WhoIsOnCall(schedule, at) is { } shift)
            {
                result.Add(new PageTarget(shift.User, step.Name ?? schedule));
            }
        }

        return result.DistinctBy(t => t.User).ToList();
    }
}
