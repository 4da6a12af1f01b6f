using System.Reflection;
using Quell.Investigation;
using Quell.Runbooks;

namespace Quell.Tests.Playbook;

/// <summary>The quality runbook's eval check names the value that carries the failing evals, never one every case has.</summary>
public sealed class EvalCheckTests
{
    private static readonly DateTimeOffset Onset = new(2026, 11, 9, 11, 0, 0, TimeSpan.Zero);

    /// <summary>Answers only the eval windows; any other question fails the test.</summary>
    public class EvalsOnly : DispatchProxy
    {
        public EvalWindows? Windows { get; set; }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            targetMethod?.Name == nameof(IInvestigationSource.EvalsAsync)
                ? Task.FromResult(Windows!)
                : throw new InvalidOperationException($"the eval check asked {targetMethod?.Name}");
    }

    private static async Task<string> SummaryAsync(params DimensionSlice[] slices)
    {
        var source = DispatchProxy.Create<IInvestigationSource, EvalsOnly>();
        ((EvalsOnly)(object)source).Windows = new EvalWindows(200, 0.93, 80, 0.825, slices);
        var finding = await RunbookChecks.RunAsync("eval_check", source, new InvestigationSubject("quality", "eval_pass_rate", "support_chat", Onset), new RunbookStep { Id = "evals", Title = "Eval check", Check = "eval_check" }, CancellationToken.None);
        return finding.Summary;
    }

    [Fact]
    public async Task EvalCheck_NewModelVersion_NamesItNotThePromptEveryCaseHas()
    {
        var summary = await SummaryAsync(
            new DimensionSlice("prompt_version", "support-v7", 200, 14, 80, 14),
            new DimensionSlice("model_version", "gpt-4o-mini-2024-07-18", 200, 14, 0, 0),
            new DimensionSlice("model_version", "gpt-4o-mini-2025-01-31", 0, 0, 80, 14),
            new DimensionSlice("model", "gpt-4o-mini", 200, 14, 80, 14));

        Assert.Equal("eval pass rate 93% → 83% (80 cases); 100% of failing evals since the onset are on model_version gpt-4o-mini-2025-01-31", summary);
    }

    [Fact]
    public async Task EvalCheck_NothingButValuesEveryCaseHas_NamesNoValue()
    {
        var summary = await SummaryAsync(
            new DimensionSlice("prompt_version", "support-v7", 200, 14, 80, 14),
            new DimensionSlice("model", "gpt-4o-mini", 200, 14, 80, 14));

        Assert.Equal("eval pass rate 93% → 83% (80 cases)", summary);
    }
}
