using System.Globalization;
using Quell.Formatting;
using Quell.Investigation;
using Quell.Mitigations;
using Quell.Scanning;

namespace Quell.Runbooks;

/// <summary>The automated checks runbook steps can name; each queries Quell through <see cref="IInvestigationSource"/>.</summary>
public static class RunbookChecks
{
    private static readonly Dictionary<string, Func<IInvestigationSource, InvestigationSubject, RunbookStep, CancellationToken, Task<RunbookFinding>>> Checks = new(StringComparer.Ordinal)
    {
        ["eval_check"] = EvalCheckAsync,
        ["model_version_check"] = ModelVersionCheckAsync,
        ["prompt_version_check"] = PromptVersionCheckAsync,
        ["prompt_diff"] = PromptDiffAsync,
        ["retrieval_diff"] = RetrievalDiffAsync,
        ["change_correlation"] = ChangeCorrelationAsync,
        ["top_cost_flows"] = TopCostFlowsAsync,
        ["loop_check"] = LoopCheckAsync,
        ["prompt_length"] = PromptLengthAsync,
        ["vendor_status"] = VendorStatusAsync,
        ["infra_health"] = InfraHealthAsync,
        ["prompt_retrieval_check"] = PromptRetrievalCheckAsync,
        ["isolate_flow"] = IsolateFlowAsync,
        ["count_affected_users"] = CountAffectedAsync,
        ["export_affected"] = ExportAffectedAsync,
        ["tenant_isolation_audit"] = TenantIsolationAuditAsync,
        ["injection_inputs"] = InjectionInputsAsync,
    };

    public static IReadOnlyCollection<string> Names => Checks.Keys;

    public static Task<RunbookFinding> RunAsync(string name, IInvestigationSource source, InvestigationSubject subject, RunbookStep step, CancellationToken ct) =>
        Checks.TryGetValue(name, out var check)
            ? check(source, subject, step, ct)
            : Task.FromResult(Finding(step, FindingStatus.Error, $"unknown check '{name}'"));

    private static RunbookFinding Finding(RunbookStep step, FindingStatus status, string summary, object? data = null) =>
        new() { StepId = step.Id, Title = step.Title, Kind = RunbookStepKind.Check, Status = status, Summary = summary, Data = data };

    private static string Pct(double x) => ChangeCorrelator.Percent(x);

    private static async Task<RunbookFinding> EvalCheckAsync(IInvestigationSource s, InvestigationSubject subject, RunbookStep step, CancellationToken ct)
    {
        var evals = await s.EvalsAsync(subject, ct).ConfigureAwait(false);
        if (evals.AfterCases == 0)
        {
            return Finding(step, FindingStatus.Info, "no eval results since the onset", evals);
        }

        // A value nearly every case carried before and after the onset (the one prompt version in use) explains nothing.
        var beforeTotals = evals.Slices.GroupBy(x => x.Dimension, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(x => x.BeforeCount), StringComparer.Ordinal);
        bool Everywhere((string Dimension, string Value) key, double trafficShare) =>
            trafficShare >= 0.95 && beforeTotals.GetValueOrDefault(key.Dimension) is > 0 and var total
            && evals.Slices.Where(x => x.Dimension == key.Dimension && x.Value == key.Value).Sum(x => x.BeforeCount) >= 0.95 * total;
        var worst = ChangeCorrelator.Shares(evals.Slices, AnomalyMetric.EvalFailures, new CorrelationOptions())
            .Where(p => p.Value.Share > 0 && !Everywhere(p.Key, p.Value.TrafficShare)).OrderByDescending(p => p.Value.AfterShare).ThenByDescending(p => p.Value.Share).FirstOrDefault();
        var dropped = evals.BeforeCases > 0 && evals.AfterPassRate < evals.BeforePassRate - 0.05;
        var where = worst.Key.Dimension is null ? "" : $"; {Pct(worst.Value.AfterShare)} of failing evals since the onset are on {worst.Key.Dimension} {worst.Key.Value}";
        return Finding(step, dropped ? FindingStatus.Attention : FindingStatus.Ok, $"eval pass rate {Pct(evals.BeforePassRate)} → {Pct(evals.AfterPassRate)} ({evals.AfterCases} cases){where}", evals);
    }

