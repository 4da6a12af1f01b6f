using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Quell.Cli;

/// <summary>`quell postmortem show|edit|export`, `quell search TEXT` and `quell report`: learning from incidents.</summary>
public static class PostmortemCommand
{
    private static readonly HashSet<string> ListFields = new(StringComparer.Ordinal) { "went_well", "went_badly", "structural_changes", "similar_incidents" };

    public static Command Create()
    {
        var command = new Command("postmortem", "Show, edit and export an incident's blameless post-mortem.");
        var server = ServerRequest.ServerOption();
        var id = new Argument<string>("id") { Description = "Incident id" };
        var show = new Command("show", "Show the latest version (drafted from the incident record if none exists) as Markdown.") { id, server };
        show.SetAction((p, ct) => ServerRequest.SendAsync("postmortem show", p.GetValue(server)!, HttpMethod.Get, $"/api/v1/postmortems/{ServerRequest.Esc(p.GetValue(id))}/export", null, null, ct));
        command.Subcommands.Add(show);

        var exportId = new Argument<string>("id") { Description = "Incident id" };
        var output = new Option<FileInfo?>("--output") { Description = "Write the Markdown to this file instead of stdout" };
        var export = new Command("export", "Export the post-mortem as Markdown.") { exportId, server, output };
        export.SetAction(async (p, ct) =>
        {
            var file = p.GetValue(output);
            return await ServerRequest.SendAsync("postmortem export", p.GetValue(server)!, HttpMethod.Get, $"/api/v1/postmortems/{ServerRequest.Esc(p.GetValue(exportId))}/export", null, md =>
            {
                if (file is null)
                {
                    return md;
                }

                File.WriteAllText(file.FullName, md);
                return $"wrote {file.FullName}";
            }, ct).ConfigureAwait(false);
        });
        command.Subcommands.Add(export);
        command.Subcommands.Add(Edit(server));
        return command;
    }

    public static Command Search()
    {
        var server = ServerRequest.ServerOption();
        var text = new Argument<string?>("text") { Description = "Words to look for in past incidents and post-mortems, or an incident id with --similar", Arity = ArgumentArity.ZeroOrOne };
        var similar = new Option<string?>("--similar") { Description = "Incident id: past incidents like it, with why each was chosen" };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var command = new Command("search", "Full-text search across incidents and post-mortems (BM25), or incidents similar to one.") { text, server, similar, json };
        command.SetAction((p, ct) =>
        {
            var raw = p.GetValue(json);
            var given = p.GetValue(text);
            var id = p.GetValue(similar) ?? (given is not null && given.StartsWith("inc-", StringComparison.Ordinal) && !given.Contains(' ', StringComparison.Ordinal) ? given : null);
            if (id is not null)
            {
                return ServerRequest.SendAsync("search", p.GetValue(server)!, HttpMethod.Get, $"/api/v1/search?similar_to={ServerRequest.Esc(id)}", null, raw ? null : RenderSimilar, ct);
            }

            return ServerRequest.SendAsync("search", p.GetValue(server)!, HttpMethod.Get, $"/api/v1/search?q={ServerRequest.Esc(p.GetValue(text))}", null, raw ? null : RenderHits, ct);
        });
        return command;
    }

    public static Command Report()
    {
        var server = ServerRequest.ServerOption();
        var from = new Option<string?>("--from") { Description = "Start (RFC 3339 or yyyy-MM-dd); default 30 days ago" };
        var to = new Option<string?>("--to") { Description = "End; default now" };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var csv = new Option<bool>("--csv") { Description = "Print one row per category and severity as CSV, ready for a chart" };
        var command = new Command("report", "Incidents per category and severity with MTTD, MTTA, MTTM and MTTR, recurrences and open action items.") { server, from, to, json, csv };
        command.SetAction((p, ct) =>
        {
            var q = string.Join('&', new[] { ("from", p.GetValue(from)), ("to", p.GetValue(to)) }.Where(x => x.Item2 is not null).Select(x => $"{x.Item1}={ServerRequest.Esc(x.Item2)}"));
            Func<string, string>? render = p.GetValue(json) ? null : p.GetValue(csv) ? ReportView.Csv : ReportView.Table;
            return ServerRequest.SendAsync("report", p.GetValue(server)!, HttpMethod.Get, "/api/v1/report" + (q.Length > 0 ? "?" + q : string.Empty), null, render, ct);
        });
        return command;
    }

