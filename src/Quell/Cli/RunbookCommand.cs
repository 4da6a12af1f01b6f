using System.CommandLine;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Spectre.Console;

namespace Quell.Cli;

/// <summary>`quell runbook show|run ID`: the runbook that attaches to an alert or incident, and its automated findings.</summary>
public static class RunbookCommand
{
    public static Command Create()
    {
        var command = new Command("runbook", "Show or run the runbook of an alert or incident.");
        command.Subcommands.Add(Verb("show", "Print the runbook's steps."));
        command.Subcommands.Add(Verb("run", "Run the automated steps now and print the findings (mitigations are only proposed)."));
        return command;
    }

    private static Command Verb(string name, string description)
    {
        var id = new Argument<string>("id") { Description = "Alert id, or incident id together with --category and --onset" };
        var server = new Option<string>("--server") { Description = "Quell server URL", DefaultValueFactory = _ => CliHttp.DefaultServer() };
        var category = new Option<string?>("--category") { Description = "quality, latency, cost, data or abuse (for incident ids)" };
        var signal = new Option<string?>("--signal") { Description = "Signal, e.g. pii_leak, to pick among runbooks of a category" };
        var feature = new Option<string?>("--feature") { Description = "Feature the incident hits" };
        var onset = new Option<string?>("--onset") { Description = "Onset time, RFC 3339 (for incident ids)" };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table" };
        var verb = new Command(name, description) { id, server, category, signal, feature, onset, json };
        verb.SetAction(async (parse, ct) =>
        {
            using var http = CliHttp.Create(parse.GetValue(server)!, TimeSpan.FromMinutes(5));
            var target = new Target(parse.GetValue(id)!, parse.GetValue(category), parse.GetValue(signal), parse.GetValue(feature), parse.GetValue(onset));
            return await RunAsync(http, name, target, parse.GetValue(json), Console.Out, Console.Error, ct).ConfigureAwait(false);
        });
        return verb;
    }

    /// <summary>What the runbook is for: an alert id, or an incident id with its category and onset.</summary>
    internal sealed record Target(string Id, string? Category, string? Signal, string? Feature, string? Onset);

    internal static async Task<int> RunAsync(HttpClient http, string verb, Target target, bool json, TextWriter output, TextWriter errors, CancellationToken ct)
    {
        using var alertResponse = await http.GetAsync($"/api/v1/alerts/{Uri.EscapeDataString(target.Id)}", ct).ConfigureAwait(false);
        var isAlert = alertResponse.StatusCode == HttpStatusCode.OK;
        if (!isAlert && (target.Category is null || target.Onset is null))
        {
            // An incident id: its category, signal, feature and onset come from the incident record.
            using var incidentResponse = await http.GetAsync($"/api/v1/incidents/{Uri.EscapeDataString(target.Id)}", ct).ConfigureAwait(false);
            if (incidentResponse.StatusCode == HttpStatusCode.OK)
            {
                using var incident = JsonDocument.Parse(await incidentResponse.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
                var i = incident.RootElement;
                var labels = i.TryGetProperty("labels", out var l) && l.ValueKind == JsonValueKind.Object ? l : default;
                target = target with
                {
                    Category = target.Category ?? Str(i, "category"),
                    Signal = target.Signal ?? (labels.ValueKind == JsonValueKind.Object ? Str(labels, "signal") : null),
                    Feature = target.Feature ?? (Str(i, "feature") is { Length: > 0 } f ? f : null),
                    Onset = target.Onset ?? (Str(i, "onset_at") is { Length: > 0 } o ? o : Str(i, "detected_at")),
                };
            }
            else if (target.Category is null || (verb == "run" && target.Onset is null))
            {
                await errors.WriteLineAsync($"quell runbook: '{target.Id}' is neither a known alert nor a known incident; for an incident on another server pass --category and --onset").ConfigureAwait(false);
                return 2;
            }
        }

        HttpResponseMessage response;
        if (verb == "show")
        {
            var query = isAlert ? $"alert_id={Uri.EscapeDataString(target.Id)}" : $"category={Uri.EscapeDataString(target.Category!)}&signal={Uri.EscapeDataString(target.Signal ?? "")}";
            response = await http.GetAsync($"/api/v1/runbooks?{query}", ct).ConfigureAwait(false);
        }
        else
        {
            object body = isAlert
                ? new Dictionary<string, string?> { ["alert_id"] = target.Id, ["feature"] = target.Feature }
                : new Dictionary<string, string?> { ["incident_id"] = target.Id, ["category"] = target.Category, ["signal"] = target.Signal, ["feature"] = target.Feature, ["onset"] = target.Onset };
            response = await http.PostAsJsonAsync("/api/v1/runbooks/run", body, ct).ConfigureAwait(false);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                await errors.WriteLineAsync($"quell runbook: HTTP {(int)response.StatusCode}: {text}").ConfigureAwait(false);
                return 1;
            }

            if (json)
            {
                await output.WriteLineAsync(text).ConfigureAwait(false);
                return 0;
            }

            using var doc = JsonDocument.Parse(text);
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Interactive = InteractionSupport.No });
            if (!ReferenceEquals(output, Console.Out))
            {
                console.Profile.Width = 200;
            }

            var root = doc.RootElement;
            var table = new Table().Title(Markup.Escape(Str(root, "title") is { Length: > 0 } title ? title : "runbook"));
            if (verb == "show")
            {
                table.AddColumns("#", "step", "kind", "what");
                var i = 1;
                foreach (var step in root.GetProperty("steps").EnumerateArray())
                {
                    table.AddRow((i++).ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(Str(step, "title")), Str(step, "kind"), Markup.Escape(Str(step, "check") is { Length: > 0 } c ? c : Str(step, "mitigation") is { Length: > 0 } m ? $"propose {m}" : Str(step, "description")));
                }
            }
            else
            {
                table.AddColumns("step", "status", "finding");
                foreach (var f in root.GetProperty("findings").EnumerateArray())
                {
                    var status = Str(f, "status");
                    var color = status switch { "attention" => "red", "ok" => "green", "proposed" => "yellow", _ => "grey" };
                    table.AddRow(Markup.Escape(Str(f, "title")), $"[{color}]{status}[/]", Markup.Escape(Str(f, "summary")));
                }
            }

            console.Write(table);
            return 0;
        }
    }

    private static string Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
}
