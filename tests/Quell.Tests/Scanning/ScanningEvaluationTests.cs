using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Quell.Scanning;
using Quell.Scanning.Injection;
using Xunit.Abstractions;

namespace Quell.Tests.Scanning;

/// <summary>
/// Precision and recall of every scanner on a labelled evaluation set (Data/scanning-eval.jsonl) that shares no text
/// with the classifier's training set. The table printed here is the one recorded in docs/scanning.md.
/// </summary>
public sealed class ScanningEvaluationTests(ITestOutputHelper output)
{
    private const double MinPrecision = 0.95;
    private const double MinRecall = 0.8;
    private const string InjectionRow = "INJECTION";

    [Fact]
    public void Evaluate_LabelledSet_MeetsPrecisionAndRecallTargets()
    {
        var scanner = new ContentScanner();
        var counts = new SortedDictionary<string, Counts>(StringComparer.Ordinal);
        foreach (var record in LoadEvaluationSet())
        {
            if (record.IsInput)
            {
                var flagged = scanner.ScanInput(record.Text).InjectionScore >= scanner.Options.InjectionThreshold;
                Tally(counts, InjectionRow, expected: record.IsInjection, predicted: flagged, record.Text);
                continue;
            }

            var findings = scanner.ScanOutput(record.Text).Findings.Where(f => f.Kind is FindingKinds.Pii or FindingKinds.Secret).ToList();
            var matched = new HashSet<ScanFinding>();
            foreach (var (entity, value) in record.Expected)
            {
                var start = record.Text.IndexOf(value, StringComparison.Ordinal);
                var end = start + value.Length;
                var hit = findings.FirstOrDefault(f => f.Entity == entity && f.Start < end && start < f.End);
                if (hit is not null)
                {
                    matched.Add(hit);
                }

                Tally(counts, entity, expected: true, predicted: hit is not null, record.Text);
            }

            foreach (var extra in findings.Where(f => !matched.Contains(f)))
            {
                Tally(counts, extra.Entity, expected: false, predicted: true, $"{record.Text[extra.Start..extra.End]} in: {record.Text}");
            }
        }

        output.WriteLine(FormatTable(counts));
        foreach (var (entity, c) in counts)
        {
            Assert.True(c.Precision >= MinPrecision, $"{entity} precision {c.Precision:F3}; false positives: {string.Join(" | ", c.FalsePositives)}");
            Assert.True(c.Recall >= MinRecall, $"{entity} recall {c.Recall:F3}; missed: {string.Join(" | ", c.Missed)}");
        }
    }

    [Fact]
    public void EvaluationSet_SharesNoTextWithTrainingSet()
    {
        var training = InjectionClassifier.LoadShippedTrainingSet().Select(t => t.Text).ToHashSet(StringComparer.Ordinal);
        Assert.DoesNotContain(LoadEvaluationSet(), r => training.Contains(r.Text));
    }

    private static void Tally(SortedDictionary<string, Counts> counts, string entity, bool expected, bool predicted, string example)
    {
        if (!counts.TryGetValue(entity, out var c))
        {
            counts[entity] = c = new Counts();
        }

        switch (expected, predicted)
        {
            case (true, true):
                c.TruePositives++;
                break;
            case (true, false):
                c.Missed.Add(example);
                break;
            case (false, true):
                c.FalsePositives.Add(example);
                break;
            default:
                c.TrueNegatives++;
                break;
        }
    }

    private static string FormatTable(SortedDictionary<string, Counts> counts)
    {
        var table = new StringBuilder();
        table.AppendLine("| entity | support | TP | FP | FN | precision | recall |");
        table.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (entity, c) in counts)
        {
            table.AppendLine(CultureInfo.InvariantCulture, $"| {entity} | {c.TruePositives + c.Missed.Count} | {c.TruePositives} | {c.FalsePositives.Count} | {c.Missed.Count} | {c.Precision:F3} | {c.Recall:F3} |");
        }

        return table.ToString();
    }

    internal static IReadOnlyList<EvaluationRecord> LoadEvaluationSet([CallerFilePath] string thisFile = "")
    {
        var path = Path.Combine(Path.GetDirectoryName(thisFile)!, "Data", "scanning-eval.jsonl");
        var records = new List<EvaluationRecord>();
        foreach (var line in File.ReadLines(path).Where(l => l.Length > 0))
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            var expected = root.TryGetProperty("entities", out var entities)
                ? entities.EnumerateArray().Select(e => (e.GetProperty("entity").GetString()!, e.GetProperty("value").GetString()!)).ToArray()
                : [];
            records.Add(new EvaluationRecord(
                root.GetProperty("text").GetString()!,
                root.GetProperty("kind").GetString() == "input",
                root.TryGetProperty("injection", out var injection) && injection.GetBoolean(),
                expected));
        }

        return records;
    }

    internal sealed record EvaluationRecord(string Text, bool IsInput, bool IsInjection, IReadOnlyList<(string Entity, string Value)> Expected);

    private sealed class Counts
    {
        public int TruePositives { get; set; }

        public int TrueNegatives { get; set; }

        public List<string> FalsePositives { get; } = [];

        public List<string> Missed { get; } = [];

        public double Precision => TruePositives + FalsePositives.Count == 0 ? 1 : (double)TruePositives / (TruePositives + FalsePositives.Count);

        public double Recall => TruePositives + Missed.Count == 0 ? 1 : (double)TruePositives / (TruePositives + Missed.Count);
    }
}
