using System.Text.Json;
using Quell.Configuration;
using Quell.Incidents;
using Quell.Mitigations;

namespace Quell.Security;

/// <summary>The two-person rule: a mitigation of a configured kind needs a second key to approve it.</summary>
public static class TwoPersonCheck
{
    public static bool Applies(QuellConfig config, MitigationKind kind, string? feature)
    {
        var rule = config.Security.TwoPerson;
        var name = JsonNamingPolicy.SnakeCaseLower.ConvertName(kind.ToString());
        return rule.Kinds.Contains(name, StringComparer.OrdinalIgnoreCase)
            && (!rule.CustomerFacingOnly || config.FeatureOrDefault(feature).Audience == FeatureAudience.CustomerFacing);
    }

    /// <summary>Why this request may not go ahead, or null.</summary>
    public static string? RefuseApply(QuellConfig config, MitigationRequest request) =>
        request.Mode == MitigationMode.Apply && request.Kind is { } kind && Applies(config, kind, request.Scope?.Feature)
            ? $"two-person rule: a {JsonNamingPolicy.SnakeCaseLower.ConvertName(kind.ToString())} mitigation{(request.Scope?.Feature is { } f ? $" on '{f}'" : string.Empty)} must be proposed (mode: propose) and approved by another key"
            : null;

    public static string? RefuseApprove(QuellConfig config, Mitigation mitigation, string actor) =>
        string.Equals(mitigation.CreatedBy, actor, StringComparison.Ordinal) && Applies(config, mitigation.Kind, mitigation.Scope.Feature)
            ? $"two-person rule: '{actor}' proposed this mitigation, so another key must approve it"
            : null;
}
