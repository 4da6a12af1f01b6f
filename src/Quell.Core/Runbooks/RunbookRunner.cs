using Quell.Investigation;
using Quell.Mitigations;
using Quell.Response;

namespace Quell.Runbooks;

/// <summary>
/// Runs a runbook's steps in order: checks query Quell at once, manual items become to-dos, mitigation steps propose
/// (never apply) a mitigation built from earlier findings. Every finding goes to the incident timeline.
/// </summary>
public sealed class RunbookRunner(RunbookCatalog catalog, IInvestigationSource source, MitigationControlPlane? mitigations, IIncidentTimeline timeline)
{
    public RunbookCatalog Catalog => catalog;

    /// <summary>Runs the named runbook, or the one that attaches to the subject's category and signal; null when none does.</summary>
    public async Task<RunbookRun?> RunAsync(InvestigationSubject subject, string? runbookName = null, CancellationToken cancellationToken = default)
    {
        var runbook = runbookName is null ? catalog.Select(subject.Category, subject.Signal) : catalog.Get(runbookName);
        if (runbook is null)
        {
            return null;
        }

        var findings = new List<RunbookFinding>();
        foreach (var step in runbook.Steps)
        {
            RunbookFinding finding;
            if (step.When is { } when && findings.FirstOrDefault(f => f.StepId == when) is not { Status: FindingStatus.Attention })
            {
                finding = new RunbookFinding { StepId = step.Id, Title = step.Title, Kind = step.Kind, Status = FindingStatus.Skipped, Summary = $"skipped: step '{when}' found nothing that needs it" };
            }
            else
            {
                try
                {
                    finding = step.Kind switch
                    {
                        RunbookStepKind.Check => await RunbookChecks.RunAsync(step.Check ?? "", source, subject, step, cancellationToken).ConfigureAwait(false),
                        RunbookStepKind.Mitigation => await ProposeAsync(runbook, step, subject, findings, cancellationToken).ConfigureAwait(false),
                        _ => new RunbookFinding { StepId = step.Id, Title = step.Title, Kind = step.Kind, Status = FindingStatus.Todo, Summary = step.Description ?? step.Title },
                    };
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    finding = new RunbookFinding { StepId = step.Id, Title = step.Title, Kind = step.Kind, Status = FindingStatus.Error, Summary = $"check failed: {ex.Message}" };
                }
            }

            findings.Add(finding);
            if (subject.IncidentId is { } incident)
            {
                await timeline.AppendAsync(incident, "runbook_finding", "runbook:" + runbook.Name, $"{runbook.Title} / {step.Title}: {finding.Summary}", finding, cancellationToken).ConfigureAwait(false);
            }
        }

        return new RunbookRun(runbook.Name, runbook.Title, subject, findings);
    }

