using Quell.Response;
using Spectre.Console;

namespace Quell.Demo;

/// <summary>The demo's closing tables: usage per feature, model and tenant, and scenario outcomes.</summary>
public static class DemoSummaryView
{
    public static void Render(IAnsiConsole console, DemoReport report)
    {
        console.MarkupLineInterpolated($"[bold]{report.Calls:N0}[/] calls stored, [bold]${report.CostUsd:N2}[/], {report.InputTokens:N0} input and {report.OutputTokens:N0} output tokens; ingest {report.Ingest.CallsPerSecond:N0} calls/s");
        Usage(console, "Feature", report.ByFeature);
        Usage(console, "Model", report.ByModel);
        Usage(console, "Tenant (top 10)", report.ByTenant.Take(10).ToList());
        if (report.Scenarios.Count > 0)
        {
            console.Write(new Rule("Scenarios"));
            foreach (var s in report.Scenarios)
            {
                var detected = s.Detected ? $"[green]detected[/] after {s.DelaySeconds:0}s as {Markup.Escape(s.DetectedCategory ?? "?")}" : "[red]missed[/]";
                console.MarkupLine($"[bold]{Markup.Escape(s.Name)}[/] at {s.Onset:MM-dd HH:mm}: {detected}");
                Line(console, "attribution", s.Attribution);
                Line(console, "incident", s.IncidentId is null ? null : $"{s.IncidentId} {s.Severity}; {string.Join("; ", s.Paged.Take(2))}");
                Line(console, "investigation", s.TopChange is null ? null : $"ranked first {s.TopChange}{(s.TopChangeCorrect == true ? " (the change the scenario made)" : string.Empty)}");
                Line(console, "mitigation", s.Mitigation is { } m ? $"{m.Description} ({(m.Auto ? "auto" : "approved")}, runbook {m.Runbook})" : "none applied");
                Line(console, "damage", s.DamageAfterMitigation is { } after ? $"{s.DamageBeforeMitigation} {s.DamageUnit} before the mitigation took effect, {after} after" : null);
                Line(console, "fix", s.Verification is null ? null : $"{s.RegressionCases} regression cases, verification {s.Verification}; post-mortem {s.Postmortem}");
                Line(console, "recurrence", s.Recurrence);
            }

            var unstopped = report.Scenarios.Where(s => s.DamageAfterMitigation is > 0).ToList();
            console.MarkupLineInterpolated($"damage after mitigation: {report.Scenarios.Sum(s => s.DamageAfterMitigation ?? 0)} calls ({(unstopped.Count == 0 ? "every scenario stopped" : "not stopped: " + string.Join(", ", unstopped.Select(s => $"{s.Name} {s.DamageAfterMitigation}")))})");
            var postmortems = report.Scenarios.Select(s => s.Postmortem).Where(p => p is not null).Distinct().Count();
            console.MarkupLineInterpolated($"post-mortems written: {postmortems} (in {Path.Combine(report.DataDirectory ?? ".", "postmortems")})");
        }

        console.MarkupLineInterpolated($"false alarms: {report.FalseAlarms.Count}; store: {report.DataDirectory}");
    }

    private static void Usage(IAnsiConsole console, string title, IReadOnlyList<UsageLine> lines)
    {
        var table = new Table().Title(title).AddColumns(title, "Calls", "Errors", "Input tokens", "Output tokens", "Cost (USD)");
        foreach (var l in lines)
        {
            table.AddRow(Markup.Escape(l.Key), l.Calls.ToString("N0"), l.Errors.ToString("N0"), l.InputTokens.ToString("N0"), l.OutputTokens.ToString("N0"), l.CostUsd.ToString("N2"));
        }

        console.Write(table);
    }

    private static void Line(IAnsiConsole console, string label, string? text)
    {
        if (text is not null)
        {
            console.MarkupLine($"  [grey]{label}:[/] {Markup.Escape(text)}");
        }
    }
}
