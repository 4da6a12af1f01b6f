using System.Text.RegularExpressions;

namespace Quell.Mitigations;

/// <summary>A field of a mitigation request that is wrong, named as on the wire.</summary>
public sealed record MitigationError(string Field, string Message);

/// <summary>Checks that a request carries what its kind needs; every error names the field.</summary>
public static class MitigationValidator
{
    public static IReadOnlyList<MitigationError> Validate(MitigationRequest request)
    {
        var errors = new List<MitigationError>();
        void Fail(string field, string message) => errors.Add(new MitigationError(field, message));
        if (request.Kind is not { } kind)
        {
            Fail("kind", "is required: one of rollback, disable, fallback, rate_limit, block, budget_cap, loop_cap");
            return errors;
        }

        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            Fail("reason", "is required: say why, for the audit log and the incident timeline");
        }

        if (request.ExpiresIn is { } e && e <= TimeSpan.Zero)
        {
            Fail("expires_in", "must be positive");
        }

        var scope = request.Scope ?? MitigationScope.Everywhere;
        if (scope.Users is { Count: > 1000 })
        {
            Fail("scope.users", "names more than 1000 users; block the tenant or a pattern instead");
        }

        if (request.Parameters?.StopTraces is { Count: > 1000 })
        {
            Fail("parameters.stop_traces", "names more than 1000 traces");
        }

        var p = request.Parameters ?? new MitigationParameters();
        switch (kind)
        {
            case MitigationKind.Rollback:
                if (scope.Feature is null)
                {
                    Fail("scope.feature", "is required for a rollback");
                }

                if (p.Model is null && p.PromptVersion is null)
                {
                    Fail("parameters.model", "a rollback needs parameters.model or parameters.prompt_version");
                }

                break;
            case MitigationKind.Disable:
                if (scope.Feature is null && scope.Tenant is null)
                {
                    Fail("scope.feature", "a kill switch needs scope.feature or scope.tenant");
                }

                break;
            case MitigationKind.Fallback:
                if (p.CannedAnswer is null && p.FallbackModel is null)
                {
                    Fail("parameters.fallback_model", "a fallback needs parameters.fallback_model or parameters.canned_answer");
                }

                break;
            case MitigationKind.RateLimit:
                if (p.RatePerSecond is not > 0)
                {
                    Fail("parameters.rate_per_second", "must be > 0");
                }

                if (p.Burst is < 1)
                {
                    Fail("parameters.burst", "must be >= 1");
                }

                if (p.Per is not (null or "feature" or "tenant" or "user"))
                {
                    Fail("parameters.per", "must be feature, tenant or user");
                }

                break;
            case MitigationKind.Block:
                if (p.Pattern is null && scope.User is null && scope.Users is not { Count: > 0 } && scope.Tenant is null)
                {
                    Fail("parameters.pattern", "a block needs scope.user, scope.users, scope.tenant or parameters.pattern");
                }

                if (p.Pattern is not null && !IsValidPattern(p.Pattern, out var why))
                {
                    Fail("parameters.pattern", why);
                }

                break;
            case MitigationKind.BudgetCap:
                if (p.DailyUsd is not > 0)
                {
                    Fail("parameters.daily_usd", "must be > 0");
                }

                if (p.Per is not (null or "feature" or "tenant"))
                {
                    Fail("parameters.per", "must be feature or tenant");
                }

                break;
            case MitigationKind.LoopCap:
                if (p.MaxCallsPerTrace is not > 0)
                {
                    Fail("parameters.max_calls_per_trace", "must be > 0");
                }

                break;
        }

        return errors;
    }

    /// <summary>The pattern compiles under the non-backtracking engine (so it cannot blow up on any input).</summary>
    public static bool IsValidPattern(string pattern, out string message)
    {
        if (pattern.Length > 1000)
        {
            message = "is longer than 1000 characters";
            return false;
        }

        try
        {
            _ = new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            message = "";
            return true;
        }
        catch (ArgumentException ex)
        {
            message = $"is not a valid pattern for the non-backtracking engine: {ex.Message}";
            return false;
        }
        catch (NotSupportedException ex)
        {
            message = $"uses a construct the non-backtracking engine does not support: {ex.Message}";
            return false;
        }
    }
}