    private static async Task<RunbookFinding> ModelVersionCheckAsync(IInvestigationSource s, InvestigationSubject subject, RunbookStep step, CancellationToken ct)
    {
        var versions = await s.VersionsAsync(subject, ct).ConfigureAwait(false);
        var changed = new List<string>();
        string? previousModel = null;
        foreach (var dim in (string[])["model", "model_version"])
        {
            var slices = versions.Where(v => v.Dimension == dim && v.Value != "(none)").ToList();
            var beforeTotal = slices.Sum(v => v.BeforeCount);
            var afterTotal = slices.Sum(v => v.AfterCount);
            var fresh = slices.Where(v => v.AfterCount > 0.2 * afterTotal && v.BeforeCount < 0.05 * Math.Max(1, beforeTotal)).ToList();
            if (fresh.Count > 0)
            {
                var old = slices.Where(v => v.BeforeCount > 0).OrderByDescending(v => v.BeforeCount).FirstOrDefault();
                changed.Add($"{dim} {string.Join(", ", fresh.Select(f => f.Value))} is new since the onset (was {old?.Value ?? "unknown"})");
                // Only a value an app can send as its model id is worth pinning; a bare version date is not one.
                if (old?.Value is { } previous && ProposalCheck.IsCallableModel(previous, versions))
                {
                    previousModel ??= previous;
                }
            }
        }

        if (changed.Count == 0)
        {
            // Nothing changed on record, yet quality moves: the provider may be changing what the model alias serves.
            // The last healthy version is the dated snapshot the calls reported before the onset; pinning it holds.
            var snapshot = versions.Where(v => v.Dimension == "model_version" && v.BeforeCount > 0 && ProposalCheck.IsCallableModel(v.Value, versions)
                    && !versions.Any(m => m.Dimension == "model" && m.Value == v.Value))
                .OrderByDescending(v => v.BeforeCount).FirstOrDefault()?.Value;
            return snapshot is null
                ? Finding(step, FindingStatus.Ok, "the model and model version did not change at the onset", versions)
                : Finding(step, FindingStatus.Ok, $"the model and model version did not change at the onset; the calls were served snapshot {snapshot} before it, which a rollback can pin", versions)
                    with { Suggestion = new MitigationParameters { Model = snapshot } };
        }

        return Finding(step, FindingStatus.Attention, string.Join("; ", changed), versions) with { Suggestion = previousModel is null ? null : new MitigationParameters { Model = previousModel } };
    }

    private static async Task<RunbookFinding> PromptVersionCheckAsync(IInvestigationSource s, InvestigationSubject subject, RunbookStep step, CancellationToken ct)
    {
        var slices = (await s.VersionsAsync(subject, ct).ConfigureAwait(false)).Where(v => v.Dimension == "prompt_version" && v.Value != "(none)").ToList();
        var beforeTotal = slices.Sum(v => v.BeforeCount);
        var afterTotal = slices.Sum(v => v.AfterCount);
        var fresh = slices.Where(v => v.AfterCount > 0.2 * afterTotal && v.BeforeCount < 0.05 * Math.Max(1, beforeTotal)).ToList();
        var old = slices.Where(v => v.BeforeCount > 0).OrderByDescending(v => v.BeforeCount).FirstOrDefault();
        if (fresh.Count == 0 || old is null)
        {
            return Finding(step, FindingStatus.Ok, old is null ? "no prompt version on record before the onset" : $"prompt version did not change at the onset ({old.Value})", slices);
        }

        var share = fresh.Sum(f => f.AfterCount) / Math.Max(1, afterTotal);
        return Finding(step, FindingStatus.Attention, $"prompt version {string.Join(", ", fresh.Select(f => f.Value))} is new since the onset and serves {Pct(share)} of the calls (was {old.Value})", slices)
            with { Suggestion = new MitigationParameters { PromptVersion = old.Value } };
    }

