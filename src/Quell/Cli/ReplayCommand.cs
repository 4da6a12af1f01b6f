using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using Spectre.Console;

namespace Quell.Cli;

/// <summary>`quell replay --target URL [--pin model=…]`: re-sends stored calls and compares the answers side by side.</summary>
public static class ReplayCommand
{
    public static Command Create()
    {
        var incident = new Option<string?>("--incident") { Description = "Incident whose calls to replay" };
        var alert = new Option<string?>("--alert") { Description = "Alert whose example and nearby calls to replay" };
        var feature = new Option<string?>("--feature") { Description = "Replay calls of this feature (with --from/--to)" };
        var from = new Option<string?>("--from") { Description = "Start of the window, RFC 3339" };
        var to = new Option<string?>("--to") { Description = "End of the window, RFC 3339" };
        var target = new Option<string>("--target") { Description = "OpenAI-compatible base URL, or the application's endpoint with --template", Required = true };
        var template = new Option<string?>("--template") { Description = "JSON request body with {{input}}, {{system_prompt}}, {{model}} placeholders" };
        var outputPath = new Option<string?>("--output-path") { Description = "Dotted path to the answer in the template target's JSON reply" };
        var pin = new Option<string[]>("--pin") { Description = "Version pin, e.g. model=gpt-4o-2024-08-06 (repeatable)", AllowMultipleArgumentsPerToken = true };
        var limit = new Option<int>("--limit") { Description = "Most calls to replay", DefaultValueFactory = _ => 20 };
        var server = new Option<string>("--server") { Description = "Quell server URL", DefaultValueFactory = _ => CliHttp.DefaultServer() };
        var json = new Option<bool>("--json") { Description = "Print the JSON report" };
        var command = new Command("replay", "Replay stored calls against a target with a version pin and compare the answers.")
        {
            incident, alert, feature, from, to, target, template, outputPath, pin, limit, server, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var pins = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in parse.GetValue(pin) ?? [])
            {
                var eq = p.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    await Console.Error.WriteLineAsync($"quell replay: --pin '{p}' must look like model=NAME").ConfigureAwait(false);
                    return 2;
                }

                pins[p[..eq]] = p[(eq + 1)..];
            }

            var body = new Dictionary<string, object?>
            {
                ["incident_id"] = parse.GetValue(incident),
                ["alert_id"] = parse.GetValue(alert),
                ["feature"] = parse.GetValue(feature),
                ["from"] = parse.GetValue(from),
                ["to"] = parse.GetValue(to),
                ["target"] = parse.GetValue(target),
                ["target_kind"] = parse.GetValue(template) is null ? "openai" : "template",
                ["template"] = parse.GetValue(template),
                ["output_path"] = parse.GetValue(outputPath),
                ["pin"] = pins,
                ["limit"] = parse.GetValue(limit),
            };
            using var http = CliHttp.Create(parse.GetValue(server)!, TimeSpan.FromMinutes(10));
            return await RunAsync(http, body, parse.GetValue(json), Console.Out, Console.Error, ct).ConfigureAwait(false);
        });
        return command;
    }

    internal static async Task<int> RunAsync(HttpClient http, Dictionary<string, object?> body, bool json, TextWriter output, TextWriter errors, CancellationToken ct)
    {
        var clean = body.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value);
        using var response = await http.PostAsJsonAsync("/api/v1/replay", clean, ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            await errors.WriteLineAsync($"quell replay: HTTP {(int)response.StatusCode}: {text}").ConfigureAwait(false);
            return 1;
        }

        if (json)
        {
            await output.WriteLineAsync(text).ConfigureAwait(false);
            return 0;
        }

        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Interactive = InteractionSupport.No });
        if (!ReferenceEquals(output, Console.Out))
        {
            console.Profile.Width = 200;
        }

        var table = new Table().Title($"replay against {Markup.Escape(root.GetProperty("target").GetString() ?? "")}").AddColumns("call", "original", "replayed", "similarity", "scanner changes");
        foreach (var item in root.GetProperty("items").EnumerateArray())
        {
            string S(string n) => item.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
            var gone = item.GetProperty("gone").EnumerateArray().Select(x => "-" + x.GetString());
            var added = item.GetProperty("new").EnumerateArray().Select(x => "+" + x.GetString());
            var replayed = S("error") is { Length: > 0 } err ? "error: " + err : S("replayed");
            table.AddRow(Markup.Escape(S("call_id")), Markup.Escape(Clip(S("original"))), Markup.Escape(Clip(replayed)), item.GetProperty("similarity").GetDouble().ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(string.Join(" ", gone.Concat(added))));
        }

        console.Write(table);
        console.MarkupLineInterpolated($"replayed {root.GetProperty("replayed").GetInt32()}, differing {root.GetProperty("differing").GetInt32()}, mean similarity {root.GetProperty("mean_similarity").GetDouble():0.00}");
        static string? Number(JsonElement root, string name, string unit) =>
            root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble().ToString("#,0.#", System.Globalization.CultureInfo.InvariantCulture) + unit : null;
        if (Number(root, "original_median_latency_ms", " ms") is { } before && Number(root, "replayed_median_latency_ms", " ms") is { } after)
        {
            console.MarkupLineInterpolated($"median latency {before} originally, {after} replayed");
        }

        if (Number(root, "original_tokens", " tokens") is { } spent && Number(root, "replayed_tokens", " tokens") is { } replayedTokens)
        {
            console.MarkupLineInterpolated($"{spent} originally, {replayedTokens} replayed");
        }

        return 0;
    }

    private static string Clip(string s) => s.Length <= 60 ? s : s[..57] + "...";
}
