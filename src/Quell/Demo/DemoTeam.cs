using Quell.Configuration;
using Quell.Evals;
using Quell.Incidents;
using Quell.Postmortems;
using Quell.Simulation;

namespace Quell.Demo;

/// <summary>
/// The simulated team after the page: once a scenario's fix ships, its incident moves to fixing, its calls become
/// regression cases, the cases are run against the fixed app (the verification gate), the incident goes to
/// monitoring, and the drafted post-mortem is written to the demo's output folder.
/// </summary>
public sealed class DemoTeam(IncidentService incidents, EvalService evals, PostmortemService postmortems, IReadOnlyList<IScenario> scenarios, Uri fixedApp, string outputDirectory, IDemoProgress progress)
{
    private readonly Dictionary<string, FixOutcome> _fixed = new(StringComparer.Ordinal);

    /// <summary>What happened to one scenario's incident after its fix (keyed by scenario name).</summary>
    public sealed record FixOutcome(string IncidentId, int RegressionCases, bool Verified, string? PostmortemPath, IReadOnlyList<string> Similar);

    public IReadOnlyDictionary<string, FixOutcome> Fixed => _fixed;

    public async Task ActAsync(DateTimeOffset now, CancellationToken ct)
    {
        foreach (var incident in await incidents.ListAsync(new IncidentQuery(Limit: 1000), ct).ConfigureAwait(false))
        {
            if (incident.State is not (IncidentState.Acknowledged or IncidentState.Mitigating or IncidentState.Investigating))
            {
                continue;
            }

            var scenario = ScenarioFor(incident);
            if (scenario?.End is not { } fixedAt || now < fixedAt || _fixed.ContainsKey(scenario.Name))
            {
                continue;
            }

            _fixed[scenario.Name] = await FixAsync(incident, scenario, now, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The scenario an incident belongs to: the latest one of its category and feature that had begun when it last fired.</summary>
    public IScenario? ScenarioFor(Incident incident) => scenarios
        .Where(s => string.Equals(s.Category, incident.Category, StringComparison.OrdinalIgnoreCase)
            && (incident.Feature is null || incident.Feature == s.Feature)
            && incident.LastSignalAt >= s.Onset.AddMinutes(-5)
            && incident.LastSignalAt <= s.Onset + s.DetectionBudget + (s.End - s.Onset ?? TimeSpan.Zero))
        .MaxBy(s => s.Onset);

    private async Task<FixOutcome> FixAsync(Incident incident, IScenario scenario, DateTimeOffset now, CancellationToken ct)
    {
        var owner = incident.Assignee ?? (incident.Pages.Count > 0 ? incident.Pages[0].User : "on-call");
        await incidents.ExecuteAsync(incident.Id, (m, i) => m.AddNote(i, $"root cause: {scenario.Description}; fix shipped at {scenario.End:yyyy-MM-dd HH:mm}", owner), ct).ConfigureAwait(false);
        await incidents.ExecuteAsync(incident.Id, (m, i) => m.Transition(i, IncidentState.Fixing, owner, "fix shipped"), ct).ConfigureAwait(false);

        var cases = await evals.AddRegressionCasesAsync(incident.Id, [], DemoApplication.VerifiedAnswer, null, owner, ct).ConfigureAwait(false);
        var verification = await evals.VerifyAsync(incident.Id, new EvalTargetConfig { Url = fixedApp.ToString(), Kind = "openai", Model = "demo-app" }, owner, ct).ConfigureAwait(false);
        var verified = verification?.Status.Verified ?? false;
        if (!verified)
        {
            await evals.OverrideAsync(incident.Id, "regression cases not runnable against the simulated app; verified by the simulated team", owner, ct).ConfigureAwait(false);
        }

        await incidents.ExecuteAsync(incident.Id, (m, i) => m.Resolve(i, owner, "verified against the regression cases; monitoring for recurrence"), ct).ConfigureAwait(false);
        var postmortem = await postmortems.GetOrDraftAsync(incident.Id, ct).ConfigureAwait(false);
        string? path = null;
        if (postmortem is not null)
        {
            Directory.CreateDirectory(Path.Combine(outputDirectory, "postmortems"));
            path = Path.Combine(outputDirectory, "postmortems", $"{incident.Id}.md");
            await File.WriteAllTextAsync(path, PostmortemMarkdown.Render(postmortem), ct).ConfigureAwait(false);
        }

        var current = await incidents.GetAsync(incident.Id, ct).ConfigureAwait(false);
        progress.Note(now, $"incident {incident.Id} ({scenario.Name}): {cases?.Added ?? 0} regression cases, verification {(verified ? "passed" : "overridden")}, post-mortem {path}");
        return new FixOutcome(incident.Id, cases?.Added ?? 0, verified, path, current?.Related ?? []);
    }
}