    private static async Task<RunbookFinding> PromptDiffAsync(IInvestigationSource s, InvestigationSubject subject, RunbookStep step, CancellationToken ct)
    {
        var diff = await s.PromptDiffAsync(subject.Feature, subject.Onset, ct).ConfigureAwait(false);
        if (diff.Before is null || diff.After is null)
        {
            return Finding(step, FindingStatus.Info, "no stored system prompts on both sides of the onset", diff);
        }

        if (diff.Added == 0 && diff.Removed == 0)
        {
            return Finding(step, FindingStatus.Ok, $"system prompt unchanged ({diff.AfterVersion ?? "no version"})", diff);
        }

        return Finding(step, FindingStatus.Attention, $"system prompt changed {diff.BeforeVersion ?? "?"} → {diff.AfterVersion ?? "?"}: +{diff.Added} −{diff.Removed} lines", diff)
            with { Suggestion = diff.BeforeVersion is { } v && v != diff.AfterVersion ? new MitigationParameters { PromptVersion = v } : null };
    }

    private static async Task<RunbookFinding> RetrievalDiffAsync(IInvestigationSource s, InvestigationSubject subject, RunbookStep step, CancellationToken ct)
    {
        var diff = await s.RetrievalDiffAsync(subject.Feature, subject.Onset, ct).ConfigureAwait(false);
        var moved = diff.AppearedSources.Count + diff.VanishedSources.Count;
        var summary = $"sources appeared: {Names(diff.AppearedSources)}; vanished: {Names(diff.VanishedSources)}; documents per call {diff.BeforeDocsPerCall:0.0} → {diff.AfterDocsPerCall:0.0}";
        var shrank = diff.BeforeDocsPerCall > 0 && diff.AfterDocsPerCall < 0.7 * diff.BeforeDocsPerCall;
        return Finding(step, moved > 0 || shrank ? FindingStatus.Attention : FindingStatus.Ok, summary, diff);

        static string Names(IReadOnlyList<NamedCount> x) => x.Count == 0 ? "none" : string.Join(", ", x.Take(5).Select(p => $"{p.Name} ({p.Count})"));
    }

    private static async Task<RunbookFinding> ChangeCorrelationAsync(IInvestigationSource s, InvestigationSubject subject, RunbookStep step, CancellationToken ct)
    {
        var ranked = await s.CorrelateAsync(subject, ct).ConfigureAwait(false);
        var top = ranked.Take(5).ToList();
        if (top.Count == 0 || !ChangeCorrelator.Explains(top[0]))
        {
            var nearest = top.FirstOrDefault(c => c.Kind == "change");
            var why = nearest is null
                ? "no change is recorded in the window and no version, provider, region or model carries the excess more than its share of traffic"
                : $"the nearest recorded change, {nearest.Change?.Id} ({nearest.Change?.Kind}), scores {nearest.Score.ToString("0.00", CultureInfo.InvariantCulture)}, too weak to blame: it is out of scope or too far from the onset";
            return Finding(step, FindingStatus.Info, $"nothing on record explains the shift: {why}", top);
        }

        return Finding(step, FindingStatus.Attention, $"most likely cause: {top[0].Sentence} (score {top[0].Score.ToString("0.00", CultureInfo.InvariantCulture)})", top);
    }

