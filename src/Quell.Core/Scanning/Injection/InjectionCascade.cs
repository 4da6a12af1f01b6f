using Quell.Scanning.Embeddings;

namespace Quell.Scanning.Injection;

/// <summary>
/// Prompt-injection scoring in two stages: the lexical pass (<see cref="InjectionDetector"/>, microseconds) decides
/// inputs it is sure about; the rest go to a sentence-embedding model with a trained linear head, which reads what
/// an input asks for rather than which words it uses. The band the lexical pass leaves open is part of the trained
/// model file. Thread-safe; counts how many inputs reached the model.
/// </summary>
public sealed class InjectionCascade
{
    private readonly InjectionDetector _lexical;
    private readonly Lazy<ISentenceEmbedder?> _embedder;
    private readonly LogisticHead _head;
    private readonly InjectionModelBand _band;
    private long _assessed;
    private long _byModel;

    public InjectionCascade(InjectionDetector? lexical = null, Func<ISentenceEmbedder?>? embedder = null, LogisticHead? head = null, InjectionModelBand band = InjectionModelBand.Routed)
    {
        _band = band;
        _lexical = lexical ?? new InjectionDetector();
        _head = head ?? LogisticHead.Default;
        _embedder = new Lazy<ISentenceEmbedder?>(embedder ?? (() => MiniLmEmbedder.Shared), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public LogisticHead Head => _head;

    /// <summary>Inputs assessed since start.</summary>
    public long Assessed => Interlocked.Read(ref _assessed);

    /// <summary>Inputs the lexical pass could not decide, scored by the model stage.</summary>
    public long ByModel => Interlocked.Read(ref _byModel);

    /// <summary>True when the lexical pass leaves this score to the model.</summary>
    public bool IsUndecided(double lexicalScore) => _band == InjectionModelBand.Training
        ? lexicalScore >= _head.Model.LexicalLow && lexicalScore < _head.Model.LexicalHigh
        : lexicalScore >= (_head.Model.RouteLow ?? _head.Model.LexicalLow) && lexicalScore < (_head.Model.RouteHigh ?? _head.Model.LexicalHigh);

    public InjectionAssessment Assess(string text)
    {
        var lexical = _lexical.Assess(text);
        Interlocked.Increment(ref _assessed);
        if (!IsUndecided(lexical.Score) || _embedder.Value is not { } embedder)
        {
            return lexical;
        }

        Interlocked.Increment(ref _byModel);
        var probability = _head.Predict(Features(embedder, text, lexical.Score));
        return lexical with { Score = Math.Round(_head.Score(probability, lexical.Score), 3), LexicalScore = lexical.Score, ByModel = true };
    }

    /// <summary>
    /// What the head reads, shared by training and scoring: the embedding of the normalised text (invisible and
    /// look-alike characters already folded, so an obfuscated attack reads like a plain one) and the lexical score.
    /// </summary>
    public static float[] Features(ISentenceEmbedder embedder, string text, double lexicalScore)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        var normalized = InjectionNormalizer.Normalize(text).Text;
        return LogisticHead.Features(embedder.EmbedText(normalized.Length > 0 ? normalized : text), lexicalScore);
    }
}

/// <summary>Which inputs the injection model stage sees.</summary>
public enum InjectionModelBand
{
    /// <summary>
    /// Only inputs whose lexical score lies in the head's routing band, where deciding lexically would cost more than
    /// a small error budget on the training data: a small share of ordinary traffic. The default, for the ingest path.
    /// </summary>
    Routed,

    /// <summary>Every input in the band the head was trained on: more recall on hard sets, most inputs embedded. `quell scan` uses it.</summary>
    Training,
}
