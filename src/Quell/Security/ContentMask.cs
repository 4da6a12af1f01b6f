using System.Security.Claims;
using Quell.Calls;
using Quell.Evals;
using Quell.Investigation;
using Quell.Runbooks;
using Quell.Server;
using Quell.Server.Evals;

namespace Quell.Security;

/// <summary>
/// What a reader without read:content sees: every figure and label, the kinds and positions of findings, pass or
/// fail of eval outcomes, but no prompt, output, system prompt, finding evidence (which quotes them, canary values
/// included), eval case text, eval answers or prompt diffs. Which call fields are content is declared in
/// <see cref="CallSchema"/>.
/// </summary>
public static class ContentMask
{
    public const string Masked = CallSchema.MaskedContent;

    public static bool MaySeeContent(this ClaimsPrincipal user) => user.HasScope(Scopes.ReadContent);

    public static CallView For(ClaimsPrincipal user, CallView call) => user.MaySeeContent() ? call : Apply(call);

    public static CallView Apply(CallView call) => call with { MaskContent = true };

    /// <summary>An eval run keeps each case's pass, score and error; the target's answer and the grader's reason (which may quote it) are masked.</summary>
    public static EvalRun For(ClaimsPrincipal user, EvalRun run) => user.MaySeeContent() ? run : run with
    {
        Outcomes = run.Outcomes.Select(o => o with { Output = Mask(o.Output), Reason = o.Reason.Length == 0 ? o.Reason : Masked }).ToList(),
    };

    public static IReadOnlyList<EvalRun> For(ClaimsPrincipal user, IReadOnlyList<EvalRun> runs) => user.MaySeeContent() ? runs : runs.Select(r => For(user, r)).ToList();

    /// <summary>An eval case keeps its id, grader kind, tenant, origin and feature; the text it sends and checks for is masked.</summary>
    public static EvalCase For(ClaimsPrincipal user, EvalCase c) => user.MaySeeContent() ? c : c with
    {
        Input = Masked,
        Messages = c.Messages.Select(m => m with { Content = Masked }).ToList(),
        SystemPrompt = Mask(c.SystemPrompt),
        Grader = c.Grader with { Value = Mask(c.Grader.Value), Forbidden = c.Grader.Forbidden.Select(_ => Masked).ToList() },
    };

    public static RegressionCasesResponse For(ClaimsPrincipal user, RegressionCasesResponse response) =>
        user.MaySeeContent() ? response : response with { Cases = response.Cases.Select(c => For(user, c)).ToList() };

    /// <summary>A runbook run keeps every finding's summary; a prompt diff in a finding's data loses its text but keeps its shape.</summary>
    public static RunbookRun For(ClaimsPrincipal user, RunbookRun run) => user.MaySeeContent() ? run : run with
    {
        Findings = run.Findings.Select(f => f.Data is PromptDiffResult diff
            ? f with { Data = diff with { Before = Mask(diff.Before), After = Mask(diff.After), Lines = diff.Lines.Select(l => l with { Text = Masked }).ToList() } }
            : f).ToList(),
    };

    private static string? Mask(string? text) => text is null ? null : Masked;
}
