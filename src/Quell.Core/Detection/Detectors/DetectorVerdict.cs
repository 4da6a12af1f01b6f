namespace Quell.Detection.Detectors;

/// <summary>What a detector's latest evaluation did to its alert.</summary>
public enum DetectorVerdict
{
    None,
    Fire,
    Resolve,
}
