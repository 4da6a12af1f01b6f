namespace Quell.Tests.Scanning.Reference;

// Frozen copy of the injection scanner as it was before the allocation-free rewrite; the equivalence tests compare
// the production detector against it record by record. Do not optimise or change it.

/// <summary>A normalised copy of a text with, for every char, the offset of the original char it came from.</summary>
internal sealed class ReferenceNormalizedText
{
    private readonly int[] _sourceOffsets;
    private readonly int _sourceLength;

    internal ReferenceNormalizedText(string text, int[] sourceOffsets, int sourceLength)
    {
        Text = text;
        _sourceOffsets = sourceOffsets;
        _sourceLength = sourceLength;
    }

    public string Text { get; }

    /// <summary>Maps a [start, end) range of <see cref="Text"/> back to the original text.</summary>
    public (int Start, int End) ToSource(int start, int end)
    {
        if (Text.Length == 0)
        {
            return (0, 0);
        }

        var sourceStart = _sourceOffsets[Math.Clamp(start, 0, Text.Length - 1)];
        var sourceEnd = end >= Text.Length ? _sourceLength : _sourceOffsets[end];
        return (sourceStart, Math.Max(sourceStart, sourceEnd));
    }
}
