using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Quell.Evals;

/// <summary>The LLM judge's prompt and the parsing of its reply: PASS/FAIL, "SCORE: x" (0..1, 0..10 or x/10), in that order.</summary>
public static partial class JudgeVerdict
{
    public static string Prompt(EvalCase c, string output)
    {
        var sb = new StringBuilder();
        sb.AppendLine("You grade one answer of an AI application. Be strict and impartial.");
        if (!string.IsNullOrWhiteSpace(c.Grader.Rubric))
        {
            sb.AppendLine().AppendLine("Rubric:").AppendLine(c.Grader.Rubric.Trim());
        }

        sb.AppendLine().AppendLine("User input:").AppendLine(c.Input);
        if (!string.IsNullOrWhiteSpace(c.Grader.Value))
        {
            sb.AppendLine().AppendLine("Reference (a good answer):").AppendLine(c.Grader.Value.Trim());
        }

        sb.AppendLine().AppendLine("Answer to grade:").AppendLine(output);
        sb.AppendLine().Append("Reply with PASS or FAIL on the first line, then SCORE: a number from 0 to 1, then one sentence why.");
        return sb.ToString();
    }

    public static EvalGrade Parse(string reply, double threshold)
    {
        var why = reply.Trim().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? string.Empty;
        why = why.Length > 200 ? why[..200] : why;
        double? score = null;
        if (ScorePattern().Match(reply) is { Success: true } m && double.TryParse(m.Groups["n"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
        {
            var scale = m.Groups["of"].Success && double.TryParse(m.Groups["of"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var of) && of > 0 ? of : n > 1 ? 10 : 1;
            score = Math.Clamp(n / scale, 0, 1);
        }

        if (VerdictPattern().Match(reply) is { Success: true } v)
        {
            var pass = v.Value.Equals("PASS", StringComparison.OrdinalIgnoreCase);
            return new EvalGrade(pass, score ?? (pass ? 1 : 0), $"judge: {why}");
        }

        return score is { } s
            ? new EvalGrade(s >= threshold, s, $"judge scored {s:0.##} (threshold {threshold:0.##}): {why}")
            : EvalGrade.Fail($"the judge's reply has no verdict: {why}", null);
    }

    [GeneratedRegex(@"\b(PASS|FAIL)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex VerdictPattern();

    [GeneratedRegex(@"score\s*[:=]?\s*(?<n>\d+(?:\.\d+)?)(?:\s*/\s*(?<of>\d+(?:\.\d+)?))?", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ScorePattern();
}
