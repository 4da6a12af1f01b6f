namespace Quell.Scanning.Pii;

/// <summary>A validated candidate before context scoring and thresholds are applied.</summary>
internal readonly record struct PiiMatch(string Entity, int Start, int End, double Score);
