namespace Quell.Telemetry;

/// <summary>
/// Which span or resource attributes carry Quell's dimensions; each list is tried in order.
/// Defaults cover the current GenAI semantic conventions, the deprecated names and common vendor spellings.
/// Besides span and resource attributes, the lists are looked up in the properties a convention carries in its
/// own namespace with the prefix removed: OpenLLMetry's <c>traceloop.association.properties.*</c>, the Vercel AI
/// SDK's <c>ai.telemetry.metadata.*</c> and OpenInference's <c>metadata</c> object (so <c>tenant_id</c> there is found).
/// </summary>
public sealed record GenAiAttributeNames
{
    public IReadOnlyList<string> Tenant { get; init; } = ["quell.tenant", "tenant.id", "tenant_id", "tenant", "app.tenant", "enduser.tenant", "tenantId", "org_id", "organization_id"];
    public IReadOnlyList<string> User { get; init; } = ["quell.user", "enduser.id", "user.id", "user_id", "userId", "gen_ai.user.id"];
    public IReadOnlyList<string> Feature { get; init; } = ["quell.feature", "app.feature", "feature", "gen_ai.agent.name"];
    public IReadOnlyList<string> PromptVersion { get; init; } = ["quell.prompt_version", "prompt.version", "gen_ai.prompt.version", "app.prompt_version", "prompt_version", "promptVersion"];
    public IReadOnlyList<string> ModelVersion { get; init; } = ["quell.model_version"];
    public IReadOnlyList<string> Region { get; init; } = ["quell.region", "cloud.region", "gen_ai.region", "az.region"];
    public IReadOnlyList<string> Session { get; init; } = ["quell.session_id", "gen_ai.conversation.id", "session.id", "session_id", "sessionId", "conversation_id"];

    /// <summary>When no feature attribute is present the feature is the resource's service.name.</summary>
    public bool FeatureFromServiceName { get; init; } = true;
}
