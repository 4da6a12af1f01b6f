using System.Globalization;
using System.Text;
using Quell.Formatting;

namespace Quell.Postmortems;

/// <summary>Renders a post-mortem as Markdown for sharing and archiving.</summary>
public static class PostmortemMarkdown
{
    public static string Render(Postmortem p)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine(inv, $"# Post-mortem: {p.Title}").AppendLine();
        sb.AppendLine(inv, $"Incident `{p.IncidentId}` · version {p.Version} · {p.Status} · updated {p.UpdatedAt:u} by {p.UpdatedBy}{(p.DueAt is { } due ? $" · due {due:yyyy-MM-dd}" : string.Empty)}").AppendLine();
        sb.AppendLine("This post-mortem is blameless: it looks for causes in systems and processes, not in people.").AppendLine();
        Section(sb, "Summary", p.Summary);
        if (p.Facts.Count > 0)
        {
            sb.AppendLine("## Response times").AppendLine();
            sb.AppendLine("| fact | value | from | to | source |").AppendLine("|---|---|---|---|---|");
            foreach (var f in p.Facts)
            {
                sb.AppendLine(inv, $"| {f.Name} | {(f.Seconds is { } sec ? ReadableText.Span(TimeSpan.FromSeconds(sec)) : "-")} | {f.From:u} | {f.To:u} | {f.Source} |");
            }

            sb.AppendLine();
        }

        var i = p.Impact;
        sb.AppendLine("## Impact").AppendLine();
        if (i.Scope.Length > 0)
        {
            sb.AppendLine(inv, $"Counted over every call of `{i.Scope}` from {i.From:u} to {i.To:u}.").AppendLine();
        }

        sb.AppendLine("| window | duration | affected calls | error calls | flagged calls | users | tenants | cost |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|");
        sb.AppendLine(inv, $"| {i.From:u} → {i.To:u} | {(i.Duration is { } d ? ReadableText.Span(d) : "-")} | {i.Calls:#,0} | {i.ErrorCalls:#,0} | {i.FlaggedCalls:#,0} | {i.Users:#,0} | {i.Tenants:#,0} | {ReadableText.Money(i.CostUsd)} |");
        if (i.LeakedFromTenants.Count > 0 || i.RecipientTenants.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine(inv, $"- Tenants whose data leaked: {(i.LeakedFromTenants.Count > 0 ? string.Join(", ", i.LeakedFromTenants) : "none identified (the leaked data names no owner)")}");
            sb.AppendLine(inv, $"- Tenants that received it: {(i.RecipientTenants.Count > 0 ? string.Join(", ", i.RecipientTenants) : "none")}");
        }

        if (i.Entities.Count > 0)
        {
            sb.AppendLine(inv, $"- Findings: {string.Join(", ", i.Entities.Select(e => $"{e.Key} ×{e.Value}"))}");
        }

        if (i.Note.Length > 0)
        {
            sb.AppendLine().AppendLine(inv, $"_{i.Note}_");
        }

        sb.AppendLine();
        Section(sb, "Detection", p.Detection);
        sb.AppendLine("## Timeline").AppendLine();
        foreach (var e in p.Timeline)
        {
            sb.AppendLine(inv, $"- {e.At:u} **{e.Kind}** {e.Text}");
        }

        sb.AppendLine();
        Section(sb, "Mitigation", p.Mitigation);
        Section(sb, "Root cause", p.RootCause);
        List(sb, "What went well", p.WentWell);
        List(sb, "What went badly", p.WentBadly);
        sb.AppendLine("## Action items").AppendLine();
        sb.AppendLine("| id | action | owner | due | status |").AppendLine("|---|---|---|---|---|");
        foreach (var a in p.ActionItems)
        {
            sb.AppendLine(inv, $"| {a.Id} | {a.Text} | {a.Owner ?? "unassigned"} | {a.DueAt:yyyy-MM-dd} | {a.Status} |");
        }

        sb.AppendLine();
        List(sb, "What changes structurally", p.StructuralChanges);
        if (p.SimilarIncidents.Count > 0)
        {
            List(sb, "Similar past incidents", p.SimilarIncidents);
        }

        return sb.ToString();
    }

    private static void Section(StringBuilder sb, string title, string text) =>
        sb.AppendLine(CultureInfo.InvariantCulture, $"## {title}").AppendLine().AppendLine(text.Length > 0 ? text : "_to be written_").AppendLine();

    private static void List(StringBuilder sb, string title, IReadOnlyList<string> items)
    {
        sb.AppendLine(CultureInfo.InvariantCulture, $"## {title}").AppendLine();
        foreach (var item in items)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"- {item}");
        }

        sb.AppendLine();
    }
}
