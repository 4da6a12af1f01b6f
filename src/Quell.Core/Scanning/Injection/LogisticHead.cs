using System.Text.Json;
using System.Text.Json.Serialization;

namespace Quell.Scanning.Injection;

/// <summary>
/// A linear classifier over a sentence embedding plus the lexical pass's log-odds: the trained part of the injection
/// model stage. Weights are a small JSON file in the assembly, written by <see cref="LogisticHeadTrainer"/>.
/// </summary>
public sealed class LogisticHead
{
    private const string Resource = "Quell.Scanning.Data.injection-head.json";
    private static readonly Lazy<LogisticHead> Shipped = new(() => Load(Resource));

    public LogisticHead(LogisticHeadModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        _weights = [.. model.Weights.Select(w => (float)w)];
    }

    private readonly float[] _weights;

    public static LogisticHead Default => Shipped.Value;

    public LogisticHeadModel Model { get; }

    /// <summary>Feature vector for one input: the embedding, then the lexical score as clipped log-odds scaled to about ±1.</summary>
    public static float[] Features(ReadOnlySpan<float> embedding, double lexicalScore)
    {
        var features = new float[embedding.Length + 1];
        embedding.CopyTo(features);
        features[^1] = (float)LexicalFeature(lexicalScore);
        return features;
    }

    public static double LexicalFeature(double lexicalScore)
    {
        var p = Math.Clamp(lexicalScore, 1e-3, 1 - 1e-3);
        return Math.Log(p / (1 - p)) / 7;
    }

    /// <summary>Probability of an attack.</summary>
    public double Predict(ReadOnlySpan<float> features)
    {
        if (features.Length != _weights.Length)
        {
            throw new ArgumentException($"expected {_weights.Length} features, got {features.Length}", nameof(features));
        }

        double z = Model.Bias;
        for (var i = 0; i < features.Length; i++)
        {
            z += _weights[i] * (double)features[i];
        }

        return 1 / (1 + Math.Exp(-z));
    }

    /// <summary>
    /// The head's probability as a score that crosses 0.5 at <see cref="LogisticHeadModel.DecisionThreshold"/> (or, for
    /// an input the lexical pass scored benign, at <see cref="LogisticHeadModel.OverturnThreshold"/>), so the scanner's
    /// single injection threshold applies to lexical and model scores alike.
    /// </summary>
    public double Score(double probability, double lexicalScore = 1)
    {
        var p = Math.Clamp(probability, 1e-9, 1 - 1e-9);
        var threshold = lexicalScore < 0.5 ? Model.OverturnThreshold ?? Model.DecisionThreshold : Model.DecisionThreshold;
        var t = Math.Clamp(threshold, 1e-6, 1 - 1e-6);
        return 1 / (1 + Math.Exp(-(Math.Log(p / (1 - p)) - Math.Log(t / (1 - t)))));
    }

    /// <summary>Reads a weights file written by the training command (for evaluation tools; the scanner uses <see cref="Default"/>).</summary>
    public static LogisticHead FromJson(Stream json)
    {
        var model = JsonSerializer.Deserialize(json, LogisticHeadJson.Default.LogisticHeadModel)
            ?? throw new InvalidOperationException("the head file is empty");
        return new LogisticHead(model);
    }

    public static LogisticHead Load(string resource)
    {
        using var stream = typeof(LogisticHead).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"{resource} is missing from the assembly");
        var model = JsonSerializer.Deserialize(stream, LogisticHeadJson.Default.LogisticHeadModel)
            ?? throw new InvalidOperationException($"{resource} is empty");
        return new LogisticHead(model);
    }
}

/// <summary>The weights file: what the head reads, how it was trained, and the cascade band it was trained for.</summary>
public sealed record LogisticHeadModel
{
    /// <summary>Sentence model whose vectors the weights expect.</summary>
    public required string Embedding { get; init; }

    /// <summary>Inputs whose lexical score is below this are decided benign without the model.</summary>
    public required double LexicalLow { get; init; }

    /// <summary>Inputs whose lexical score is at or above this are decided attacks without the model.</summary>
    public required double LexicalHigh { get; init; }

    /// <summary>
    /// The cascade sends an input to the model only when its lexical score is in [<see cref="RouteLow"/>,
    /// <see cref="RouteHigh"/>): the part of the training band where deciding lexically would cost more than a small
    /// budget of out-of-fold errors. Absent in older files: the whole training band.
    /// </summary>
    public double? RouteLow { get; init; }

    /// <inheritdoc cref="RouteLow"/>
    public double? RouteHigh { get; init; }

    /// <summary>Head probability at which an input is an attack, chosen on out-of-fold predictions; 0.5 when absent.</summary>
    public double DecisionThreshold { get; init; } = 0.5;

    /// <summary>
    /// Head probability needed to flag an input the lexical pass scored benign (below 0.5): overturning a benign
    /// verdict needs more confidence, so prompts that only talk about instructions or systems stay unflagged. Chosen
    /// on out-of-fold predictions; <see cref="DecisionThreshold"/> when absent.
    /// </summary>
    public double? OverturnThreshold { get; init; }

    /// <summary>L2 penalty chosen by cross-validation.</summary>
    public required double Lambda { get; init; }

    public required double Bias { get; init; }

    public required IReadOnlyList<double> Weights { get; init; }

    /// <summary>Where the examples came from and how many of each label.</summary>
    public required IReadOnlyList<string> Sources { get; init; }

    public required int Positives { get; init; }

    public required int Negatives { get; init; }

    /// <summary>Cross-validated figures on the training data, for the record.</summary>
    public required IReadOnlyDictionary<string, double> CrossValidation { get; init; }
}

[JsonSourceGenerationOptions(WriteIndented = false, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(LogisticHeadModel))]
internal sealed partial class LogisticHeadJson : JsonSerializerContext;
