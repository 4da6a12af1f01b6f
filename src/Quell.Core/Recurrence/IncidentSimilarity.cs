using System.Text.RegularExpressions;
using Quell.Incidents;

namespace Quell.Recurrence;

/// <summary>What similarity compares of an incident: its signal family, scope, the kind of change behind it and its words.</summary>
public sealed record IncidentProfile
{
    public required string Id { get; init; }
    public required string Category { get; init; }
    public required string Signal { get; init; }

    /// <summary>feature, provider, model, model_version, prompt_version, region, tenant: what the incident was about.</summary>
    public IReadOnlyDictionary<string, string> Scope { get; init; } = new Dictionary<string, string>();

    /// <summary>prompt, model, vendor, retrieval, deploy, config, feature_flag … or null when unknown.</summary>
    public string? CauseKind { get; init; }

    /// <summary>Title, summary, attribution and responder notes.</summary>
    public string Text { get; init; } = string.Empty;

    public DateTimeOffset DetectedAt { get; init; }

    /// <summary>"latency:latency", "latency:errors", "cost:loop" …: only incidents of one family can be similar.</summary>
    public string Family => IncidentSimilarity.FamilyOf(Category, Signal);

    private static readonly string[] ScopeKeys = ["feature", "provider", "model", "model_version", "prompt_version", "region", "tenant", "owners", "error_type", "suite"];

    public static IncidentProfile Of(Incident incident, IEnumerable<string>? notes = null, string? causeKind = null)
    {
        var scope = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in ScopeKeys)
        {
            if (incident.Labels.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v))
            {
                scope[key] = v;
            }
        }

        if (incident.Feature is { } f)
        {
            scope["feature"] = f;
        }

        var (dim, value) = IncidentSimilarity.Narrowed(incident.Attribution);
        if (dim is not null && value is not null)
        {
            scope[dim] = value;
        }

        var signal = incident.Labels.GetValueOrDefault("signal") ?? incident.Alerts.OrderBy(a => a.FirstAt).FirstOrDefault()?.Signal ?? incident.Labels.GetValueOrDefault("alertname") ?? incident.Category;
        return new IncidentProfile
        {
            Id = incident.Id,
            Category = incident.Category,
            Signal = signal,
            Scope = scope,
            CauseKind = causeKind ?? IncidentSimilarity.CauseKindOf(dim, incident.Category, signal),
            Text = string.Join("\n", new[] { incident.Title, incident.Summary, incident.Attribution ?? string.Empty }.Concat(notes ?? [])),
            DetectedAt = incident.DetectedAt,
        };
    }
}

/// <summary>A past incident found similar, its score in 0..1 and why it was chosen.</summary>
public sealed record SimilarIncident(string Id, double Score, IReadOnlyList<string> Reasons)
{
    /// <summary>"inc-1 (0.82: same signal latency_p95; same scope feature=support_chat, region=eu-west; words: eu, west)".</summary>
    public override string ToString() => $"{Id} ({Score.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)}: {string.Join("; ", Reasons)})";
}

/// <summary>
/// How alike two incidents are, as a responder means it. Incidents of different signal families are never similar
/// (an injection campaign is not an agent loop, prompt bloat is not a vendor spike). Within a family the score
/// weighs the same signal (0.30), overlapping scope (0.25), the same kind of root-cause change (0.15) and BM25 text
/// similarity of titles, summaries, attributions and notes (0.30, normalised by the query's score against itself).
/// The weights sum to 1 so that the threshold reads as "how much of what makes two incidents alike they share".
/// </summary>
public static partial class IncidentSimilarity
{
    public const double SignalWeight = 0.30;
    public const double ScopeWeight = 0.25;
    public const double CauseWeight = 0.15;
    public const double TextWeight = 0.30;

