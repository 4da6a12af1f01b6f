using System.CommandLine;
using System.Net;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace Quell.Cli;

/// <summary>`quell ingest FILE`: sends a JSONL file of call records to a server in batches, with progress.</summary>
public static class IngestCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "JSONL file, one call record per line" };
        var server = new Option<string>("--server") { Description = "Quell server URL", DefaultValueFactory = _ => CliHttp.DefaultServer() };
        var batch = new Option<int>("--batch") { Description = "Records per request", DefaultValueFactory = _ => 2000 };
        var command = new Command("ingest", "Send a JSONL file of call records to a Quell server.") { file, server, batch };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                await Console.Error.WriteLineAsync($"quell ingest: file '{path.FullName}' does not exist").ConfigureAwait(false);
                return 2;
            }

            using var http = CliHttp.Create(parse.GetValue(server)!, TimeSpan.FromMinutes(2));
            var result = await SendAsync(http, path, Math.Max(1, parse.GetValue(batch)), ct).ConfigureAwait(false);
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            foreach (var error in result.Errors.Take(20))
            {
                console.MarkupLineInterpolated($"[yellow]line {error.Line}[/]: {error.Message}");
            }

            console.MarkupLineInterpolated($"accepted [green]{result.Accepted}[/], duplicates {result.Duplicates}, rejected [red]{result.Rejected}[/]");
            if (result.Failed)
            {
                await Console.Error.WriteLineAsync("quell ingest: the server refused some batches (see the errors above); nothing in them was stored; fix the cause and send the file again (duplicates are ignored)").ConfigureAwait(false);
                return CliFailure.Refused;
            }

            if (result.Rejected > 0)
            {
                await Console.Error.WriteLineAsync($"quell ingest: {result.Rejected} record(s) were rejected; fix the lines listed above and send the file again (duplicates are ignored)").ConfigureAwait(false);
                return CliFailure.Refused;
            }

            return 0;
        });
        return command;
    }

    /// <summary>Totals of one file's ingest and the first errors by line number.</summary>
    public sealed record Summary(long Accepted, long Duplicates, long Rejected, IReadOnlyList<(long Line, string Message)> Errors, bool Failed);

    public static async Task<Summary> SendAsync(HttpClient http, FileInfo path, int batchSize, CancellationToken ct)
    {
        long accepted = 0, duplicates = 0, rejected = 0;
        var errors = new List<(long, string)>();
        var failed = false;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        await console.Progress().AutoClear(false).StartAsync(async progress =>
        {
            var task = progress.AddTask($"ingest {path.Name}", maxValue: Math.Max(1, path.Length));
            using var reader = new StreamReader(path.FullName, Encoding.UTF8);
            var lines = new List<(long Line, string Text)>(batchSize);
            long lineNo = 0;
            while (true)
            {
                var line = await reader.ReadLineAsync(ct).ConfigureAwait(false);
                if (line is not null)
                {
                    lineNo++;
                    if (!string.IsNullOrWhiteSpace(line))
                    {
                        lines.Add((lineNo, line));
                    }
                }

                if (lines.Count >= batchSize || (line is null && lines.Count > 0))
                {
                    var (a, d, r, errs, ok) = await PostAsync(http, lines, ct).ConfigureAwait(false);
                    accepted += a;
                    duplicates += d;
                    rejected += r;
                    errors.AddRange(errs);
                    failed |= !ok;
                    task.Value = reader.BaseStream.Position;
                    lines.Clear();
                }

                if (line is null)
                {
                    break;
                }
            }

            task.Value = task.MaxValue;
        }).ConfigureAwait(false);
        return new Summary(accepted, duplicates, rejected, errors, failed);
    }

    private static async Task<(long, long, long, List<(long, string)>, bool)> PostAsync(HttpClient http, List<(long Line, string Text)> lines, CancellationToken ct)
    {
        var body = string.Join('\n', lines.Select(l => l.Text));
        for (var attempt = 0; ; attempt++)
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/x-ndjson");
            using var response = await http.PostAsync(new Uri("/api/v1/calls", UriKind.Relative), content, ct).ConfigureAwait(false);
            if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable && attempt < 30)
            {
                var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
                await Task.Delay(wait, ct).ConfigureAwait(false);
                continue;
            }

            var json = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            using var doc = ParseOrEmpty(json);
            var root = doc.RootElement;
            var errors = new List<(long, string)>();
            if (root.TryGetProperty("errors", out var errs) && errs.ValueKind == JsonValueKind.Array)
            {
                foreach (var e in errs.EnumerateArray())
                {
                    var index = e.TryGetProperty("index", out var ix) && ix.TryGetInt32(out var n) ? n : -1;
                    var line = index >= 0 && index < lines.Count ? lines[index].Line : -1;
                    string? Text(string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                    errors.Add((line, $"{Text("field")}: {Text("message")}"));
                }
            }

            if (!response.IsSuccessStatusCode)
            {
                var rejectedAll = response.StatusCode == HttpStatusCode.BadRequest ? lines.Count : 0;
                if (errors.Count == 0)
                {
                    errors.Add((lines[0].Line, $"HTTP {(int)response.StatusCode}: {(root.TryGetProperty("detail", out var d) ? d.GetString() : json)}"));
                }

                return (0, 0, rejectedAll, errors, response.StatusCode == HttpStatusCode.BadRequest);
            }

            return (Count(root, "accepted"), Count(root, "duplicates"), Count(root, "rejected"), errors, true);
        }
    }

    // A proxy in front of the server may answer with HTML; the status line still says what happened.
    private static JsonDocument ParseOrEmpty(string json)
    {
        try
        {
            var doc = JsonDocument.Parse(json.Length == 0 ? "{}" : json);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                return doc;
            }

            doc.Dispose();
        }
        catch (JsonException)
        {
            // Not JSON: fall through to an empty object.
        }

        return JsonDocument.Parse("{}");
    }

    private static long Count(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : 0;
}
