namespace Quell.Scanning.Injection;

/// <summary>A text with its label: true for an injection or jailbreak attempt.</summary>
public sealed record LabelledText(string Text, bool IsInjection);
