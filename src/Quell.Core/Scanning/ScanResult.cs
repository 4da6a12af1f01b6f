namespace Quell.Scanning;

/// <summary>What one scan found; <see cref="InjectionScore"/> is set only for input scans.</summary>
public sealed record ScanResult(IReadOnlyList<ScanFinding> Findings, double? InjectionScore = null)
{
    public static ScanResult Empty { get; } = new([]);

    public bool HasFindings => Findings.Count > 0;
}
