using System.CommandLine;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Quell.Cli;

/// <summary>`quell incidents list|show|ack|assign|severity|note|resolve|close`: the responder's verbs against a Quell server.</summary>
public static class IncidentsCommand
{
    private static readonly Option<string> Server = new("--server") { Description = "Quell server URL", DefaultValueFactory = _ => CliHttp.DefaultServer() };
    private static readonly Option<bool> Json = new("--json") { Description = "Print the server's JSON instead of a table" };
    private static readonly Option<string> By = new("--by") { Description = "Ignored by the server, which records the API key's name as the actor", DefaultValueFactory = _ => Environment.UserName };

    public static Command Create()
    {
        var command = new Command("incidents", "List, inspect and run incidents.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Verb("ack", "Acknowledge an incident (stops escalation).", [], _ => new JsonObject()));
        var commander = new Option<string?>("--commander") { Description = "Incident commander" };
        var assignee = new Option<string?>("--assignee") { Description = "Who works on it" };
        command.Subcommands.Add(Verb("assign", "Set the commander and/or assignee.", [commander, assignee], p => new JsonObject { ["commander"] = p.GetValue(commander), ["assignee"] = p.GetValue(assignee) }));
        var severity = new Argument<string>("severity") { Description = "S1, S2 or S3" };
        var reason = new Option<string>("--reason") { Description = "Why the severity changes", Required = true };
        command.Subcommands.Add(Verb("severity", "Override the severity, with a reason.", [severity, reason], p => new JsonObject { ["severity"] = p.GetValue(severity), ["reason"] = p.GetValue(reason) }));
        var text = new Argument<string>("text") { Description = "The note" };
        command.Subcommands.Add(Verb("note", "Add a note to the timeline.", [text], p => new JsonObject { ["text"] = p.GetValue(text) }));
        var note = new Option<string?>("--note") { Description = "Optional note for the timeline" };
        command.Subcommands.Add(Verb("resolve", "Resolve (move to monitoring; notifies everyone paged).", [note], p => new JsonObject { ["note"] = p.GetValue(note) }));
        var closeNote = new Option<string?>("--note") { Description = "Optional note for the timeline" };
        command.Subcommands.Add(Verb("close", "Close a resolved incident.", [closeNote], p => new JsonObject { ["note"] = p.GetValue(closeNote) }));
        var to = new Argument<string>("state") { Description = "acknowledged, mitigating, investigating, fixing, monitoring, postmortem, closed" };
        var transitionNote = new Option<string?>("--note") { Description = "Optional note for the timeline" };
        command.Subcommands.Add(Verb("transition", "Move an incident to another state.", [to, transitionNote], p => new JsonObject { ["to"] = p.GetValue(to), ["note"] = p.GetValue(transitionNote) }));
        return command;
    }

    private static Command List()
    {
        var state = new Option<string?>("--state") { Description = "Only incidents in this state" };
        var severity = new Option<string?>("--severity") { Description = "Only this severity (S1, S2, S3)" };
        var category = new Option<string?>("--category") { Description = "Only this category" };
        var command = new Command("list", "List incidents, newest first.") { Server, Json, state, severity, category };
        command.SetAction(async (p, ct) =>
        {
            var query = string.Join('&', new[] { ("state", p.GetValue(state)), ("severity", p.GetValue(severity)), ("category", p.GetValue(category)) }
                .Where(q => q.Item2 is not null).Select(q => $"{q.Item1}={Uri.EscapeDataString(q.Item2!)}"));
            return await RequestAsync(p.GetValue(Server)!, HttpMethod.Get, $"/api/v1/incidents{(query.Length > 0 ? "?" + query : string.Empty)}", null, p.GetValue(Json), RenderList, ct).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Show()
    {
        var id = new Argument<string>("id") { Description = "Incident id" };
        var command = new Command("show", "Show an incident with its timeline and notifications.") { id, Server, Json };
        command.SetAction((p, ct) => RequestAsync(p.GetValue(Server)!, HttpMethod.Get, $"/api/v1/incidents/{Uri.EscapeDataString(p.GetValue(id)!)}", null, p.GetValue(Json), RenderDetail, ct));
        return command;
    }

    private static Command Verb(string name, string description, Symbol[] extra, Func<ParseResult, JsonObject> body)
    {
        var id = new Argument<string>("id") { Description = "Incident id" };
        var command = new Command(name, description) { id, Server, Json, By };
        foreach (var symbol in extra)
        {
            switch (symbol)
            {
                case Argument a:
                    command.Arguments.Add(a);
                    break;
                case Option o:
                    command.Options.Add(o);
                    break;
            }
        }

        command.SetAction(async (p, ct) =>
        {
            var json = body(p);
            json["by"] = p.GetValue(By);
            var path = $"/api/v1/incidents/{Uri.EscapeDataString(p.GetValue(id)!)}";
            var before = p.GetValue(Json) ? null : await QuietGetAsync(p.GetValue(Server)!, path, ct).ConfigureAwait(false);
            return await RequestAsync(p.GetValue(Server)!, HttpMethod.Post, $"{path}/{name}", json, p.GetValue(Json), after => RenderChange(before, after), ct).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>The incident as it is before a command, to show what the command changed; null when it cannot be read.</summary>
    private static async Task<JsonElement?> QuietGetAsync(string server, string path, CancellationToken ct)
    {
        try
        {
            // The same key as the command itself: without it the read is refused and the whole incident is printed.
            using var http = CliHttp.Create(server, TimeSpan.FromSeconds(30));
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative), ct).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)).RootElement.Clone() : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>What a command changed: the fields that moved and the timeline entries it added, not the whole incident.</summary>
    private static void RenderChange(JsonElement? before, JsonElement after)
    {
        if (before is not { } b)
        {
            RenderDetail(after);
            return;
        }

        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(S(after, "id"))}[/] {SeverityMarkup(S(after, "severity"))} [bold]{Markup.Escape(S(after, "title"))}[/]");
        foreach (var key in new[] { "state", "severity", "commander", "assignee", "severity_reason" })
        {
            if (S(b, key) != S(after, key))
            {
                AnsiConsole.MarkupLine($"  [grey]{key}[/] {Markup.Escape(S(b, key) is { Length: > 0 } was ? was : "-")} → {Markup.Escape(S(after, key) is { Length: > 0 } now ? now : "-")}");
            }
        }

        var seen = b.TryGetProperty("timeline", out var t) ? t.GetArrayLength() : 0;
        if (after.TryGetProperty("timeline", out var timeline))
        {
            foreach (var e in timeline.EnumerateArray().Skip(seen))
            {
                AnsiConsole.MarkupLine($"  [grey]{Markup.Escape(When(S(e, "at")))}[/] {Markup.Escape(S(e, "kind"))}: {Markup.Escape(S(e, "message"))}");
            }
        }
    }

    private static Task<int> RequestAsync(string server, HttpMethod method, string path, JsonObject? body, bool json, Action<JsonElement> render, CancellationToken ct) =>
        ServerRequest.SendAsync("incidents", server, method, path, body?.ToJsonString(), text =>
        {
            if (json)
            {
                Console.Out.WriteLine(text);
                return;
            }

            using var doc = JsonDocument.Parse(text);
            render(doc.RootElement);
        }, TimeSpan.FromSeconds(30), ct);

    private static void RenderList(JsonElement list)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("id", "sev", "state", "category", "title", "commander", "detected");
        foreach (var i in list.EnumerateArray())
        {
            table.AddRow(
                Markup.Escape(S(i, "id")),
                SeverityMarkup(S(i, "severity")),
                Markup.Escape(S(i, "state").ToLowerInvariant()),
                Markup.Escape(S(i, "category")),
                Markup.Escape(Clip(S(i, "title"), 60)),
                Markup.Escape(S(i, "commander")),
                Markup.Escape(When(S(i, "detected_at"))));
        }

        AnsiConsole.Write(table);
    }

    private static void RenderDetail(JsonElement i)
    {
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(S(i, "id"))}[/] {SeverityMarkup(S(i, "severity"))} [bold]{Markup.Escape(S(i, "title"))}[/]");
        var facts = new Grid().AddColumn().AddColumn();
        foreach (var (label, key) in new[] { ("state", "state"), ("category", "category"), ("severity reason", "severity_reason"), ("attribution", "attribution"), ("commander", "commander"), ("assignee", "assignee"), ("detected", "detected_at"), ("suppressed by", "suppressed_by") })
        {
            if (S(i, key) is { Length: > 0 } v)
            {
                facts.AddRow($"[grey]{label}[/]", Markup.Escape(v));
            }
        }

        AnsiConsole.Write(facts);
        if (i.TryGetProperty("timeline", out var timeline))
        {
            var table = new Table().Border(TableBorder.Simple).Title("timeline").AddColumns("at", "kind", "actor", "message");
            foreach (var e in timeline.EnumerateArray())
            {
                table.AddRow(Markup.Escape(When(S(e, "at"))), Markup.Escape(S(e, "kind")), Markup.Escape(S(e, "actor")), Markup.Escape(S(e, "message")));
            }

            AnsiConsole.Write(table);
        }

        if (i.TryGetProperty("notifications", out var notifications) && notifications.GetArrayLength() > 0)
        {
            var table = new Table().Border(TableBorder.Simple).Title("notifications").AddColumns("id", "channel", "action", "status", "attempts", "text");
            foreach (var n in notifications.EnumerateArray())
            {
                table.AddRow(Markup.Escape(S(n, "id")), Markup.Escape(S(n, "channel")), Markup.Escape(S(n, "action")), Markup.Escape(S(n, "status")), S(n, "attempts"), Markup.Escape(Clip(S(n, "text"), 70)));
            }

            AnsiConsole.Write(table);
        }
    }

    private static string SeverityMarkup(string s) => s switch
    {
        "S1" => "[white on red] S1 [/]",
        "S2" => "[black on yellow] S2 [/]",
        _ => $"[grey]{Markup.Escape(s)}[/]",
    };

    private static string S(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.ValueKind switch
    {
        JsonValueKind.String => v.GetString()!,
        JsonValueKind.Null or JsonValueKind.Undefined => string.Empty,
        _ => v.GetRawText(),
    } : string.Empty;

    private static string When(string iso) =>
        DateTimeOffset.TryParse(iso, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var t)
            ? t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)
            : iso;

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
