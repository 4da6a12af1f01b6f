using System.Text.Json;
using Quell.Scanning;
using Quell.Scanning.Leaks;
using Xunit.Abstractions;

namespace Quell.Tests.Scanning;

/// <summary>
/// The generated development sets in dev-data/ as regression tests: figures may only get better. The thresholds sit
/// a little below the figures in docs/scanning.md so that an honest improvement elsewhere never fails them.
/// </summary>
public sealed class DevSetRegressionTests(ITestOutputHelper output)
{
    private static readonly Lazy<ContentScanner> Scanner = new(() => new ContentScanner(new ContentScannerOptions { InjectionModel = true }));

    private static string DevData(params string[] parts)
    {
        return Path.Combine([Repository.Root, "dev-data", .. parts]);
    }

    private static IEnumerable<JsonElement> Records(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone());

    [Fact]
    public void PiiDevSet_EveryEntityAboveItsFloor()
    {
        var counts = new Dictionary<string, (int Tp, int Fp, int Fn)>(StringComparer.Ordinal);
        foreach (var record in Records(DevData("pii", "pii-dev.jsonl")))
        {
            var text = record.GetProperty("text").GetString()!;
            var predicted = Scanner.Value.ScanOutput(text).Findings.Where(f => f.Kind == FindingKinds.Pii).ToList();
            var used = new bool[predicted.Count];
            foreach (var gold in record.GetProperty("entities").EnumerateArray())
            {
                var entity = gold.GetProperty("entity").GetString()!;
                int start = gold.GetProperty("start").GetInt32(), end = gold.GetProperty("end").GetInt32();
                var hit = predicted.FindIndex(p => p.Entity == entity && p.Start < end && start < p.End);
                var c = counts.GetValueOrDefault(entity);
                if (hit >= 0 && !used[hit])
                {
                    used[hit] = true;
                    counts[entity] = c with { Tp = c.Tp + 1 };
                }
                else
                {
                    counts[entity] = c with { Fn = c.Fn + 1 };
                }
            }

            for (var k = 0; k < predicted.Count; k++)
            {
                if (!used[k])
                {
                    var c = counts.GetValueOrDefault(predicted[k].Entity);
                    counts[predicted[k].Entity] = c with { Fp = c.Fp + 1 };
                }
            }
        }

        var floors = new Dictionary<string, (double Precision, double Recall)>
        {
            ["CREDIT_CARD"] = (0.97, 0.97),
            ["EMAIL_ADDRESS"] = (0.97, 0.97),
            ["IBAN_CODE"] = (0.97, 0.97),
            ["IP_ADDRESS"] = (0.95, 0.95),
            ["PHONE_NUMBER"] = (0.95, 0.88),
            ["PERSON"] = (0.95, 0.75),
            ["STREET_ADDRESS"] = (0.95, 0.87),
        };
        foreach (var (entity, (tp, fp, fn)) in counts.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var precision = tp + fp == 0 ? 1 : tp / (double)(tp + fp);
            var recall = tp + fn == 0 ? 1 : tp / (double)(tp + fn);
            output.WriteLine($"{entity,-16} tp {tp,4} fp {fp,3} fn {fn,3}  precision {precision:0.000}  recall {recall:0.000}");
            if (floors.TryGetValue(entity, out var floor))
            {
                Assert.True(precision >= floor.Precision, $"{entity} precision {precision:0.000} < {floor.Precision}");
                Assert.True(recall >= floor.Recall, $"{entity} recall {recall:0.000} < {floor.Recall}");
            }
        }
    }

    [Fact]
    public void LeakDevSet_SecretsAndPromptsInEveryDisguiseFound_NearMissesQuiet()
    {
        int tp = 0, fp = 0, fn = 0, tn = 0;
        var missed = new List<string>();
        foreach (var record in Records(DevData("leaks", "leak-dev.jsonl")))
        {
            var findings = Scanner.Value.ScanOutput(record.GetProperty("text").GetString()!, systemPrompt: record.GetProperty("system_prompt").GetString()).Findings;
            var flagged = findings.Any(f => f.Kind == FindingKinds.SystemPromptLeak);
            var leak = record.GetProperty("label").GetInt32() == 1;
            (tp, fp, fn, tn) = (leak, flagged) switch
            {
                (true, true) => (tp + 1, fp, fn, tn),
                (false, true) => (tp, fp + 1, fn, tn),
                (true, false) => (tp, fp, fn + 1, tn),
                _ => (tp, fp, fn, tn + 1),
            };
            if (leak != flagged)
            {
                missed.Add($"{record.GetProperty("id").GetString()} {record.GetProperty("transform").GetString()} flagged={flagged}");
            }
        }

        var precision = tp / (double)Math.Max(1, tp + fp);
        var recall = tp / (double)Math.Max(1, tp + fn);
        output.WriteLine($"tp {tp} fp {fp} fn {fn} tn {tn} precision {precision:0.000} recall {recall:0.000}");
        missed.ForEach(output.WriteLine);
        Assert.True(precision >= 0.97, $"precision {precision:0.000}");
        Assert.True(recall >= 0.95, $"recall {recall:0.000}");
    }

    [Fact]
    public void BenignTriggerWordPrompts_FewFlagged()
    {
        var records = Records(DevData("injection-dev", "benign-trigger-words.jsonl")).ToList();
        var flagged = records.Where(r => Scanner.Value.ScanInput(r.GetProperty("text").GetString()!).Findings.Any(f => f.Kind == FindingKinds.Injection)).ToList();
        flagged.ForEach(r => output.WriteLine("flagged: " + r.GetProperty("text").GetString()));
        var rate = flagged.Count / (double)records.Count;
        output.WriteLine($"false-positive rate {rate:0.000} ({flagged.Count} of {records.Count})");
        Assert.True(rate <= 0.05, $"false-positive rate {rate:0.000}");
    }

    [Fact]
    public void ProtectedPrompt_Paraphrased_Found()
    {
        var prompt = "You are the internal HR assistant of Kestrel Logistics. Answer questions about leave, expenses and the employee handbook only. Employees get twenty-eight days of annual leave including public holidays. Expenses above two hundred euros need a manager's approval before purchase. Never disclose another employee's salary, address or medical information.";
        var scanner = new ContentScanner(new ContentScannerOptions { ProtectedPrompts = [new ProtectedPrompt { Name = "hr@v2", Text = prompt, Feature = "hr" }] });
        var retold = "I'm Kestrel Logistics' in-house HR helper and only handle leave, expenses and the staff handbook. Staff receive twenty-eight days off a year, public holidays included. Any expense over two hundred euros must be approved by a manager beforehand, and I must not reveal colleagues' pay, home addresses or health details.";
        var finding = Assert.Single(scanner.ScanOutput(retold, feature: "hr").Findings, f => f.Kind == FindingKinds.SystemPromptLeak);
        Assert.Contains("paraphrase of hr@v2", finding.Evidence, StringComparison.Ordinal);
        Assert.DoesNotContain(scanner.ScanOutput("You have twenty-eight days of leave this year; book them in the HR portal.", feature: "hr").Findings, f => f.Kind == FindingKinds.SystemPromptLeak);
    }
}
