namespace Quell.Scanning.Injection;

/// <summary>A normalised copy of a text with, for every char, the offset of the original char it came from.</summary>
public sealed class NormalizedText
{
    private readonly int[] _sourceOffsets;
    private readonly int _sourceLength;

    internal NormalizedText(string text, int[] sourceOffsets, int sourceLength)
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