    private static async Task<RunbookFinding> TopCostFlowsAsync(IInvestigationSource s, InvestigationSubject subject, RunbookStep step, CancellationToken ct)
    {
        var (from, onset, to) = s.Windows(subject.Onset);
        var after = await s.TopCostFlowsAsync(null, onset, to, 1000, ct).ConfigureAwait(false);
        var before = await s.TopCostFlowsAsync(null, from, onset, 1000, ct).ConfigureAwait(false);
        if (after.Count == 0)
        {
            return Finding(step, FindingStatus.Info, "no calls since the onset", after);
        }

        var ranked = CostExcess.Rank(before, after, AnomalyMetrics.For(subject.Category, subject.Signal), (to - onset).TotalSeconds / Math.Max(1, (onset - from).TotalSeconds));
        var total = ranked.Sum(r => Math.Max(0, r.ExcessUsd));
        var afterCost = after.Sum(a => a.CostUsd);
        if (ranked.Count == 0 || total <= 0.05 * afterCost)
        {
            return Finding(step, FindingStatus.Ok, $"no flow's cost rose since the onset: {Money(afterCost)} over {after.Sum(a => a.Calls):#,0} calls, in line with before", ranked.Take(10).ToList());
        }

        var top = ranked[0];
        var share = top.ExcessUsd / total;
        var spread = share < 0.3 ? $"; spread across {ranked.Count(r => r.ExcessUsd > 0)} flows, none carries more than {Pct(share)}" : string.Empty;
        var perCall = top.BeforePerCallUsd is { } b ? $"{Money(b)} → {Money(top.AfterPerCallUsd)}/call" : $"{Money(top.AfterPerCallUsd)}/call, a flow new since the onset";
        return Finding(step, FindingStatus.Attention,
            $"added cost since the onset {Money(total)} ({Pct(total / Math.Max(afterCost, 1e-12))} of spend); {top.Feature} × {top.Tenant} × {top.Model} carries {Pct(share)} of it: {Money(top.AfterUsd)} over {top.AfterCalls:#,0} calls ({perCall}){spread}",
            ranked.Take(10).ToList());
    }

    private static string Money(double usd) => Formatting.ReadableText.Money(usd);

    private static async Task<RunbookFinding> LoopCheckAsync(IInvestigationSource s, InvestigationSubject subject, RunbookStep step, CancellationToken ct)
    {
        var (from, onset, to) = s.Windows(subject.Onset);
        var after = await s.LongestTracesAsync(subject.Feature, onset, to, 200, ct).ConfigureAwait(false);
        var before = await s.LongestTracesAsync(subject.Feature, from, onset, 10, ct).ConfigureAwait(false);
        if (after.Count == 0)
        {
            return Finding(step, FindingStatus.Info, "no traces since the onset", after);
        }

        var usual = Math.Max(3, before.Count == 0 ? 3 : before.Max(t => t.Calls));
        var loops = after.Where(t => t.Calls > 2 * usual).ToList();
        return loops.Count == 0
            ? Finding(step, FindingStatus.Ok, $"longest trace since the onset: {after[0].Calls} calls (longest before: {usual})", after)
            : Finding(step, FindingStatus.Attention, $"{Formatting.ReadableText.Count(loops.Count, "trace")} loop: {loops[0].TraceId} made {loops[0].Calls} calls ({Money(loops[0].CostUsd)}); longest before: {usual}", after.Take(10).ToList())
                with { Suggestion = new MitigationParameters { MaxCallsPerTrace = usual, StopTraces = loops.Select(l => l.TraceId).ToList() } };
    }

