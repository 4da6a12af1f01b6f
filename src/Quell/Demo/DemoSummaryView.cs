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
            var table = new Table().Title("Scenarios").AddColumns("Scenario", "Category", "Onset", "Detected", "Delay", "Attribution");
            foreach (var s in report.Scenarios)
            {
                table.AddRow(Markup.Escape(s.Name), s.Category, s.Onset.ToString("MM-dd HH:mm"), s.Detected ? "[green]yes[/]" : "[red]no[/]", s.DelaySeconds is { } d ? $"{d:0}s" : "-", Markup.Escape(s.Attribution ?? "-"));
            }

            console.Write(table);
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
}
