namespace Quell.Scanning.Leaks;

/// <summary>A value an output must never reveal in any form: a password, code word, canary phrase or key the system prompt guards.</summary>
public sealed record ProtectedSecret
{
    /// <summary>How findings name it (never the value itself).</summary>
    public required string Name { get; init; }

    public required string Value { get; init; }

    /// <summary>The feature whose outputs must not reveal it; null: every feature.</summary>
    public string? Feature { get; init; }
}

/// <summary>A system prompt to protect from copies and paraphrases, optionally limited to one feature.</summary>
public sealed record ProtectedPrompt
{
    public required string Name { get; init; }

    public required string Text { get; init; }

    public string? Feature { get; init; }
}
