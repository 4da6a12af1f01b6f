namespace Quell.Detection;

/// <summary>Checks <see cref="DetectionRules"/> at start-up and says what is wrong in terms an operator can act on.</summary>
public static class DetectionRulesValidation
{
    /// <summary>Problems with <paramref name="rules"/>, each naming its YAML key; empty when the rules are usable.</summary>
    public static IReadOnlyList<string> Validate(this DetectionRules rules)
    {
        var problems = new List<string>();
        void Check(bool ok, string message)
        {
            if (!ok)
            {
                problems.Add(message);
            }
        }

        Check(rules.EvaluationSeconds is >= 1 and <= 60 && 60 % rules.EvaluationSeconds == 0, "detection.evaluation_seconds must divide 60 (1–60)");
        Check(rules.MaxSeries >= 1, "detection.max_series must be at least 1");
        CheckShift(rules.Latency.P95, "latency.p95", Check);
        CheckShift(rules.Latency.P99, "latency.p99", Check);
        CheckShift(rules.Latency.TtftP95, "latency.ttft_p95", Check);
        CheckShift(rules.Cost.CostPerCall, "cost.cost_per_call", Check);
        CheckShift(rules.Cost.InputTokensPerCall, "cost.input_tokens_per_call", Check);
        CheckShift(rules.Cost.OutputTokensPerCall, "cost.output_tokens_per_call", Check);
        Check(rules.Latency.SketchAccuracy is > 0 and < 0.5, "detection.latency.sketch_accuracy must be in (0, 0.5)");
        Check(rules.Latency.FastExceedanceRatio is null or > 1, "detection.latency.fast_exceedance_ratio must be above 1 (or null to turn the fast tier off)");
        Check(rules.Latency.FastThreshold > 0, "detection.latency.fast_threshold must be positive, e.g. 13.8 (ln 10^6)");
        Check(rules.Errors.SloTarget is > 0 and < 1, "detection.errors.slo_target must be in (0, 1), e.g. 0.99");
        Check(rules.Errors.FastBurnRate is null or > 1, "detection.errors.fast_burn_rate must be above 1 (or null to turn the fast tier off)");
        Check(rules.Errors.FastThreshold > 0, "detection.errors.fast_threshold must be positive, e.g. 13.8 (ln 10^6)");
        Check(rules.Errors.Windows.Count > 0, "detection.errors.windows needs at least one long/short pair");
        foreach (var w in rules.Errors.Windows)
        {
            Check(w.ShortMinutes >= 1 && w.ShortMinutes < w.LongMinutes && w.LongMinutes <= 24 * 60,
                $"detection.errors.windows: short_minutes ({w.ShortMinutes}) must be ≥ 1 and below long_minutes ({w.LongMinutes}) ≤ 1440");
            Check(w.BurnRate > 0, "detection.errors.windows: burn_rate must be positive");
        }

        Check(rules.Quality.Alpha is > 0 and < 0.5 && rules.Quality.Beta is > 0 and < 0.5, "detection.quality.alpha and beta must be in (0, 0.5)");
        Check(rules.Quality.PassRateDrop is > 0 and < 1 && rules.Quality.NegativeFeedbackRise is > 0 and < 1,
            "detection.quality.pass_rate_drop and negative_feedback_rise must be in (0, 1)");
        Check(rules.Quality.Drift.HorizonDays >= 3 && rules.Quality.Drift.ReferenceDays >= 1, "detection.quality.drift needs horizon_days ≥ 3 and reference_days ≥ 1");
        Check(rules.Loops.MaxCallsPerTrace >= 1 && rules.Loops.MaxIdenticalToolCalls >= 1, "detection.loops caps must be at least 1");
        Check(rules.Attribution.MaxValuesPerDimension >= 2, "detection.attribution.max_values_per_dimension must be at least 2");
        foreach (var dimension in rules.Attribution.Dimensions)
        {
            Check(dimension is "tenant" or "user" or "feature" or "operation" or "provider" or "model" or "model_version" or "region" or "prompt_version",
                $"detection.attribution.dimensions: unknown dimension '{dimension}'");
        }

        foreach (var (tenant, budget) in rules.Cost.DailyBudgetUsdByTenant)
        {
            Check(budget > 0, $"detection.cost.daily_budget_usd_by_tenant.{tenant} must be positive");
        }

        foreach (var (feature, f) in rules.Features)
        {
            Check(f.ErrorSloTarget is null or (> 0 and < 1), $"detection.features.{feature}.error_slo_target must be in (0, 1)");
            Check(f.DailyBudgetUsd is null or > 0, $"detection.features.{feature}.daily_budget_usd must be positive");
            Check(f.MaxCallsPerTrace is null or >= 1, $"detection.features.{feature}.max_calls_per_trace must be at least 1");
        }

        return problems;
    }

    private static void CheckShift(ShiftRules rules, string key, Action<bool, string> check)
    {
        check(rules.MinSamples >= 5, $"detection.{key}.min_samples must be at least 5");
        check(rules.MinRatio > 1, $"detection.{key}.min_ratio must be above 1");
        check(rules.ResolveRatio >= 1 && rules.ResolveRatio < rules.MinRatio, $"detection.{key}.resolve_ratio must be in [1, min_ratio)");
        check(rules.CusumThreshold > 0 && rules.CusumSlack >= 0, $"detection.{key}: cusum_threshold must be positive and cusum_slack non-negative");
    }
}
