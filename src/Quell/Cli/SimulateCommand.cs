using System.CommandLine;
using System.Text;
using System.Text.Json;
using Quell.Demo;
using Quell.Ingest;
using Quell.Simulation;
using Quell.Yaml;

namespace Quell.Cli;

/// <summary>`quell simulate`: writes the demo's simulated traffic (and scenarios) as JSONL, for backtests and load tests.</summary>
public static class SimulateCommand
{
    public static Command Create()
    {
        var output = new Option<FileInfo>("--output") { Description = "JSONL file to write", Required = true };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 7, Description = "Random seed" };
        var duration = new Option<string>("--duration") { DefaultValueFactory = _ => "2d", Description = "Simulated span" };
        var rate = new Option<double>("--rate") { DefaultValueFactory = _ => 0.5, Description = "Average user requests per simulated second" };
        var scenario = new Option<string[]>("--scenario") { Description = "Scenarios to inject (repeatable); none by default" };
        var command = new Command("simulate", "Write simulated multi-tenant AI traffic as JSONL call records (with eval results and feedback).") { output, seed, duration, rate, scenario };
        command.SetAction(async (parse, ct) =>
        {
            var span = Yaml.YamlTimeSpanConverter.ParseDuration(parse.GetValue(duration)!) ?? TimeSpan.FromDays(2);
            var sim = new SimulationOptions { Seed = parse.GetValue(seed), Duration = span, RequestsPerSecond = parse.GetValue(rate) };
            var scenarios = ScenarioCatalog.Create(parse.GetValue(scenario) ?? [], sim, []);
            if ((parse.GetValue(scenario) ?? []).Length == 0)
            {
                scenarios = [];
            }

            await using var writer = new StreamWriter(parse.GetValue(output)!.FullName, false, new UTF8Encoding(false));
            var count = 0L;
            foreach (var e in new AppSimulator(sim, scenarios).Run())
            {
                ct.ThrowIfCancellationRequested();
                var line = e switch
                {
                    SimulatedCall c => Encoding.UTF8.GetString(CallRecordJsonWriter.ToNdjson([c.Call])).TrimEnd('\n'),
                    SimulatedEvalResult r => JsonSerializer.Serialize(new Dictionary<string, object?> { ["suite"] = r.Suite, ["case"] = r.CaseId, ["passed"] = r.Passed, ["feature"] = r.Feature, ["model"] = r.Model, ["model_version"] = r.ModelVersion, ["prompt_version"] = r.PromptVersion, ["timestamp"] = r.At }),
                    SimulatedFeedback f => JsonSerializer.Serialize(new Dictionary<string, object?> { ["call_id"] = f.CallId, ["thumbs"] = f.Positive ? "up" : "down", ["feature"] = f.Feature, ["tenant"] = f.Tenant, ["model"] = f.Model, ["model_version"] = f.ModelVersion, ["prompt_version"] = f.PromptVersion, ["timestamp"] = f.At }),
                    _ => null,
                };
                if (line is not null)
                {
                    await writer.WriteLineAsync(line).ConfigureAwait(false);
                    count++;
                }
            }

            await Console.Error.WriteLineAsync($"quell simulate: wrote {count:N0} records to {parse.GetValue(output)!.FullName}").ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
