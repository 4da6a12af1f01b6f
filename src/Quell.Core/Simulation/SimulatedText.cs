namespace Quell.Simulation;

/// <summary>Plausible prompt and answer text per feature, so scanners and replay have content to work on.</summary>
public static class SimulatedText
{
    private static readonly Dictionary<string, string[]> Questions = new()
    {
        ["support_chat"] = ["Why was I charged twice this month?", "How do I reset my password?", "Is there an outage in eu-west right now?", "Can I change my plan to annual billing?", "My invoice shows the wrong VAT number, can you fix it?", "How do I add a teammate to my workspace?"],
        ["doc_search"] = ["What does our retention policy say about backups?", "Find the onboarding checklist for new engineers.", "Which contract covers the Berlin office lease?", "Summarise the Q3 security review findings.", "Where is the runbook for database failover?"],
        ["summarizer"] = ["Summarise this ticket thread about a failed payment.", "Summarise the escalation about slow dashboard loads.", "Summarise the customer's complaint about data export."],
        ["research_agent"] = ["Compare the pricing of three CRM vendors for a 50-person team.", "What changed in the EU AI Act timeline this year?", "Find recent benchmarks of vector databases."],
    };

    private static readonly Dictionary<string, string[]> Answers = new()
    {
        ["support_chat"] = ["I checked your account: the second charge is a pending authorisation and will drop off within three business days.", "You can reset your password from the sign-in page with 'Forgot password'; the link is valid for 30 minutes.", "There is no active incident in eu-west; the status page shows all systems operational.", "Yes, annual billing is available from Settings > Billing and saves two months compared with monthly."],
        ["doc_search"] = ["According to doc 0112, backups are retained for 35 days and encrypted at rest.", "The onboarding checklist (doc 0040) lists laptop setup, access requests and a buddy assignment.", "The Berlin lease is covered by the facilities agreement in doc 0301, renewed until 2028."],
        ["summarizer"] = ["- Customer's card was declined twice\n- Retry succeeded after bank approval\n- No further action needed", "- Dashboards slow since Tuesday\n- Caused by a missing index\n- Fix deployed, monitoring"],
        ["research_agent"] = ["Vendor A costs $25 per seat, Vendor B $30 with a free tier, Vendor C $19 but lacks SSO. Sources: three pricing pages.", "The obligations for general-purpose models apply from August; high-risk rules follow a year later."],
    };

    public static string Question(string feature, Random random) => Pick(Questions, feature, random);

    public static string Answer(string feature, Random random) => Pick(Answers, feature, random);

    private static string Pick(Dictionary<string, string[]> bank, string feature, Random random) =>
        bank.TryGetValue(feature, out var options) ? options[random.Next(options.Length)] : "OK.";
}
