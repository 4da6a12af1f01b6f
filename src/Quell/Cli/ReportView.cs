using System.Globalization;
using System.Text;
using System.Text.Json;
using Quell.Formatting;
using Quell.Response;

namespace Quell.Cli;

/// <summary>`quell report` as a table to read or as CSV to chart: one row per category and severity.</summary>
internal static class ReportView
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>category,severity,incidents,mttd_s,mtta_s,mttm_s,mttr_s — empty cells where no incident got there.</summary>
    public static string Csv(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var sb = new StringBuilder("category,severity,incidents,mttd_s,mtta_s,mttm_s,mttr_s\n");
        foreach (var r in Rows(doc.RootElement))
        {
            sb.Append(r.Category).Append(',').Append(r.Severity).Append(',').Append(r.Incidents.ToString(Inv));
            foreach (var v in (double?[])[r.Mttd, r.Mtta, r.Mttm, r.Mttr])
            {
                sb.Append(',').Append(v is { } x ? Math.Round(x).ToString(Inv) : string.Empty);
            }

            sb.Append('\n');
        }

        return sb.ToString().TrimEnd('\n');
    }

    public static string Table(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var sb = new StringBuilder();
        sb.Append(Inv, $"{root.GetProperty("incidents").GetInt32()} incidents from {root.GetProperty("from").GetString()} to {root.GetProperty("to").GetString()}; {root.GetProperty("recurrences").GetInt32()} recurrences\n\n");
        sb.Append(Inv, $"{"category",-16}{"severity",-10}{"incidents",10}{"MTTD",10}{"MTTA",10}{"MTTM",10}{"MTTR",10}\n");
        foreach (var r in Rows(root))
        {
            sb.Append(Inv, $"{r.Category,-16}{r.Severity,-10}{r.Incidents,10}{Span(r.Mttd),10}{Span(r.Mtta),10}{Span(r.Mttm),10}{Span(r.Mttr),10}\n");
        }

        if (root.TryGetProperty("open_action_items", out var items) && items.GetArrayLength() > 0)
        {
            sb.Append(Inv, $"\n{items.GetArrayLength()} open action items:\n");
            foreach (var a in items.EnumerateArray())
            {
                var overdue = a.TryGetProperty("overdue", out var o) && o.GetBoolean() ? " (overdue)" : string.Empty;
                sb.Append(Inv, $"  {a.GetProperty("incident_id").GetString()} {a.GetProperty("id").GetString()}: {a.GetProperty("text").GetString()}{overdue}\n");
            }
        }

        return sb.ToString().TrimEnd('\n');
    }

    private static string Span(double? seconds) => seconds is { } s ? Formatting.ReadableText.Span(TimeSpan.FromSeconds(s)) : "-";

    private static IEnumerable<(string Category, string Severity, int Incidents, double? Mttd, double? Mtta, double? Mttm, double? Mttr)> Rows(JsonElement root)
    {
        if (!root.TryGetProperty("rows", out var rows))
        {
            yield break;
        }

        foreach (var r in rows.EnumerateArray())
        {
            yield return (r.GetProperty("category").GetString()!, r.GetProperty("severity").GetString()!, r.GetProperty("incidents").GetInt32(), D(r, "mttd_seconds"), D(r, "mtta_seconds"), D(r, "mttm_seconds"), D(r, "mttr_seconds"));
        }
    }

    private static double? D(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
}