    private static async Task<RunbookFinding> PromptLengthAsync(IInvestigationSource s, InvestigationSubject subject, RunbookStep step, CancellationToken ct)
    {
        var (from, onset, to) = s.Windows(subject.Onset);
        var trend = await s.PromptLengthTrendAsync(subject.Feature, from, to, ct).ConfigureAwait(false);
        var cut = onset.ToUniversalTime().ToString("yyyy-MM-ddTHH:00:00Z", CultureInfo.InvariantCulture);
        var before = Mean(trend.Where(p => string.CompareOrdinal(p.Bucket, cut) < 0));
        var later = trend.Where(p => string.CompareOrdinal(p.Bucket, cut) > 0).ToList();
        var after = Mean(later.Count > 0 ? later : trend.Count > 0 ? [trend[^1]] : []);
        var grew = before > 0 && after > 1.25 * before;
        return Finding(step, grew ? FindingStatus.Attention : FindingStatus.Ok, $"input tokens per call {before:0} → {after:0}", trend);

        static double Mean(IEnumerable<TrendPoint> points)
        {
            var list = points.ToList();
            var calls = list.Sum(p => p.Calls);
            return calls == 0 ? 0 : list.Sum(p => p.Value * p.Calls) / calls;
        }
    }

    private static async Task<RunbookFinding> VendorStatusAsync(IInvestigationSource s, InvestigationSubject subject, RunbookStep step, CancellationToken ct)
    {
        var statuses = await s.VendorStatusAsync(ct).ConfigureAwait(false);
        if (statuses.Count == 0)
        {
            return Finding(step, FindingStatus.Info, "no vendor status pages configured (playbook.vendor_status)", statuses);
        }

        var degraded = statuses.Where(v => v.Degraded).ToList();
        return degraded.Count == 0
            ? Finding(step, FindingStatus.Ok, string.Join("; ", statuses.Select(v => $"{v.Vendor}: {v.Description}")), statuses)
            : Finding(step, FindingStatus.Attention, string.Join("; ", degraded.Select(v => $"{v.Vendor} reports {v.Indicator}: {v.Description}")), statuses);
    }

    private static async Task<RunbookFinding> InfraHealthAsync(IInvestigationSource s, InvestigationSubject subject, RunbookStep step, CancellationToken ct)
    {
        var (from, onset, to) = s.Windows(subject.Onset);
        var notes = new List<string>();
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var degraded = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var dim in (string[])["provider", "region", "model"])
        {
            var before = await s.BreakdownAsync(dim, subject.Feature, from, onset, ct).ConfigureAwait(false);
            var after = await s.BreakdownAsync(dim, subject.Feature, onset, to, ct).ConfigureAwait(false);
            data[dim] = new { before, after };
            degraded[dim] = [];
            foreach (var a in after.Where(a => a.Value is not null))
            {
                var b = before.FirstOrDefault(x => x.Value == a.Value);
                var slow = b is not null && b.MeanLatencyMs > 0 && a.MeanLatencyMs > 1.5 * b.MeanLatencyMs;
                var failing = a.ErrorRate > 0.05 && a.ErrorRate > 2 * (b?.ErrorRate ?? 0);
                if (slow)
                {
                    notes.Add($"{dim} {a.Value}: mean latency {b!.MeanLatencyMs:0} → {a.MeanLatencyMs:0} ms");
                }

                if (failing)
                {
                    notes.Add($"{dim} {a.Value}: error rate {Pct(b?.ErrorRate ?? 0)} → {Pct(a.ErrorRate)}");
                }

                if (slow || failing)
                {
                    degraded[dim].Add(a.Value!);
                }
            }
        }

        if (notes.Count == 0)
        {
            return Finding(step, FindingStatus.Ok, "no provider or region stands out", data);
        }

        var finding = Finding(step, FindingStatus.Attention, string.Join("; ", notes), data);

        // A region or provider slowed but no model's mean moved enough (a third of the traffic, a few calls since the
        // onset): the model whose own series raised the alert is the one whose calls suffer.
        if (degraded["model"].Count == 0 && (degraded["region"].Count > 0 || degraded["provider"].Count > 0) && subject.Model is { } alerted)
        {
            degraded["model"].Add(alerted);
        }

        if (degraded["model"].Count == 0 || await HealthyRouteAsync(s, degraded["model"], degraded["provider"], onset, ct).ConfigureAwait(false) is not { } route)
        {
            return finding;
        }

