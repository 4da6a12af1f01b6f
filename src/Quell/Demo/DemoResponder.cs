using Quell.Incidents;
using Quell.Response;
using Quell.Server.Incidents;

namespace Quell.Demo;

/// <summary>
/// The simulated on-call team: whoever is paged acknowledges a few simulated minutes later, except during the
/// scenarios whose primary sleeps through the page, where the escalation reaches the secondary.
/// </summary>
public sealed class DemoResponder(IncidentService incidents, IDemoProgress progress, Func<DateTimeOffset, bool> primaryAsleep)
{
    private readonly Dictionary<string, (DateTimeOffset At, string? By)> _planned = new(StringComparer.Ordinal);
    private readonly HashSet<string> _announced = new(StringComparer.Ordinal);

    /// <summary>The demo policy's first escalation step.</summary>
    private const int EscalationMinutes = 5;

    /// <summary>How long an unpaged S3 incident waits before the team takes it from the queue.</summary>
    private static readonly TimeSpan S3TriageDelay = TimeSpan.FromHours(2);

    /// <summary>The team that fixes and verifies once a scenario's fix ships.</summary>
    public DemoTeam? Team { get; set; }

    public async Task ActAsync(DateTimeOffset now, CancellationToken ct)
    {
        // Simulated time moves in batches: answers planned before the first escalation step (5 min) go first,
        // then the escalation tick, then the late answers, so each happens in the order it would have.
        await AnswerAsync(now, beforeEscalation: true, ct).ConfigureAwait(false);
        await incidents.TickAsync(ct).ConfigureAwait(false);
        await AnswerAsync(now, beforeEscalation: false, ct).ConfigureAwait(false);
        if (Team is not null)
        {
            await Team.ActAsync(now, ct).ConfigureAwait(false);
        }
    }

    private async Task AnswerAsync(DateTimeOffset now, bool beforeEscalation, CancellationToken ct)
    {
        foreach (var incident in await incidents.ListAsync(new IncidentQuery(IncidentState.Detected, Limit: 500), ct).ConfigureAwait(false))
        {
            if (incident.Pages.Count == 0)
            {
                // S3 incidents page nobody; the team works through that queue a couple of hours later.
                if (incident.Severity == Severity.S3 && incident.SuppressedBy is null && now >= incident.DetectedAt + S3TriageDelay && beforeEscalation)
                {
                    await incidents.ExecuteAsync(incident.Id, (m, i) => m.Acknowledge(i, "carol"), ct).ConfigureAwait(false);
                    progress.Note(now, $"incident {incident.Id} {incident.Severity} ({incident.Category}): taken from the S3 queue by carol");
                }

                continue;
            }

            if (_announced.Add(incident.Id))
            {
                var first = incident.Pages[0];
                progress.Note(first.At, $"incident {incident.Id} {incident.Severity} ({incident.Category}): paged {first.User} ({first.Role}) via {string.Join(", ", first.Channels)}");
            }

            if (!_planned.TryGetValue(incident.Id, out var plan))
            {
                var firstPage = incident.Pages[0].At;
                plan = primaryAsleep(incident.DetectedAt) ? (firstPage.AddMinutes(8), null) : (firstPage.AddMinutes(3), incident.Pages[0].User);
                _planned[incident.Id] = plan;
            }

            if (now < plan.At || (beforeEscalation && plan.At > incident.Pages[0].At.AddMinutes(EscalationMinutes)))
            {
                continue;
            }

            // Whoever was paged last answers: the primary, or after escalation the secondary.
            var by = plan.By ?? incident.Pages[^1].User;
            await incidents.ExecuteAsync(incident.Id, (m, i) => m.Acknowledge(i, by), ct).ConfigureAwait(false);
            // The last page went to someone else than the one before it: nobody answered that one in time (a reopened
            // incident pages its primary again first, so the wait is from that page, not from the first one days ago).
            if (incident.Pages.Count > 1 && incident.Pages[^1] is var escalated && incident.Pages[^2] is var before && escalated.Role != before.Role)
            {
                progress.Note(escalated.At, $"incident {incident.Id}: escalated to {escalated.User} ({escalated.Role}) after {(escalated.At - before.At).TotalMinutes:0} min");
            }

            progress.Note(now, $"incident {incident.Id}: acknowledged by {by}");
        }
    }
}
