using System.CommandLine;
using System.Text;
using System.Text.Json;
using Quell.Alerts;
using Quell.Calls;
using Quell.Configuration;
using Quell.Detection;
using Quell.Detection.Backtest;
using Quell.Ingest;
using Quell.Simulation;
using Quell.Storage.Sqlite;
using Quell.Yaml;
using Spectre.Console;

namespace Quell.Cli;

/// <summary>`quell backtest`: the live detectors over history in virtual time, to tune rules before enabling them.</summary>
public static class BacktestCommand
{
    public static Command Create()
    {
        var input = new Option<FileInfo>("--input") { Description = "JSONL of call records (eval results and feedback may be mixed in), or a timestamp,value CSV", Required = true };
        var config = new Option<string?>("--config") { Description = "quell.yaml whose detection rules to use" };
        var output = new Option<FileInfo?>("--output") { Description = "CSV input: where to write timestamp,value,anomaly_score,alert (stdout when absent)" };
        var json = new Option<bool>("--json") { Description = "JSONL input: print the alerts as JSON lines instead of a table" };
        var command = new Command("backtest", "Run the detectors over history in virtual time: alerts for call records, anomaly scores for a CSV series.") { input, config, output, json };
        command.SetAction(async (parse, ct) =>
        {
            var file = parse.GetValue(input)!;
            if (!file.Exists)
            {
                await Console.Error.WriteLineAsync($"quell backtest: file '{file.FullName}' does not exist").ConfigureAwait(false);
                return 2;
            }

            QuellConfig cfg;
            try
            {
                cfg = ConfigLoader.Load(parse.GetValue(config));
            }
            catch (ConfigException ex)
            {
                await Console.Error.WriteLineAsync($"quell backtest: {ex.Message}").ConfigureAwait(false);
                return 2;
            }

            if (IsCsv(file))
            {
                using var reader = new StreamReader(file.FullName, Encoding.UTF8);
                var target = parse.GetValue(output);
                await using var writer = target is null ? new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) : new StreamWriter(target.FullName, false, new UTF8Encoding(false));
                CsvBacktest.Run(reader, writer);
                await writer.FlushAsync(ct).ConfigureAwait(false);
                return 0;
            }

            var (calls, evals, feedback, errors) = ReadHistory(File.ReadLines(file.FullName), cfg);
            foreach (var error in errors.Take(10))
            {
                await Console.Error.WriteLineAsync($"quell backtest: {error}").ConfigureAwait(false);
            }

            var events = Backtest(calls, evals, feedback, cfg);
            if (parse.GetValue(json))
            {
                foreach (var e in events)
                {
                    await Console.Out.WriteLineAsync(JsonSerializer.Serialize(new { kind = e.Kind.ToString().ToLowerInvariant(), at = e.At, alert = e.Alert }, SqliteAlertStore.Json)).ConfigureAwait(false);
                }
            }
            else
            {
                Render(events, calls.Count, evals.Count, feedback.Count);
            }

            return 0;
        });
        return command;
    }

    /// <summary>The same detectors as the server (engine and content-findings monitor) over records in timestamp order.</summary>
    public static IReadOnlyList<AlertEvent> Backtest(IReadOnlyList<CallRecord> calls, IReadOnlyList<EvalResult> evals, IReadOnlyList<FeedbackRecord> feedback, QuellConfig config)
    {
        var events = CallBacktester.Run(calls, evals, feedback, config.Detection).ToList();
        var content = new ContentFindingsMonitor(config.ContentAlerts);
        foreach (var call in calls.OrderBy(c => c.Timestamp))
        {
            content.Observe(call);
            content.AdvanceTo(call.Timestamp);
        }

        if (calls.Count > 0)
        {
            content.AdvanceTo(calls.Max(c => c.Timestamp) + TimeSpan.FromDays(1));
        }

        events.AddRange(content.Drain());
        return events.OrderBy(e => e.At).ToList();
    }

    private static bool IsCsv(FileInfo file)
    {
        if (file.Extension.Equals(".csv", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        using var reader = new StreamReader(file.FullName);
        var first = reader.ReadLine()?.TrimStart() ?? string.Empty;
        return first.Length > 0 && first[0] != '{' && first[0] != '[';
    }

    /// <summary>
    /// Reads native JSONL history (calls, eval results with <c>suite</c>, feedback with <c>call_id</c>), priced and scanned
    /// as ingest would; bad lines are reported, not fatal.
    /// </summary>
    public static (List<CallRecord> Calls, List<EvalResult> Evals, List<FeedbackRecord> Feedback, List<string> Errors) ReadHistory(IEnumerable<string> lines, QuellConfig config)
    {
        var calls = new List<CallRecord>();
        var evals = new List<EvalResult>();
        var feedback = new List<FeedbackRecord>();
        var errors = new List<string>();
        var limits = config.Limits with { MaxFutureSkew = TimeSpan.FromDays(36500), MaxAge = TimeSpan.FromDays(36500) };
        var now = DateTimeOffset.UtcNow;
        var prices = Pricing.PriceTable.Create(config.Prices);
        var scanner = new Scanning.CallScanner(new Scanning.ContentScanner(config.Scanning));
        var line = 0;
        foreach (var text in lines)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            try
            {
                using var doc = JsonDocument.Parse(text);
                var e = doc.RootElement;
                if (e.TryGetProperty("suite", out _))
                {
                    var (r, err) = QualityInputJson.ReadEval(e, limits, now);
                    Add(r, err, evals);
                }
                else if (e.TryGetProperty("call_id", out _))
                {
                    var (r, err) = QualityInputJson.ReadFeedback(e, limits, now);
                    Add(r, err, feedback);
                }
                else
                {
                    var r = CallRecordJson.Read(e, limits, now);
                    Add(r.Record is null ? null : prices.Apply(scanner.Scan(r.Record)), r.Error, calls);
                }
            }
            catch (JsonException ex)
            {
                errors.Add($"line {line}: malformed JSON: {ex.Message}");
            }

            void Add<T>(T? record, RecordError? error, List<T> into)
                where T : class
            {
                if (record is not null)
                {
                    into.Add(record);
                }
                else
                {
                    errors.Add($"line {line}: {error!.Field}: {error.Message}");
                }
            }
        }

        return (calls, evals, feedback, errors);
    }

    private static void Render(IReadOnlyList<AlertEvent> events, int calls, int evals, int feedback)
    {
        var console = AnsiConsole.Console;
        console.MarkupLineInterpolated($"backtest over {calls:N0} calls, {evals:N0} eval results, {feedback:N0} feedback: {events.Count(e => e.Kind == AlertEventKind.Fired)} alerts fired");
        var table = new Table().AddColumns("Fired", "Resolved", "Category", "Signal", "Labels", "Observed / baseline", "Attribution");
        foreach (var fired in events.Where(e => e.Kind == AlertEventKind.Fired))
        {
            var resolved = events.FirstOrDefault(e => e.Kind == AlertEventKind.Resolved && e.Alert.Id == fired.Alert.Id);
            var a = fired.Alert;
            table.AddRow(
                a.FiredAt.ToString("yyyy-MM-dd HH:mm"),
                resolved?.At.ToString("MM-dd HH:mm") ?? "-",
                a.Category.ToString().ToLowerInvariant(),
                Markup.Escape(a.Signal),
                Markup.Escape(string.Join(" ", a.Labels.Where(l => l.Key is "feature" or "provider" or "model" or "tenant").Select(l => $"{l.Key}={l.Value}"))),
                $"{a.Observed:0.###} / {a.Baseline:0.###}",
                Markup.Escape(a.Attribution.Sentence));
        }

        console.Write(table);
    }
}