        // Only the degraded model's calls move; the feature's other calls (embeddings, healthy models) stay where they are.
        return finding with
        {
            Summary = $"{finding.Summary}; healthy route: {route.Model} ({route.Provider}, mean {route.MeanLatencyMs:0} ms, error rate {Pct(route.ErrorRate)} in the week before the onset)",
            Suggestion = new MitigationParameters { FallbackModel = route.Model },
            SuggestedScope = new MitigationScope { Feature = subject.Feature, Model = degraded["model"].Count == 1 ? degraded["model"][0] : null },
        };
    }

    /// <summary>A route a fallback can take: a chat model on a provider that did not degrade.</summary>
    private sealed record Route(string Model, string Provider, double MeanLatencyMs, double ErrorRate);

    /// <summary>The fastest chat model, on a provider that did not degrade, that answered well in the week before the onset.</summary>
    private static async Task<Route?> HealthyRouteAsync(IInvestigationSource s, IReadOnlyCollection<string> models, IReadOnlyCollection<string> providers, DateTimeOffset onset, CancellationToken ct)
    {
        var week = new Storage.CallQuery { From = onset - ProposalCheck.RouteLookback, To = onset, Operation = "chat" };
        var routes = await s.TotalsAsync(week, ["model", "provider"], 100, ct).ConfigureAwait(false);
        return routes
            .Where(r => r.Key.Count == 2 && r.Key[0] is { } m && r.Key[1] is { } p && !models.Contains(m) && !providers.Contains(p) && r.Calls >= 100 && r.LatencyCalls > 0)
            .Select(r => new Route(r.Key[0]!, r.Key[1]!, r.LatencyMsSum / r.LatencyCalls, (double)r.Errors / r.Calls))
            .Where(r => r.ErrorRate < 0.02)
            .OrderBy(r => r.MeanLatencyMs)
            .ThenBy(r => r.Model, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    private static async Task<RunbookFinding> PromptRetrievalCheckAsync(IInvestigationSource s, InvestigationSubject subject, RunbookStep step, CancellationToken ct)
    {
        var length = await PromptLengthAsync(s, subject, step, ct).ConfigureAwait(false);
        var retrieval = await RetrievalDiffAsync(s, subject, step, ct).ConfigureAwait(false);
        var status = length.Status == FindingStatus.Attention || retrieval.Status == FindingStatus.Attention ? FindingStatus.Attention : FindingStatus.Ok;
        return Finding(step, status, $"{length.Summary}; {retrieval.Summary}", new { prompt_length = length.Data, retrieval = retrieval.Data });
    }

    private static async Task<RunbookFinding> IsolateFlowAsync(IInvestigationSource s, InvestigationSubject subject, RunbookStep step, CancellationToken ct)
    {
        var (_, onset, to) = s.Windows(subject.Onset);
        var affected = await s.AffectedAsync(null, DataKinds(subject), onset.AddMinutes(-30), to, ct).ConfigureAwait(false);
        var leaking = new Storage.CallQuery { From = onset.AddMinutes(-30), To = to, FindingKinds = DataKinds(subject).ToList() };
        var flows = (await s.TotalsAsync(leaking, ["feature", "tenant"], 10, ct).ConfigureAwait(false))
            .Select(g => new { feature = g.Key[0], tenant = g.Key[1], calls = g.Calls }).ToList();
        return flows.Count == 0
            ? Finding(step, FindingStatus.Info, "no leaking calls found in the window", flows)
            : Finding(step, FindingStatus.Attention, $"leaking flow: {flows[0].feature} (tenants {string.Join(", ", flows.Select(f => f.tenant).Distinct().Take(5))}); {affected.Calls} calls", flows)
                with { SuggestedScope = new MitigationScope { Feature = flows[0].feature } };
    }

    private static async Task<RunbookFinding> CountAffectedAsync(IInvestigationSource s, InvestigationSubject subject, RunbookStep step, CancellationToken ct)
    {
        var (_, onset, to) = s.Windows(subject.Onset);
        var affected = await s.AffectedAsync(subject.Feature, DataKinds(subject), onset.AddMinutes(-30), to, ct).ConfigureAwait(false);
        return Finding(step, affected.Calls > 0 ? FindingStatus.Attention : FindingStatus.Ok, $"{affected.Users.Count} users and {affected.Tenants.Count} tenants affected over {affected.Calls} calls ({string.Join(", ", affected.ByEntity.Select(p => $"{p.Key} ×{p.Value}"))})", affected);
    }

    private static async Task<RunbookFinding> ExportAffectedAsync(IInvestigationSource s, InvestigationSubject subject, RunbookStep step, CancellationToken ct)
    {
        var (_, onset, to) = s.Windows(subject.Onset);
        var affected = await s.AffectedAsync(subject.Feature, DataKinds(subject), onset.AddMinutes(-30), to, ct).ConfigureAwait(false);
        var export = new { generated_for = subject.IncidentId ?? subject.AlertId, users = affected.Users, tenants = affected.Tenants, call_ids = affected.CallIds, entities = affected.ByEntity };
        return Finding(step, affected.Calls > 0 ? FindingStatus.Todo : FindingStatus.Ok, affected.Calls > 0
            ? $"notify legal/compliance: export of {affected.Users.Count} users and {affected.Tenants.Count} tenants attached"
            : "nothing to notify: no affected users found", export);
    }

    private static async Task<RunbookFinding> TenantIsolationAuditAsync(IInvestigationSource s, InvestigationSubject subject, RunbookStep step, CancellationToken ct)
    {
        var (from, _, to) = s.Windows(subject.Onset);
        var affected = await s.AffectedAsync(subject.Feature, [FindingKinds.CrossTenant, FindingKinds.Canary], from, to, ct).ConfigureAwait(false);
        return affected.Calls == 0
            ? Finding(step, FindingStatus.Ok, "no foreign documents or canaries in answers in the window", affected)
            : Finding(step, FindingStatus.Attention, $"{affected.Calls} answers carried another tenant's data; tenants involved: {string.Join(", ", affected.Tenants.Take(10))}", affected);
    }

    private static async Task<RunbookFinding> InjectionInputsAsync(IInvestigationSource s, InvestigationSubject subject, RunbookStep step, CancellationToken ct)
    {
        var (_, onset, to) = s.Windows(subject.Onset);
        var affected = await s.AffectedAsync(subject.Feature, [FindingKinds.Injection], onset.AddMinutes(-30), to, ct).ConfigureAwait(false);
        if (affected.Calls == 0)
        {
            return Finding(step, FindingStatus.Info, "no injection inputs found in the window", affected);
        }

        var finding = Finding(step, FindingStatus.Attention, $"{Formatting.ReadableText.Count(affected.Calls, "injection input")} from {Formatting.ReadableText.Count(affected.Users.Count, "user")} ({Formatting.ReadableText.List(affected.Users)}) in {Formatting.ReadableText.Count(affected.Tenants.Count, "tenant")}", affected);

        // Block exactly the senders: every other user of the tenant keeps being served, whatever they ask about.
        return affected.Users.Count is > 0 and <= 1000
            ? finding with { SuggestedScope = new MitigationScope { Feature = subject.Feature, Tenant = affected.Tenants.Count == 1 ? affected.Tenants[0] : null, Users = affected.Users } }
            : finding;
    }

    private static IReadOnlyCollection<string> DataKinds(InvestigationSubject subject) => subject.Signal switch
    {
        "cross_tenant_leak" or "canary_leak" or "tenant_isolation_probe" => [FindingKinds.CrossTenant, FindingKinds.Canary],
        "secret_leak" => [FindingKinds.Secret],
        "system_prompt_leak" => [FindingKinds.SystemPromptLeak],
        _ => [FindingKinds.Pii],
    };
}
