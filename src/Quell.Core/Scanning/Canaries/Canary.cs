namespace Quell.Scanning.Canaries;

/// <summary>A unique marker planted in one tenant's data; seeing it anywhere else proves a leak.</summary>
public sealed record Canary(string Token, string Tenant, CanaryPlacement Placement);

/// <summary>Where a canary was planted, which decides what its appearance in an output means.</summary>
public enum CanaryPlacement
{
    /// <summary>In a tenant's documents or memory: a leak only when it reaches another tenant.</summary>
    Document = 0,

    /// <summary>In a system prompt: any appearance in an output is a system-prompt leak.</summary>
    SystemPrompt = 1,
}

/// <summary>One occurrence of a registered canary in a text.</summary>
public readonly record struct CanaryHit(Canary Canary, int Start, int End);
