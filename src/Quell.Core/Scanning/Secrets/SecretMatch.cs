namespace Quell.Scanning.Secrets;

/// <summary>A validated secret candidate.</summary>
internal readonly record struct SecretMatch(string Entity, int Start, int End, double Score);
