using System.Globalization;
using Quell.Investigation;
using Quell.Mitigations;
using Quell.Storage;

namespace Quell.Runbooks;

/// <summary>
/// What approving a proposal is expected to do, in figures from the record: how many of the flow's calls since the
/// onset the scope covers (and whose), and what happens to those calls. Counted by the store, exactly.
/// </summary>
public static class ExpectedEffect
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<string?> EstimateAsync(MitigationRequest request, IInvestigationSource source, InvestigationSubject subject, CancellationToken ct)
    {
        var scope = request.Scope ?? MitigationScope.Everywhere;
        var flow = new CallQuery { Feature = scope.Feature ?? subject.Feature, From = subject.Onset };
        var covered = flow with { Tenant = scope.Tenant, User = scope.User, Users = scope.Users, Provider = scope.Provider, Model = scope.Model };
        var allRows = await source.TotalsAsync(flow, cancellationToken: ct).ConfigureAwait(false);
        var hitRows = await source.TotalsAsync(covered, cancellationToken: ct).ConfigureAwait(false);
        if (allRows.Count == 0 || hitRows.Count == 0 || allRows[0].Calls == 0)
        {
            return null;
        }

        var (all, hit) = (allRows[0], hitRows[0]);

        var name = flow.Feature ?? "all features";
        var share = (double)hit.Calls / all.Calls;
        var who = $"{Plural(hit.Users, "user")} in {Plural(hit.Tenants, "tenant")}";
        return $"covers {hit.Calls.ToString("N0", Inv)} of {all.Calls.ToString("N0", Inv)} {name} calls since the onset ({share.ToString("P0", Inv)}; {who}); {Consequence(request, hit)}";
    }

    private static string Consequence(MitigationRequest request, CallTotals hit)
    {
        var p = request.Parameters ?? new MitigationParameters();
        return request.Kind switch
        {
            MitigationKind.Block when p.Pattern is { Length: > 0 } => "those whose input matches the pattern are refused with 403, the rest go through",
            MitigationKind.Block => "they are refused with 403",
            MitigationKind.Disable => "they are refused with 503 (kill switch) until it is revoked",
            MitigationKind.RateLimit => $"each {p.Per ?? "caller"} is held to {p.RatePerSecond?.ToString("0.##", Inv) ?? "?"} calls/s (burst {p.Burst?.ToString(Inv) ?? "?"}); calls beyond that get 429",
            MitigationKind.Fallback when p.CannedAnswer is not null => "they get the canned answer instead of a model call",
            MitigationKind.Fallback => $"they go to {p.FallbackModel}{(p.FallbackProvider is { } fp ? " on " + fp : string.Empty)} instead",
            MitigationKind.Rollback => $"they are served {(p.PromptVersion is { } pv ? "prompt version " + pv : p.Model is { } m ? "model " + m : "the previous version")} again",
            MitigationKind.BudgetCap => $"they are refused once ${p.DailyUsd?.ToString("0.##", Inv) ?? "?"} is spent in a UTC day (they cost ${hit.CostUsd.ToString("0.####", Inv)} since the onset)",
            MitigationKind.LoopCap => $"a trace is stopped after {p.MaxCallsPerTrace?.ToString(Inv) ?? "?"} calls{(p.StopTraces is { Count: > 0 } t ? $", and {Plural(t.Count, "trace")} already running {(t.Count == 1 ? "is" : "are")} stopped now" : string.Empty)}",
            _ => "they are changed as described",
        };
    }

    private static string Plural(long n, string noun) => $"{n.ToString("N0", Inv)} {noun}{(n == 1 ? string.Empty : "s")}";
}
