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
