using System.Globalization;
using System.Text;
using Quell.Scanning.Embeddings;
using Quell.Scanning.Injection;

namespace Quell.Benchmarks;

/// <summary>
/// `injection-scores [out.tsv]`: the lexical score and the model head's probability of every record of the
/// injection-dev splits, Quell's own training sets and the benign trigger-word prompts, for choosing the cascade's
/// band and decision threshold. Train-side records get out-of-fold head probabilities (the same grouped 5 folds and
/// penalty as `train-injection`); test-side records get the shipped head's probability. Embeddings share the
/// training cache.
/// </summary>
internal static class InjectionScores
{
    public static int Run(string[] args)
    {
        var root = InjectionTraining.FindRepositoryRoot();
        var output = args.Length > 0 ? args[0] : "injection-scores.tsv";
        var sets = new (string Name, string Path, bool Train)[]
        {
            ("train", Path.Combine(root, "dev-data", "injection-dev", "train.jsonl.gz"), true),
            ("own", Path.Combine(root, "src", "Quell.Core", "Scanning", "Data", "injection-training.jsonl"), true),
            ("requests", Path.Combine(root, "dev-data", "injection-dev", "benign-requests.jsonl"), true),
            ("test", Path.Combine(root, "dev-data", "injection-dev", "test.jsonl.gz"), false),
            ("trigger", Path.Combine(root, "dev-data", "injection-dev", "benign-trigger-words.jsonl"), false),
        };
        var lexical = new InjectionDetector();
        // The weights file on disk, so a freshly trained head is scored without rebuilding.
        using var headFile = File.OpenRead(Path.Combine(root, "src", "Quell.Core", "Scanning", "Data", "injection-head.json"));
        var head = LogisticHead.FromJson(headFile);
        var embedder = MiniLmEmbedder.Shared;
        var cachePath = Path.Combine(root, "bench", "Quell.Benchmarks", "obj", "injection-features.cache");
        var cache = InjectionTraining.ReadCache(cachePath);
        var rows = new List<(string Set, int Index, int Label, double Lexical, float[] Features, string Text)>();
        foreach (var (name, path, _) in sets)
        {
            var records = InjectionTraining.ReadJsonl(path);
            for (var i = 0; i < records.Count; i++)
            {
                var score = lexical.Assess(records[i].Text).Score;
                var key = InjectionTraining.CacheKey(records[i].Text);
                if (!cache.TryGetValue(key, out var features))
                {
                    features = InjectionCascade.Features(embedder, records[i].Text, score);
                    cache[key] = features;
                }

                // The cached lexical feature may come from another lexical version; the head reads the current one.
                features = (float[])features.Clone();
                features[^1] = (float)LogisticHead.LexicalFeature(score);
                rows.Add((name, i, records[i].Label, score, features, records[i].Text));
            }

            Console.Error.WriteLine($"{name}: {records.Count} records");
            InjectionTraining.WriteCache(cachePath, cache);
        }

        var low = head.Model.LexicalLow;
        var high = head.Model.LexicalHigh;
        var trainBand = rows.Where(r => sets.First(s => s.Name == r.Set).Train && r.Lexical >= low && r.Lexical < high).ToList();
        var cv = LogisticHeadTrainer.CrossValidate([.. trainBand.Select(r => r.Features)], [.. trainBand.Select(r => r.Label)], head.Model.Lambda, [.. trainBand.Select(r => InjectionTraining.FoldOf(r.Text))]);
        var outOfFold = new Dictionary<(string, int), double>();
        for (var i = 0; i < trainBand.Count; i++)
        {
            outOfFold[(trainBand[i].Set, trainBand[i].Index)] = cv[i];
        }

        var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"# route [{head.Model.RouteLow ?? low}, {head.Model.RouteHigh ?? high}) threshold {head.Model.DecisionThreshold}\n"));
        text.Append("set\tindex\tlabel\tlexical\thead\ttext\n");
        foreach (var r in rows)
        {
            var probability = head.Score(outOfFold.TryGetValue((r.Set, r.Index), out var p) ? p : head.Predict(r.Features), r.Lexical);
            var snippet = new string([.. r.Text.Where(c => !char.IsSurrogate(c)).Select(c => char.IsWhiteSpace(c) ? ' ' : c)]);
            text.Append(CultureInfo.InvariantCulture, $"{r.Set}\t{r.Index}\t{r.Label}\t{r.Lexical:R}\t{probability:R}\t{snippet[..Math.Min(120, snippet.Length)]}\n");
        }

        File.WriteAllText(output, text.ToString());
        Console.Error.WriteLine($"wrote {rows.Count} rows to {output}");
        return 0;
    }
}
