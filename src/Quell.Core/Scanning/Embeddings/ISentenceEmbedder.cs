namespace Quell.Scanning.Embeddings;

/// <summary>Maps sentences to unit-length vectors whose dot product measures how alike their meanings are.</summary>
public interface ISentenceEmbedder
{
    /// <summary>Length of every vector returned.</summary>
    int Dimensions { get; }

    /// <summary>One unit vector per sentence, in order.</summary>
    float[][] Embed(IReadOnlyList<string> sentences);
}