    /// <summary>
    /// Below this, a candidate is not shown. 0.5: a same-family incident with a different signal (0.21), no shared scope
    /// and unrelated words stays out; one sharing signal and feature (0.30 + ~0.1) needs a shared cause or words to be in.
    /// </summary>
    public const double DefaultThreshold = 0.5;

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "the", "a", "an", "and", "or", "of", "on", "in", "to", "for", "is", "was", "at", "by", "with", "from", "as", "it", "be", "this", "that", "not",
        "against", "baseline", "feature", "model", "provider", "operation", "value", "values", "since", "only", "up", "down", "excess", "new", "its",
    };

    public static string FamilyOf(string category, string signal) => category + ":" + signal switch
    {
        "latency_p95" or "latency_p99" or "ttft_p95" or "latency_slo" => "latency",
        "error_rate" or "error_budget_burn" or "timeout_rate" => "errors",
        "cost_per_call" or "input_tokens_per_call" or "output_tokens_per_call" => "per_call",
        "spend_rate" => "spend",
        "calls_per_trace" or "repeated_tool_calls" => "loop",
        "eval_pass_rate" or "negative_feedback_rate" or "quality_drift" or "refusal_rate" => "quality",
        "pii_leak" => "pii",
        "cross_tenant_leak" or "canary_leak" or "tenant_isolation_probe" => "isolation",
        "secret_leak" => "secret",
        "system_prompt_leak" => "system_prompt",
        var s when s.StartsWith("injection", StringComparison.Ordinal) => "injection",
        var s => s,
    };

    /// <summary>The dimension and value an attribution narrows to ("only on region eu-west"), or nulls.</summary>
    public static (string? Dimension, string? Value) Narrowed(string? attribution)
    {
        if (attribution is null || OnlyOn().Match(attribution) is not { Success: true } m)
        {
            return (null, null);
        }

        return (m.Groups["dim"].Value, m.Groups["value"].Value.TrimEnd('.'));
    }

    /// <summary>The kind of change a narrowed dimension points at: prompt, model or vendor.</summary>
    public static string? CauseKindOf(string? dimension, string category, string signal) => dimension switch
    {
        "prompt_version" => "prompt",
        "model_version" or "model" => "model",
        "region" or "provider" => "vendor",
        _ => null,
    };

    /// <summary>The words of a text that carry meaning: lower-cased, no stop words, no bare numbers.</summary>
    public static IEnumerable<string> Terms(string text)
    {
        foreach (Match m in Word().Matches(text))
        {
            var w = m.Value.ToLowerInvariant();
            if (w.Length >= 2 && !StopWords.Contains(w) && !w.All(char.IsDigit))
            {
                yield return w;
            }
        }
    }

    [GeneratedRegex(@"\bonly on (?<dim>prompt_version|model_version|model|provider|region|tenant) (?<value>[^\s,;()]+)", RegexOptions.CultureInvariant)]
    private static partial Regex OnlyOn();

    [GeneratedRegex(@"[\p{L}\p{N}_]+", RegexOptions.CultureInvariant)]
    private static partial Regex Word();
}

/// <summary>
/// The incident memory in memory: profiles grouped by family with BM25 statistics, so finding similar past incidents
/// never touches the database on the alert intake path. Candidates are the most recent
/// <see cref="CandidatesPerKey"/> of the family and, for each scope pair of the query (feature=…, model=…), the most
/// recent as many sharing it: the cost per search is bounded, however many incidents a family holds.
/// </summary>
public sealed class IncidentMemoryIndex
{
    /// <summary>
    /// How many of the most recent incidents per family and per shared scope pair are scored. 256: every candidate of
    /// any family a team sees in a year; a flood of thousands of one alert family is then scored by recency and scope.
    /// </summary>
    public const int CandidatesPerKey = 256;

    private readonly Dictionary<string, LinkedList<string>> _recent = new(StringComparer.Ordinal);