    private async Task<RunbookFinding> ProposeAsync(RunbookDefinition runbook, RunbookStep step, InvestigationSubject subject, List<RunbookFinding> findings, CancellationToken ct)
    {
        var kind = step.Mitigation!.Value;
        var parameters = step.Parameters ?? new MitigationParameters();
        foreach (var suggestion in findings.Select(f => f.Suggestion).OfType<MitigationParameters>())
        {
            parameters = Merge(parameters, For(kind, suggestion));
        }

        var scope = findings.Select(f => f.SuggestedScope).OfType<MitigationScope>().LastOrDefault()
            ?? new MitigationScope { Feature = subject.Feature };
        if (scope.Feature is null && kind is MitigationKind.Rollback or MitigationKind.Disable)
        {
            scope = scope with { Feature = subject.Feature };
        }

        var request = new MitigationRequest
        {
            Kind = kind,
            Scope = scope,
            Parameters = parameters,
            Reason = $"runbook {runbook.Name} step {step.Id} for {subject.IncidentId ?? subject.AlertId ?? subject.Category}",
            IncidentId = subject.IncidentId,
            AlertId = subject.AlertId,
            CreatedBy = "runbook:" + runbook.Name,
            Mode = MitigationMode.Propose,
        };
        var errors = MitigationValidator.Validate(request).Concat(await ProposalCheck.AgainstRecordAsync(request, source, subject, ct).ConfigureAwait(false)).ToList();
        if (errors.Count > 0)
        {
            return new RunbookFinding { StepId = step.Id, Title = step.Title, Kind = step.Kind, Status = FindingStatus.Info, Summary = $"nothing to propose yet ({string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}"))}); decide by hand", Data = request };
        }

        if (await ExpectedEffect.EstimateAsync(request, source, subject, ct).ConfigureAwait(false) is { } effect)
        {
            request = request with { ExpectedEffect = effect };
        }

        var expected = request.ExpectedEffect is { } e ? "; expected effect: " + e : string.Empty;
        if (mitigations is null)
        {
            return new RunbookFinding { StepId = step.Id, Title = step.Title, Kind = step.Kind, Status = FindingStatus.Info, Summary = "would propose: " + Describe(request) + expected, Data = request };
        }

        // A re-run finds the proposal it made before instead of stacking a second one.
        if (mitigations.Open.FirstOrDefault(m => ProposalCheck.Same(m, request)) is { } existing)
        {
            return new RunbookFinding
            {
                StepId = step.Id,
                Title = step.Title,
                Kind = step.Kind,
                Status = existing.State == MitigationState.Active ? FindingStatus.Info : FindingStatus.Proposed,
                Summary = $"already {(existing.State == MitigationState.Active ? "active" : "proposed")}: {existing.Id}: {existing.Describe()}",
                Data = existing,
                MitigationId = existing.Id,
            };
        }

        var result = await mitigations.CreateAsync(request, ct).ConfigureAwait(false);
        return new RunbookFinding
        {
            StepId = step.Id,
            Title = step.Title,
            Kind = step.Kind,
            Status = FindingStatus.Proposed,
            Summary = $"proposed {result.Mitigation!.Id}: {result.Mitigation.Describe()}{expected}; approve it to apply",
            Data = result.Mitigation,
            MitigationId = result.Mitigation.Id,
        };
    }

    private static string Describe(MitigationRequest r) => new Mitigation
    {
        Id = "",
        Kind = r.Kind!.Value,
        Scope = r.Scope ?? MitigationScope.Everywhere,
        Parameters = r.Parameters ?? new(),
        Reason = r.Reason ?? "",
        CreatedBy = "",
        CreatedAt = default,
    }.Describe();

    /// <summary>Only the settings a mitigation of this kind uses: a loop check's trace list has no place in a rollback.</summary>
    private static MitigationParameters For(MitigationKind kind, MitigationParameters p) => kind switch
    {
        MitigationKind.Rollback => new MitigationParameters { Model = p.Model, PromptVersion = p.PromptVersion },
        MitigationKind.Fallback => new MitigationParameters { FallbackModel = p.FallbackModel, FallbackProvider = p.FallbackProvider, CannedAnswer = p.CannedAnswer },
        MitigationKind.Block => new MitigationParameters { Pattern = p.Pattern },
        MitigationKind.LoopCap => new MitigationParameters { MaxCallsPerTrace = p.MaxCallsPerTrace, StopTraces = p.StopTraces },
        _ => new MitigationParameters(),
    };

    private static MitigationParameters Merge(MitigationParameters a, MitigationParameters b) => a with
    {
        Model = a.Model ?? b.Model,
        PromptVersion = a.PromptVersion ?? b.PromptVersion,
        FallbackModel = a.FallbackModel ?? b.FallbackModel,
        FallbackProvider = a.FallbackProvider ?? b.FallbackProvider,
        CannedAnswer = a.CannedAnswer ?? b.CannedAnswer,
        Pattern = a.Pattern ?? b.Pattern,
        MaxCallsPerTrace = a.MaxCallsPerTrace ?? b.MaxCallsPerTrace,
        StopTraces = a.StopTraces ?? b.StopTraces,
    };
}
