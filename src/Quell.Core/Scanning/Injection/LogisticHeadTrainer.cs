namespace Quell.Scanning.Injection;

/// <summary>
/// Fits L2-regularised logistic regression by Newton's method (exact optimum, so the same data gives the same
/// weights on every run) with balanced class weights, the penalty chosen by k-fold cross-validation on log-loss.
/// </summary>
public static class LogisticHeadTrainer
{
    /// <summary>Penalties tried, per example; a decade apart, wide enough that the optimum lies inside.</summary>
    public static readonly double[] Lambdas = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1];

    public sealed record Fit(double Bias, double[] Weights);

    /// <summary>Fits one model. Rows are feature vectors, labels 0/1.</summary>
    public static Fit Train(IReadOnlyList<float[]> rows, IReadOnlyList<int> labels, double lambda, int maxIterations = 50)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(labels);
        var n = rows.Count;
        var d = rows[0].Length + 1; // last column is the bias
        var positives = labels.Count(l => l == 1);
        var wPos = n / (2.0 * Math.Max(1, positives));
        var wNeg = n / (2.0 * Math.Max(1, n - positives));
        var beta = new double[d];
        var gradient = new double[d];
        var hessian = new double[d * d];
        var x = new double[d];
        for (var iteration = 0; iteration < maxIterations; iteration++)
        {
            Array.Clear(gradient);
            Array.Clear(hessian);
            for (var r = 0; r < n; r++)
            {
                Row(rows[r], x);
                var p = Sigmoid(Dot(beta, x));
                var c = labels[r] == 1 ? wPos : wNeg;
                var g = c * (p - labels[r]);
                var h = c * Math.Max(p * (1 - p), 1e-12);
                for (var i = 0; i < d; i++)
                {
                    gradient[i] += g * x[i];
                    var hx = h * x[i];
                    var rowOffset = i * d;
                    for (var j = 0; j <= i; j++)
                    {
                        hessian[rowOffset + j] += hx * x[j];
                    }
                }
            }

            for (var i = 0; i < d; i++)
            {
                gradient[i] /= n;
                for (var j = 0; j <= i; j++)
                {
                    hessian[(i * d) + j] /= n;
                }

                if (i < d - 1)
                {
                    gradient[i] += lambda * beta[i];
                    hessian[(i * d) + i] += lambda;
                }
                else
                {
                    hessian[(i * d) + i] += 1e-9;
                }
            }

            var step = CholeskySolve(hessian, gradient, d);
            var change = 0.0;
            for (var i = 0; i < d; i++)
            {
                beta[i] -= step[i];
                change = Math.Max(change, Math.Abs(step[i]));
            }

            if (change < 1e-10)
            {
                break;
            }
        }

        return new Fit(beta[^1], beta[..^1]);
    }

    /// <summary>Out-of-fold probabilities for every row; <paramref name="foldOf"/> gives each row's fold (0..folds-1).</summary>
    public static double[] CrossValidate(IReadOnlyList<float[]> rows, IReadOnlyList<int> labels, double lambda, IReadOnlyList<int> foldOf, int folds = 5)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(foldOf);
        var predictions = new double[rows.Count];
        for (var fold = 0; fold < folds; fold++)
        {
            var trainRows = new List<float[]>();
            var trainLabels = new List<int>();
            for (var r = 0; r < rows.Count; r++)
            {
                if (foldOf[r] != fold)
                {
                    trainRows.Add(rows[r]);
                    trainLabels.Add(labels[r]);
                }
            }

            var fit = Train(trainRows, trainLabels, lambda);
            for (var r = 0; r < rows.Count; r++)
            {
                if (foldOf[r] == fold)
                {
                    predictions[r] = Predict(fit, rows[r]);
                }
            }
        }

        return predictions;
    }

    public static double Predict(Fit fit, ReadOnlySpan<float> row)
    {
        ArgumentNullException.ThrowIfNull(fit);
        var z = fit.Bias;
        for (var i = 0; i < row.Length; i++)
        {
            z += fit.Weights[i] * row[i];
        }

        return Sigmoid(z);
    }

    /// <summary>Class-balanced mean log-loss, the criterion for choosing the penalty.</summary>
    public static double BalancedLogLoss(IReadOnlyList<double> predictions, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(labels);
        double pos = 0, neg = 0;
        int np = 0, nn = 0;
        for (var i = 0; i < predictions.Count; i++)
        {
            var p = Math.Clamp(predictions[i], 1e-12, 1 - 1e-12);
            if (labels[i] == 1)
            {
                pos -= Math.Log(p);
                np++;
            }
            else
            {
                neg -= Math.Log(1 - p);
                nn++;
            }
        }

        return ((pos / Math.Max(1, np)) + (neg / Math.Max(1, nn))) / 2;
    }

    private static void Row(float[] features, double[] x)
    {
        for (var i = 0; i < features.Length; i++)
        {
            x[i] = features[i];
        }

        x[^1] = 1;
    }

    private static double Dot(double[] a, double[] b)
    {
        var s = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }

        return s;
    }

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    /// <summary>Solves H·x = g for a symmetric positive-definite H given by its lower triangle.</summary>
    private static double[] CholeskySolve(double[] h, double[] g, int d)
    {
        var l = new double[d * d];
        for (var i = 0; i < d; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var sum = h[(i * d) + j];
                for (var k = 0; k < j; k++)
                {
                    sum -= l[(i * d) + k] * l[(j * d) + k];
                }

                l[(i * d) + j] = i == j ? Math.Sqrt(Math.Max(sum, 1e-300)) : sum / l[(j * d) + j];
            }
        }

        var y = new double[d];
        for (var i = 0; i < d; i++)
        {
            var sum = g[i];
            for (var k = 0; k < i; k++)
            {
                sum -= l[(i * d) + k] * y[k];
            }

            y[i] = sum / l[(i * d) + i];
        }

        var result = new double[d];
        for (var i = d - 1; i >= 0; i--)
        {
            var sum = y[i];
            for (var k = i + 1; k < d; k++)
            {
                sum -= l[(k * d) + i] * result[k];
            }

            result[i] = sum / l[(i * d) + i];
        }

        return result;
    }
}
