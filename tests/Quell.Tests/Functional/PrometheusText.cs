using System.Globalization;
using System.Text.RegularExpressions;

namespace Quell.Tests.Functional;

/// <summary>A scrape of /metrics read the way Prometheus reads it: series by name and labels, label order and spacing ignored.</summary>
public sealed partial class PrometheusText
{
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples = [];

    public PrometheusText(string text)
    {
        Text = text;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var m = Sample().Match(line);
            Assert.True(m.Success, $"not a Prometheus sample line: {line}");
            var labels = Label().Matches(m.Groups["labels"].Value).ToDictionary(l => l.Groups["k"].Value, l => l.Groups["v"].Value.Replace("\\\"", "\"", StringComparison.Ordinal), StringComparer.Ordinal);
            _samples.Add((m.Groups["name"].Value, labels, double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }
    }

    public string Text { get; }

    public static async Task<PrometheusText> ScrapeAsync(HttpClient client) => new(await client.GetStringAsync("/metrics"));

    /// <summary>Whether any series of this metric carries all the given labels.</summary>
    public bool Has(string name, params (string Key, string Value)[] labels) => Matching(name, labels).Any();

    /// <summary>The sum over series of this metric carrying all the given labels (0 when there is none).</summary>
    public double Value(string name, params (string Key, string Value)[] labels) => Matching(name, labels).Sum(s => s.Value);

    private IEnumerable<(string Name, Dictionary<string, string> Labels, double Value)> Matching(string name, (string Key, string Value)[] labels) =>
        _samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value));

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?$""")]
    private static partial Regex Sample();

    [GeneratedRegex(@"(?<k>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<v>(\\.|[^""\\])*)""")]
    private static partial Regex Label();
}
