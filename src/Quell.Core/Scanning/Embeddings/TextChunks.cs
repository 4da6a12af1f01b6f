namespace Quell.Scanning.Embeddings;

/// <summary>Cuts long text into pieces the sentence model can read whole, and pools their vectors into one.</summary>
public static class TextChunks
{
    /// <summary>
    /// About 100 word pieces: MiniLM was trained on pieces up to 128 tokens and its cost grows with the square of the
    /// length, so long texts are read as several chunks rather than one long sequence.
    /// </summary>
    public const int ChunkChars = 400;

    /// <summary>Chunks read per text: the first ones and the last ones, where instructions usually sit.</summary>
    public const int MaxChunks = 8;

    /// <summary>Splits at whitespace into chunks of at most <see cref="ChunkChars"/>; keeps the first and last chunks when there are too many.</summary>
    public static List<string> Split(string text, int chunkChars = ChunkChars, int maxChunks = MaxChunks)
    {
        ArgumentNullException.ThrowIfNull(text);
        var chunks = new List<string>();
        var span = text.AsSpan().Trim();
        while (span.Length > 0)
        {
            var take = Math.Min(chunkChars, span.Length);
            if (take < span.Length)
            {
                var cut = span[..take].LastIndexOfAny(' ', '\n', '\t');
                if (cut > chunkChars / 2)
                {
                    take = cut;
                }
            }

            chunks.Add(span[..take].Trim().ToString());
            span = span[take..].TrimStart();
        }

        if (chunks.Count > maxChunks)
        {
            var head = maxChunks - (maxChunks / 4);
            chunks = [.. chunks.Take(head), .. chunks.Skip(chunks.Count - (maxChunks - head))];
        }

        return chunks;
    }

    /// <summary>The normalised mean of unit vectors: one vector for a text read as several chunks.</summary>
    public static float[] MeanUnit(ReadOnlySpan<float[]> vectors, int dimensions)
    {
        var mean = new float[dimensions];
        foreach (var v in vectors)
        {
            for (var i = 0; i < dimensions; i++)
            {
                mean[i] += v[i];
            }
        }

        double norm = 0;
        for (var i = 0; i < dimensions; i++)
        {
            norm += mean[i] * (double)mean[i];
        }

        if (norm > 0)
        {
            var scale = (float)(1 / Math.Sqrt(norm));
            for (var i = 0; i < dimensions; i++)
            {
                mean[i] *= scale;
            }
        }

        return mean;
    }

    /// <summary>Embeds a whole text: chunked, embedded in one batch, pooled.</summary>
    public static float[] EmbedText(this ISentenceEmbedder embedder, string text)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        var chunks = Split(text);
        if (chunks.Count == 0)
        {
            return new float[embedder.Dimensions];
        }

        var vectors = embedder.Embed(chunks);
        return vectors.Length == 1 ? vectors[0] : MeanUnit(vectors, embedder.Dimensions);
    }
}
