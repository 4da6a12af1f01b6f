using Quell.Calls;

namespace Quell.Detection;

/// <summary>Maps attribution dimension names onto call record fields.</summary>
public static class CallDimensions
{
    /// <summary>Reader of dimension <paramref name="name"/>; unknown names read nothing.</summary>
    public static Func<CallRecord, string?> Accessor(string name) => name switch
    {
        "tenant" => c => c.Tenant,
        "user" => c => c.User,
        "feature" => c => c.Feature,
        "operation" => c => c.Operation,
        "provider" => c => c.Provider,
        "model" => c => c.Model,
        "model_version" => c => c.ModelVersion,
        "region" => c => c.Region,
        "prompt_version" => c => c.PromptVersion,
        _ => _ => null,
    };
}
