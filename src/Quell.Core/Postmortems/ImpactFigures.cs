using Quell.Calls;
using Quell.Formatting;
using Quell.Incidents;
using Quell.Storage;

namespace Quell.Postmortems;

/// <summary>Counts an incident's impact exactly, over every call its scope covers in its window.</summary>
public static class ImpactFigures
{
    /// <summary>The window impact is counted over: onset (or detection) to resolution (or now).</summary>
    /// <remarks>A reopened incident's window is its current episode's, from the recurrence's onset: the days between episodes are no part of it.</remarks>
    public static (DateTimeOffset From, DateTimeOffset To) Window(Incident incident, DateTimeOffset now)
    {
        var (onset, detected) = incident.ReopenedAt is { } reopened ? (incident.ReopenOnsetAt, reopened) : (incident.OnsetAt, incident.DetectedAt);
        var from = onset is { } o && o < detected ? o : detected;
        var to = incident.ResolvedAt ?? now;
        return (from, to < from ? from : to);
    }

    /// <summary>How far before the window the feature's healthy trace lengths are read, for agent-loop incidents.</summary>
    public static readonly TimeSpan LoopBaseline = TimeSpan.FromHours(24);

    /// <summary>Counts the calls of the incident's scope and window in the database (COUNT, SUM, COUNT DISTINCT); no row cap, no rows loaded.</summary>
    public static async Task<PostmortemImpact> CountAsync(ICallLog log, Incident incident, DateTimeOffset now, CancellationToken ct = default)
    {
        var scope = IncidentScope.From(incident);
        var (from, to) = Window(incident, now);
        if (scope.Loop && await CountLoopsAsync(log, incident, scope, from, to, ct).ConfigureAwait(false) is { } loops)
        {
            return loops;
        }

        // The query's end is exclusive; a call stamped exactly at resolution still belongs to the incident.
        var q = scope.ToQuery(from, to.AddTicks(1));
        var totals = (await log.TotalsAsync(q, cancellationToken: ct).ConfigureAwait(false)).Single();
        var data = scope.FindingKinds.Count > 0;
        var findings = data && totals.Calls > 0
            ? await log.FindingTotalsAsync(q, scope.FindingKinds, ct).ConfigureAwait(false)
            : new FindingTotals(new Dictionary<string, long>(), []);
        var recipients = data && totals.Calls > 0 ? await log.DistinctAsync(q, "tenant", int.MaxValue, ct).ConfigureAwait(false) : [];
        var p95 = totals.LatencyCalls > 0 ? await log.LatencyQuantileAsync(q, 0.95, ct).ConfigureAwait(false) : null;
        return new PostmortemImpact
        {
            From = from,
            To = to,
            Scope = scope.ToString(),
            Calls = totals.Calls,
            ErrorCalls = totals.Errors,
            FlaggedCalls = totals.FlaggedCalls,
            Users = totals.Users,
            Tenants = totals.Tenants,
            LeakedFromTenants = findings.OwnerTenants.Order(StringComparer.Ordinal).ToList(),
            RecipientTenants = recipients.Order(StringComparer.Ordinal).ToList(),
            Entities = findings.ByEntity.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value),
            CostUsd = totals.CostUsd,
            InputTokens = totals.InputTokens,
            OutputTokens = totals.OutputTokens,
            P95LatencyMs = p95,
            FirstAffectedAt = totals.FirstAt,
            LastAffectedAt = totals.LastAt,
            Note = EmptyNote(incident, totals.Calls),
        };
    }

    /// <summary>
    /// An agent-loop incident's impact: every trace of the feature in the window that made more calls than the
    /// feature's longest healthy run (the 99th percentile of trace lengths in the day before), summed over all their
    /// calls. Null when there is no healthy history to compare with; the alert's own trace is counted then.
    /// </summary>
    private static async Task<PostmortemImpact?> CountLoopsAsync(ICallLog log, Incident incident, IncidentScope scope, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var flow = scope.WithoutTrace;
        var history = await log.TotalsAsync(flow.ToQuery(from - LoopBaseline, from), ["trace_id"], cancellationToken: ct).ConfigureAwait(false);
        if (LongestHealthyRun(history.Where(t => t.Key[0] is not null).Select(t => t.Calls)) is not { } usual)
        {
            return null;
        }

        var window = await log.TotalsAsync(flow.ToQuery(from, to.AddTicks(1)), ["trace_id", "user", "tenant"], cancellationToken: ct).ConfigureAwait(false);
        var looping = window.Where(t => t.Key[0] is not null).GroupBy(t => t.Key[0]!, StringComparer.Ordinal)
            .Where(g => g.Sum(t => t.Calls) > usual).SelectMany(g => g).ToList();
        return new PostmortemImpact
        {
            From = from,
            To = to,
            Scope = $"{flow}, traces longer than {ReadableText.Count(usual, "call")} (the longest healthy run)",
            Calls = looping.Sum(t => t.Calls),
            Traces = looping.Select(t => t.Key[0]).Distinct(StringComparer.Ordinal).Count(),
            ErrorCalls = looping.Sum(t => t.Errors),
            FlaggedCalls = looping.Sum(t => t.FlaggedCalls),
            Users = looping.Select(t => t.Key[1]).OfType<string>().Distinct(StringComparer.Ordinal).Count(),
            Tenants = looping.Select(t => t.Key[2]).OfType<string>().Distinct(StringComparer.Ordinal).Count(),
            CostUsd = looping.Sum(t => t.CostUsd),
            InputTokens = looping.Sum(t => t.InputTokens),
            OutputTokens = looping.Sum(t => t.OutputTokens),
            FirstAffectedAt = looping.Select(t => t.FirstAt).Min(),
            LastAffectedAt = looping.Select(t => t.LastAt).Max(),
            Note = EmptyNote(incident, looping.Sum(t => t.Calls)),
        };
    }

    /// <summary>The 99th percentile of healthy trace lengths, or null without history.</summary>
    public static long? LongestHealthyRun(IEnumerable<long> traceLengths)
    {
        var lengths = traceLengths.Order().ToList();
        return lengths.Count == 0 ? null : lengths[Math.Clamp((int)Math.Ceiling(0.99 * lengths.Count) - 1, 0, lengths.Count - 1)];
    }

    /// <summary>The same count over calls already in memory (tests, backtests).</summary>
    public static PostmortemImpact From(Incident incident, IEnumerable<CallRecord> calls, DateTimeOffset now)
    {
        var scope = IncidentScope.From(incident);
        var (from, to) = Window(incident, now);
        var q = scope.ToQuery(from, to);
        var list = calls as IReadOnlyCollection<CallRecord> ?? calls.ToList();
        if (scope.Loop)
        {
            var flow = scope.WithoutTrace.ToQuery(from, to);
            var usual = LongestHealthyRun(list.Where(c => c.Timestamp >= from - LoopBaseline && c.Timestamp < from && c.TraceId is not null && Matches(flow, c)).GroupBy(c => c.TraceId!, StringComparer.Ordinal).Select(g => (long)g.Count()));
            if (usual is { } n)
            {
                var inWindow = list.Where(c => c.Timestamp >= from && c.Timestamp <= to && c.TraceId is not null && Matches(flow, c)).ToList();
                var looping = inWindow.GroupBy(c => c.TraceId!, StringComparer.Ordinal).Where(g => g.Count() > n).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
                var loops = new ImpactTally(scope.WithoutTrace);
                foreach (var c in inWindow.Where(c => looping.Contains(c.TraceId!)))
                {
                    loops.Add(c);
                }

                return loops.Result(incident, from, to) with { Scope = $"{scope.WithoutTrace}, traces longer than {ReadableText.Count(n, "call")} (the longest healthy run)", P95LatencyMs = null, Traces = looping.Count };
            }
        }

        var tally = new ImpactTally(scope);
        foreach (var c in list.Where(c => c.Timestamp >= from && c.Timestamp <= to && Matches(q, c)))
        {
            tally.Add(c);
        }

        return tally.Result(incident, from, to);
    }

    private static string EmptyNote(Incident incident, long calls)
    {
        var blast = incident.Blast;
        return calls == 0 && blast.Calls > 0
            ? $"the calls log holds no call of this scope in the window (purged or never stored); at detection the detector counted {ReadableText.Count(blast.Calls, "call")}, {ReadableText.Count(blast.Users, "user")} and {ReadableText.Count(blast.Tenants.Count, "tenant")}"
            : string.Empty;
    }

    private static bool Matches(CallQuery q, CallRecord c) =>
        Eq(q.Feature, c.Feature) && Eq(q.Provider, c.Provider) && Eq(q.Model, c.Model) && Eq(q.ModelVersion, c.ModelVersion)
        && Eq(q.PromptVersion, c.PromptVersion) && Eq(q.Region, c.Region) && Eq(q.Tenant, c.Tenant) && Eq(q.TraceId, c.TraceId);

    private static bool Eq(string? wanted, string? actual) => wanted is null || string.Equals(wanted, actual, StringComparison.Ordinal);

    /// <summary>Running totals over affected calls.</summary>
    private sealed class ImpactTally(IncidentScope scope)
    {
        private readonly HashSet<string> _users = new(StringComparer.Ordinal);
        private readonly HashSet<string> _tenants = new(StringComparer.Ordinal);
        private readonly HashSet<string> _owners = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long> _entities = new(StringComparer.Ordinal);
        private readonly List<double> _latencies = [];
        private long _calls;
        private long _errors;
        private long _flagged;
        private long _input;
        private long _output;
        private double _cost;
        private DateTimeOffset? _first;
        private DateTimeOffset? _last;

        public void Add(CallRecord c)
        {
            if (!scope.Affects(c))
            {
                return;
            }

            _calls++;
            _errors += c.IsError ? 1 : 0;
            _input += c.InputTokens;
            _output += c.OutputTokens;
            _cost += c.CostUsd ?? 0;
            _first = _first is { } f && f <= c.Timestamp ? f : c.Timestamp;
            _last = _last is { } l && l >= c.Timestamp ? l : c.Timestamp;
            if (c.User is { } u)
            {
                _users.Add(u);
            }

            if (c.Tenant is { } t)
            {
                _tenants.Add(t);
            }

            if (c.LatencyMs is { } ms)
            {
                _latencies.Add(ms);
            }

            var matching = c.Findings.Where(x => scope.FindingKinds.Count > 0 && scope.FindingKinds.Contains(x.Kind, StringComparer.Ordinal)).ToList();
            if (c.Findings.Count > 0)
            {
                _flagged++;
            }

            foreach (var x in matching)
            {
                _entities[x.Entity] = _entities.GetValueOrDefault(x.Entity) + 1;
                if (x.Owner is { Length: > 0 } owner && owner != c.Tenant)
                {
                    _owners.Add(owner);
                }
            }
        }

        public PostmortemImpact Result(Incident incident, DateTimeOffset from, DateTimeOffset to)
        {
            return new PostmortemImpact
            {
                From = from,
                To = to,
                Scope = scope.ToString(),
                Calls = _calls,
                ErrorCalls = _errors,
                FlaggedCalls = _flagged,
                Users = _users.Count,
                Tenants = _tenants.Count,
                LeakedFromTenants = _owners.Order(StringComparer.Ordinal).ToList(),
                RecipientTenants = scope.FindingKinds.Count > 0 ? _tenants.Order(StringComparer.Ordinal).ToList() : [],
                Entities = _entities.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value),
                CostUsd = _cost,
                InputTokens = _input,
                OutputTokens = _output,
                P95LatencyMs = _latencies.Count == 0 ? null : Percentile(_latencies, 0.95),
                FirstAffectedAt = _first,
                LastAffectedAt = _last,
                Note = EmptyNote(incident, _calls),
            };
        }

        private static double Percentile(List<double> values, double q)
        {
            values.Sort();
            var rank = (int)Math.Ceiling(q * values.Count) - 1;
            return values[Math.Clamp(rank, 0, values.Count - 1)];
        }
    }
}
