using Quell.Calls;

namespace Quell.Detection;

/// <summary>Maps attribution dimension names onto call record fields.</summary>
public static class CallDimensions
{
    private const int Tenant = 0, User = 1, Feature = 2, Operation = 3, Provider = 4, Model = 5, ModelVersion = 6, Region = 7, PromptVersion = 8, Unknown = 9;

    /// <summary>Reader of dimension <paramref name="name"/>; unknown names read nothing.</summary>
    public static Func<CallRecord, string?> Accessor(string name)
    {
        var field = FieldOf(name);
        return c => Read(field, c);
    }

    /// <summary>The field number of dimension <paramref name="name"/> for <see cref="Read"/>; unknown names read nothing.</summary>
    public static int FieldOf(string name) => name switch
    {
        "tenant" => Tenant,
        "user" => User,
        "feature" => Feature,
        "operation" => Operation,
        "provider" => Provider,
        "model" => Model,
        "model_version" => ModelVersion,
        "region" => Region,
        "prompt_version" => PromptVersion,
        _ => Unknown,
    };

    /// <summary>The value of field <paramref name="field"/> (from <see cref="FieldOf"/>) of a call, without a delegate call per dimension.</summary>
    public static string? Read(int field, CallRecord c) => field switch
    {
        Tenant => c.Tenant,
        User => c.User,
        Feature => c.Feature,
        Operation => c.Operation,
        Provider => c.Provider,
        Model => c.Model,
        ModelVersion => c.ModelVersion,
        Region => c.Region,
        PromptVersion => c.PromptVersion,
        _ => null,
    };
}
