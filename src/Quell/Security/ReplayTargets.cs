using Quell.Configuration;
using Quell.Server.Playbook;

namespace Quell.Security;

/// <summary>Turns a replay's target into a destination: a target named in quell.yaml, or a URL the outbound policy allows.</summary>
public static class ReplayTargets
{
    /// <summary>The request aimed at its resolved destination, or null when the target is not allowed.</summary>
    public static ReplayRequest? Resolve(ReplayRequest request, QuellConfig config, OutboundPolicy policy)
    {
        if (request.Target is { } name && config.Evals.Targets.TryGetValue(name, out var named))
        {
            return request with
            {
                Target = named.Url,
                TargetKind = named.Kind == "http" ? "template" : "openai",
                Template = request.Template ?? named.RequestTemplate,
                OutputPath = request.OutputPath ?? named.ResponsePath,
            };
        }

        // Missing or malformed targets are the replay service's to explain.
        return !Uri.TryCreate(request.Target, UriKind.Absolute, out var url) || policy.RefuseCallerUrl(url) is null ? request : null;
    }

    public static string Refusal(ReplayRequest request, OutboundPolicy policy) =>
        "target: " + (Uri.TryCreate(request.Target, UriKind.Absolute, out var url) ? policy.RefuseCallerUrl(url) : "not allowed");
}