    /// <summary>BM25 term-frequency saturation and length normalisation: the usual defaults (Robertson et al.).</summary>
    private const double K1 = 1.2;
    private const double B = 0.75;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _byFamily = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _docFreq = new(StringComparer.Ordinal);
    private long _totalLength;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byId.Count;
            }
        }
    }

    /// <summary>Adds or replaces an incident's profile.</summary>
    public void Upsert(IncidentProfile profile)
    {
        var entry = new Entry(profile, TermCounts(IncidentSimilarity.Terms(profile.Text)));
        lock (_lock)
        {
            RemoveLocked(profile.Id);
            _byId[profile.Id] = entry;
            if (!_byFamily.TryGetValue(profile.Family, out var set))
            {
                _byFamily[profile.Family] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            set.Add(profile.Id);
            foreach (var key in RecencyKeys(profile))
            {
                if (!_recent.TryGetValue(key, out var list))
                {
                    _recent[key] = list = new LinkedList<string>();
                }

                entry.Recency.Add((key, list.AddLast(profile.Id)));
            }

            foreach (var term in entry.Terms.Keys)
            {
                _docFreq[term] = _docFreq.GetValueOrDefault(term) + 1;
            }

            _totalLength += entry.Length;
        }
    }

    public void Remove(string id)
    {
        lock (_lock)
        {
            RemoveLocked(id);
        }
    }

    /// <summary>Past incidents of the same family scoring at least <paramref name="threshold"/>, best first, with reasons.</summary>
    public IReadOnlyList<SimilarIncident> Similar(IncidentProfile query, int limit, double threshold = IncidentSimilarity.DefaultThreshold)
    {
        var q = TermCounts(IncidentSimilarity.Terms(query.Text));
        var results = new List<SimilarIncident>();
        lock (_lock)
        {
            if (!_byFamily.TryGetValue(query.Family, out var family))
            {
                return [];
            }

            var n = Math.Max(1, _byId.Count);
            var avg = Math.Max(1, (double)_totalLength / n);
            var self = Bm25(q, q, q.Values.Sum(), n, avg);
            foreach (var id in family.Count <= CandidatesPerKey ? family : CandidatesLocked(query))
            {
                if (id == query.Id)
                {
                    continue;
                }

                // Score first with no allocation; only candidates over the threshold pay for their reasons.
                var e = _byId[id];
                var signal = e.Profile.Signal == query.Signal ? 1.0 : 0.7;
                var scope = ScopeScore(query.Scope, e.Profile.Scope);
                var cause = query.CauseKind is null && e.Profile.CauseKind is null ? 0.5 : query.CauseKind == e.Profile.CauseKind ? 1 : 0;
                var partial = (IncidentSimilarity.SignalWeight * signal) + (IncidentSimilarity.ScopeWeight * scope) + (IncidentSimilarity.CauseWeight * cause);
                if (partial + IncidentSimilarity.TextWeight < threshold)
                {
                    continue;
                }

                var text = self > 0 ? Math.Min(1, Bm25(q, e.Terms, e.Length, n, avg) / self) : 0;
                var score = partial + (IncidentSimilarity.TextWeight * text);
                if (score < threshold)
                {
                    continue;
                }

                var reasons = new List<string> { signal == 1 ? $"same signal {query.Signal}" : $"same kind of signal ({e.Profile.Signal} vs {query.Signal})" };
                var shared = query.Scope.Where(p => e.Profile.Scope.TryGetValue(p.Key, out var v) && v == p.Value).Select(p => $"{p.Key}={p.Value}").ToList();
                if (shared.Count > 0)
                {
                    reasons.Add("same scope " + string.Join(", ", shared));
                }

                if (cause == 1)
                {
                    reasons.Add($"same cause kind ({query.CauseKind} change)");
                }

                var words = q.Keys.Where(e.Terms.ContainsKey).OrderByDescending(t => Idf(t, n)).Take(4).ToList();
                if (words.Count > 0)
                {
                    reasons.Add($"text {text.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)} ({string.Join(", ", words)})");
                }

                results.Add(new SimilarIncident(id, Math.Round(score, 3), reasons));
            }
        }

        return results.OrderByDescending(r => r.Score).ThenBy(r => r.Id, StringComparer.Ordinal).Take(limit).ToList();
    }

    /// <summary>Weighted overlap of two scopes (feature counts double): shared pairs over the union of keys.</summary>
    private static double ScopeScore(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b)
    {
        double union = 0;
        double inter = 0;
        foreach (var (key, va) in a)
        {
            var w = key == "feature" ? 2.0 : 1.0;
            union += w;
            if (b.TryGetValue(key, out var vb) && va == vb)
            {
                inter += w;
            }
        }

        foreach (var key in b.Keys)
        {
            if (!a.ContainsKey(key))
            {
                union += key == "feature" ? 2.0 : 1.0;
            }
        }

        return union == 0 ? 0 : inter / union;
    }

    private double Bm25(Dictionary<string, int> query, Dictionary<string, int> doc, int length, int n, double avg)
    {
        double s = 0;
        foreach (var term in query.Keys)
        {
            if (doc.TryGetValue(term, out var tf))
            {
                s += Idf(term, n) * tf * (K1 + 1) / (tf + (K1 * (1 - B + (B * length / avg))));
            }
        }

        return s;
    }

    private double Idf(string term, int n)
    {
        var df = _docFreq.GetValueOrDefault(term);
        return Math.Log(1 + ((n - df + 0.5) / (df + 0.5)));
    }

    // The family's key and one per scope pair: the lists the most recent candidates are taken from.
    private static IEnumerable<string> RecencyKeys(IncidentProfile p)
    {
        yield return p.Family;
        foreach (var (key, value) in p.Scope)
        {
            yield return p.Family + "\n" + key + "=" + value;
        }
    }

    private HashSet<string> CandidatesLocked(IncidentProfile query)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in RecencyKeys(query))
        {
            if (!_recent.TryGetValue(key, out var list))
            {
                continue;
            }

            var taken = 0;
            for (var node = list.Last; node is not null && taken < CandidatesPerKey; node = node.Previous, taken++)
            {
                ids.Add(node.Value);
            }
        }

        return ids;
    }

    private void RemoveLocked(string id)
    {
        if (!_byId.Remove(id, out var old))
        {
            return;
        }

        foreach (var (key, node) in old.Recency)
        {
            var list = node.List!;
            list.Remove(node);
            if (list.Count == 0)
            {
                _recent.Remove(key);
            }
        }

        _byFamily[old.Profile.Family].Remove(id);
        foreach (var term in old.Terms.Keys)
        {
            if (--_docFreq[term] == 0)
            {
                _docFreq.Remove(term);
            }
        }

        _totalLength -= old.Length;
    }

    private static Dictionary<string, int> TermCounts(IEnumerable<string> terms)
    {
        var d = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in terms)
        {
            d[t] = d.GetValueOrDefault(t) + 1;
        }

        return d;
    }

    private sealed record Entry(IncidentProfile Profile, Dictionary<string, int> Terms)
    {
        public int Length { get; } = Terms.Values.Sum();

        /// <summary>Its nodes in the recency lists, for removal in constant time.</summary>
        public List<(string Key, LinkedListNode<string> Node)> Recency { get; } = [];
    }
}
