using Quell.Investigation;
using Quell.Mitigations;

namespace Quell.Runbooks;

/// <summary>
/// Checks a proposed mitigation against what the record knows before it is offered: the model and prompt version
/// to pin must be ones the feature's calls have used, so an application that obeys never calls a model that does
/// not exist. Also tells whether an open mitigation already is this proposal.
/// </summary>
public static class ProposalCheck
{
    public static async Task<IReadOnlyList<MitigationError>> AgainstRecordAsync(MitigationRequest request, IInvestigationSource source, InvestigationSubject subject, CancellationToken ct)
    {
        var p = request.Parameters;
        if (p is null || (p.Model is null && p.PromptVersion is null && p.FallbackModel is null && p.FallbackProvider is null))
        {
            return [];
        }

        var errors = new List<MitigationError>();
        if (p.FallbackModel is not null || p.FallbackProvider is not null)
        {
            errors.AddRange(await RouteErrorsAsync(p, source, subject, ct).ConfigureAwait(false));
        }

        if (p.Model is null && p.PromptVersion is null)
        {
            return errors;
        }

        var versions = await source.VersionsAsync(subject, ct).ConfigureAwait(false);
        if (p.Model is { } model && !IsCallableModel(model, versions))
        {
            errors.Add(new MitigationError("parameters.model", $"'{model}' is not a model id {subject.Feature ?? "this feature"}'s calls have used"));
        }

        if (p.PromptVersion is { } prompt && !versions.Any(v => v.Dimension == "prompt_version" && v.Value == prompt && v.BeforeCount > 0))
        {
            errors.Add(new MitigationError("parameters.prompt_version", $"'{prompt}' is not a prompt version {subject.Feature ?? "this feature"} served before the onset"));
        }

        return errors;
    }

    /// <summary>How far back a route must have served calls to count as one the application can take.</summary>
    public static readonly TimeSpan RouteLookback = TimeSpan.FromDays(7);

    /// <summary>
    /// A fallback must go somewhere calls have gone and answered: a model and provider that served some feature in the week
    /// before the onset, not the very model (on the provider) that is failing.
    /// </summary>
    private static async Task<IReadOnlyList<MitigationError>> RouteErrorsAsync(MitigationParameters p, IInvestigationSource source, InvestigationSubject subject, CancellationToken ct)
    {
        var errors = new List<MitigationError>();
        var from = subject.Onset - RouteLookback;
        if (p.FallbackModel is { } model)
        {
            var models = await source.BreakdownAsync("model", null, from, subject.Onset, ct).ConfigureAwait(false);
            if (!models.Any(m => m.Value == model && m.Calls > 0 && m.ErrorRate < 1))
            {
                errors.Add(new MitigationError("parameters.fallback_model", $"'{model}' has not answered any call in the {RouteLookback.TotalDays:0} days before the onset; fall back to a model the application already uses"));
            }
        }

        if (p.FallbackProvider is { } provider)
        {
            var providers = await source.BreakdownAsync("provider", null, from, subject.Onset, ct).ConfigureAwait(false);
            if (!providers.Any(v => v.Value == provider && v.Calls > 0 && v.ErrorRate < 1))
            {
                errors.Add(new MitigationError("parameters.fallback_provider", $"'{provider}' has not answered any call in the {RouteLookback.TotalDays:0} days before the onset"));
            }
        }

        return errors;
    }

    /// <summary>A model id the calls used, or a model version that is a full snapshot id of one ("gpt-4o-mini-2024-07-18").</summary>
    public static bool IsCallableModel(string model, IReadOnlyList<DimensionSlice> versions)
    {
        var models = versions.Where(v => v.Dimension == "model" && v.Value != "(none)").Select(v => v.Value).ToList();
        return models.Contains(model, StringComparer.Ordinal)
            || (versions.Any(v => v.Dimension == "model_version" && v.Value == model) && models.Any(m => model.StartsWith(m + "-", StringComparison.Ordinal)));
    }

    /// <summary>Whether an open mitigation does what the request asks, for the same incident.</summary>
    public static bool Same(Mitigation m, MitigationRequest r) =>
        m.IncidentId == r.IncidentId && m.Kind == r.Kind
        && m.Scope.ToString() == (r.Scope ?? MitigationScope.Everywhere).ToString()
        && m.Describe() == new Mitigation { Id = "", Kind = r.Kind!.Value, Scope = r.Scope ?? MitigationScope.Everywhere, Parameters = r.Parameters ?? new(), Reason = "", CreatedBy = "", CreatedAt = default }.Describe();
}
