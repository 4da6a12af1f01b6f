using Quell.Scanning.Injection;

namespace Quell.Tests.Scanning.Reference;

// Frozen copy of the injection scanner as it was before the allocation-free rewrite; the equivalence tests compare
// the production detector against it record by record. Do not optimise or change it.

/// <summary>
/// Logistic regression over hashed n-gram features, trained by SGD with a fixed seed on the labelled set shipped in
/// the assembly. Training takes well under a second and happens once, on first use.
/// </summary>
internal sealed class ReferenceInjectionClassifier
{
    private static readonly Lazy<ReferenceInjectionClassifier> Shipped = new(() => Train(LoadShippedTrainingSet()));

    private readonly float[] _weights;
    private readonly float _bias;

    private ReferenceInjectionClassifier(float[] weights, float bias)
    {
        _weights = weights;
        _bias = bias;
    }

    /// <summary>The classifier trained on Quell's shipped labelled set.</summary>
    public static ReferenceInjectionClassifier Default => Shipped.Value;

    /// <summary>Trains deterministically: same examples, same seed, same model.</summary>
    public static ReferenceInjectionClassifier Train(IReadOnlyList<LabelledText> examples, int epochs = 30, int seed = 17)
    {
        var data = examples.Select(e => (Features: ReferenceHashedFeatures.Extract(ReferenceInjectionNormalizer.Normalize(e.Text).Text), Label: e.IsInjection ? 1f : 0f)).ToArray();
        var positives = data.Count(d => d.Label > 0);
        var negatives = data.Length - positives;

        // Balance the classes so the decision threshold of 0.5 means the same whatever the mix of the training set.
        var positiveWeight = positives == 0 ? 1f : data.Length / (2f * positives);
        var negativeWeight = negatives == 0 ? 1f : data.Length / (2f * negatives);
        var weights = new float[ReferenceHashedFeatures.Dimensions];
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

        return new ReferenceInjectionClassifier(weights, bias);
    }

    /// <summary>Probability in 0..1 that an already-normalised text is an injection attempt.</summary>
    public double Predict(string normalized) => Sigmoid(Dot(_weights, _bias, ReferenceHashedFeatures.Extract(normalized)));

    /// <summary>The labelled set compiled into the product assembly.</summary>
    public static IReadOnlyList<LabelledText> LoadShippedTrainingSet() => InjectionClassifier.LoadShippedTrainingSet();

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