    private static Command Edit(Option<string> server)
    {
        var id = new Argument<string>("id") { Description = "Incident id" };
        var file = new Option<FileInfo?>("--file") { Description = "A JSON object of fields to replace (summary, root_cause, went_well, action_items, status, …)" };
        var set = new Option<string[]>("--set") { Description = "field=value for a text field, e.g. --set root_cause=\"...\" (repeatable)", AllowMultipleArgumentsPerToken = true };
        var status = new Option<string?>("--status") { Description = "draft, review or published" };
        var action = new Option<string?>("--add-action") { Description = "Add an action item" };
        var owner = new Option<string?>("--owner") { Description = "Owner of the added action item" };
        var due = new Option<string?>("--due") { Description = "Due date of the added action item (yyyy-MM-dd)" };
        var done = new Option<string?>("--done") { Description = "Mark this action item id done" };
        var by = new Option<string>("--by") { Description = "Ignored by the server, which records the API key's name as the editor", DefaultValueFactory = _ => Environment.UserName };
        var command = new Command("edit", "Edit the post-mortem; every edit is stored as a new version.") { id, server, file, set, status, action, owner, due, done, by };
        command.SetAction(async (p, ct) =>
        {
            var serverUrl = p.GetValue(server)!;
            var path = $"/api/v1/postmortems/{ServerRequest.Esc(p.GetValue(id))}";
            var body = p.GetValue(file) is { } f ? JsonNode.Parse(await File.ReadAllTextAsync(f.FullName, ct).ConfigureAwait(false))!.AsObject() : [];
            foreach (var kv in p.GetValue(set) ?? [])
            {
                var eq = kv.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    await Console.Error.WriteLineAsync($"quell postmortem edit: --set expects field=value, got '{kv}'").ConfigureAwait(false);
                    return 2;
                }

                // List fields take one item per --set; repeating the field adds items.
                var field = kv[..eq];
                if (ListFields.Contains(field))
                {
                    (body[field] as JsonArray ?? (JsonArray)(body[field] = new JsonArray())).Add(kv[(eq + 1)..]);
                }
                else
                {
                    body[field] = kv[(eq + 1)..];
                }
            }

            if (p.GetValue(status) is { } s)
            {
                body["status"] = s;
            }

            if (p.GetValue(action) is not null || p.GetValue(done) is not null)
            {
                using var http = CliHttp.Create(serverUrl);
                var current = JsonNode.Parse(await http.GetStringAsync(new Uri(path, UriKind.Relative), ct).ConfigureAwait(false))!["action_items"]!.AsArray();
                var items = new JsonArray(current.Select(a => a!.DeepClone()).ToArray());
                foreach (var item in items.Where(a => a!["id"]?.GetValue<string>() == p.GetValue(done)))
                {
                    item!["status"] = "done";
                }

                if (p.GetValue(action) is { } text)
                {
                    items.Add(new JsonObject { ["id"] = $"a{items.Count + 1}", ["text"] = text, ["owner"] = p.GetValue(owner), ["due_at"] = p.GetValue(due) is { } d ? $"{d}T00:00:00Z" : null, ["status"] = "open" });
                }

                body["action_items"] = items;
            }

            body["updated_by"] = p.GetValue(by);
            return await ServerRequest.SendAsync("postmortem edit", serverUrl, HttpMethod.Put, path, body.ToJsonString(), json => $"saved version {JsonDocument.Parse(json).RootElement.GetProperty("version").GetInt32()}", ct).ConfigureAwait(false);
        });
        return command;
    }

    private static string RenderSimilar(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var lines = doc.RootElement.EnumerateArray().Select(h =>
            $"{h.GetProperty("id").GetString(),-28} {h.GetProperty("score").GetDouble().ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)}  {string.Join("; ", h.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()))}").ToList();
        return lines.Count == 0 ? "no similar past incidents" : string.Join('\n', lines);
    }

    private static string RenderHits(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var lines = doc.RootElement.EnumerateArray().Select(h => $"{h.GetProperty("kind").GetString(),-10} {h.GetProperty("id").GetString(),-24} {h.GetProperty("title").GetString()}\n           {h.GetProperty("snippet").GetString()}").ToList();
        return lines.Count == 0 ? "no matches" : string.Join('\n', lines);
    }
}
