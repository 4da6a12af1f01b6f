using System.Reflection;
using System.Text.Json;

namespace Quell.Scanning.Injection;

/// <summary>
/// Logistic regression over hashed n-gram features, trained by SGD with a fixed seed on the labelled set shipped in
/// the assembly. Training takes well under a second and happens once, on first use.
/// </summary>
public sealed class InjectionClassifier
{
    private const string TrainingResource = "Quell.Scanning.Data.injection-training.jsonl";
    private static readonly Lazy<InjectionClassifier> Shipped = new(() => Train(LoadShippedTrainingSet()));

    private readonly float[] _weights;
    private readonly float _bias;

    private InjectionClassifier(float[] weights, float bias)
    {
        _weights = weights;
        _bias = bias;
    }

    /// <summary>The classifier trained on Quell's shipped labelled set.</summary>
    public static InjectionClassifier Default => Shipped.Value;

    /// <summary>Trains deterministically: same examples, same seed, same model.</summary>
    public static InjectionClassifier Train(IReadOnlyList<LabelledText> examples, int epochs = 30, int seed = 17)
    {
        var data = examples.Select(e => (Features: HashedFeatures.Extract(InjectionNormalizer.Normalize(e.Text).Text), Label: e.IsInjection ? 1f : 0f)).ToArray();
        var positives = data.Count(d => d.Label > 0);
        var negatives = data.Length - positives;

        // Balance the classes so the decision threshold of 0.5 means the same whatever the mix of the training set.
        var positiveWeight = positives == 0 ? 1f : data.Length / (2f * positives);
        var negativeWeight = negatives == 0 ? 1f : data.Length / (2f * negatives);
        var weights = new float[HashedFeatures.Dimensions];
        var bias = 0f;
        const float l2 = 1e-5f;
        var random = new Random(seed);
        var order = Enumerable.Range(0, data.Length).ToArray();
        var step = 0;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            random.Shuffle(order);
            foreach (var index in order)
            {
                var (features, label) = data[index];
                var rate = 0.5f / (1f + (step++ * 0.0005f));
                var error = (Sigmoid(Dot(weights, bias, features)) - label) * (label > 0 ? positiveWeight : negativeWeight);
                for (var k = 0; k < features.Indices.Length; k++)
                {
                    var j = features.Indices[k];
                    weights[j] -= rate * ((error * features.Values[k]) + (l2 * weights[j]));
                }

                bias -= rate * error;
            }
        }

        return new InjectionClassifier(weights, bias);
    }

    /// <summary>Probability in 0..1 that an already-normalised text is an injection attempt.</summary>
    public double Predict(string normalized) => Sigmoid(HashedFeatures.Dot(_weights, _bias, normalized));

    /// <summary>The labelled set compiled into the assembly.</summary>
    public static IReadOnlyList<LabelledText> LoadShippedTrainingSet()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(TrainingResource)
            ?? throw new InvalidOperationException($"Embedded resource {TrainingResource} is missing from the build.");
        using var reader = new StreamReader(stream);
        var examples = new List<LabelledText>();
        while (reader.ReadLine() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            examples.Add(new LabelledText(root.GetProperty("text").GetString() ?? string.Empty, root.GetProperty("label").GetInt32() == 1));
        }

        return examples;
    }

    private static float Dot(float[] weights, float bias, (int[] Indices, float[] Values) features)
    {
        var sum = bias;
        for (var k = 0; k < features.Indices.Length; k++)
        {
            sum += weights[features.Indices[k]] * features.Values[k];
        }

        return sum;
    }

    private static float Sigmoid(float z) => 1f / (1f + MathF.Exp(-z));
}
