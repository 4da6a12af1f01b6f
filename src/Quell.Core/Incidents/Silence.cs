using System.Text.RegularExpressions;
using Quell.Response;

namespace Quell.Incidents;

/// <summary>Mutes paging for alerts whose labels match, between two instants; maintenance windows are silences from config.</summary>
public sealed record Silence
{
    public required string Id { get; init; }

    public required IReadOnlyList<LabelMatcher> Matchers { get; init; }

    public required DateTimeOffset StartsAt { get; init; }

    public required DateTimeOffset EndsAt { get; init; }

    public string CreatedBy { get; init; } = TimelineKinds.System;

    public string Comment { get; init; } = string.Empty;

    /// <summary>silence or maintenance.</summary>
    public string Kind { get; init; } = "silence";

    public bool IsActive(DateTimeOffset at) => at >= StartsAt && at < EndsAt;

    /// <summary>All matchers hold; a missing label is the empty string, as in Alertmanager.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels) => Matchers.All(m => m.Matches(labels));

    public string Describe() => $"{Kind} {Id} ({string.Join(", ", Matchers)}){(Comment.Length > 0 ? ": " + Comment : string.Empty)}";

    /// <summary>The first silence active at <paramref name="at"/> that matches, or null.</summary>
    public static Silence? FirstMatch(IEnumerable<Silence> silences, IReadOnlyDictionary<string, string> labels, DateTimeOffset at) =>
        silences.FirstOrDefault(s => s.IsActive(at) && s.Matches(labels));
}

/// <summary>name=value, name!=value, name=~regex or name!~regex; regexes are anchored and never backtrack.</summary>
public sealed record LabelMatcher
{
    private readonly Regex? _regex;

    public LabelMatcher(string name, string op, string value)
    {
        Name = name;
        Op = op;
        Value = value;
        if (op is "=~" or "!~")
        {
            _regex = new Regex($"^(?:{value})$", RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
        }
    }

    public string Name { get; }

    public string Op { get; }

    public string Value { get; }

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        var actual = labels.TryGetValue(Name, out var v) ? v : string.Empty;
        return Op switch
        {
            "=" => actual == Value,
            "!=" => actual != Value,
            "=~" => _regex!.IsMatch(actual),
            "!~" => !_regex!.IsMatch(actual),
            _ => false,
        };
    }

    public override string ToString() => $"{Name}{Op}\"{Value}\"";

    /// <summary>Parses `name=value`, `name!=value`, `name=~re`, `name!~re` (value optionally in double quotes); null with an error otherwise.</summary>
    public static LabelMatcher? TryParse(string text, out string? error)
    {
        error = null;
        var t = text.Trim();
        var at = t.IndexOfAny(['=', '!']);
        if (at <= 0)
        {
            error = $"matcher '{text}' must look like name=value, name!=value, name=~regex or name!~regex";
            return null;
        }

        var name = t[..at].Trim();
        var rest = t[at..];
        string op;
        if (rest.StartsWith("=~", StringComparison.Ordinal) || rest.StartsWith("!~", StringComparison.Ordinal) || rest.StartsWith("!=", StringComparison.Ordinal))
        {
            op = rest[..2];
        }
        else if (rest.StartsWith('='))
        {
            op = "=";
        }
        else
        {
            error = $"matcher '{text}' has an unknown operator; use =, !=, =~ or !~";
            return null;
        }

        var value = rest[op.Length..].Trim();
        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            value = value[1..^1];
        }

        return Create(name, op, value, out error);
    }

    /// <summary>Builds a matcher, refusing bad names, operators and regexes with a message.</summary>
    public static LabelMatcher? Create(string name, string op, string value, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(name))
        {
            error = "matcher name must not be empty";
            return null;
        }

        if (op is not ("=" or "!=" or "=~" or "!~"))
        {
            error = $"matcher operator '{op}' is not one of =, !=, =~, !~";
            return null;
        }

        try
        {
            return new LabelMatcher(name, op, value);
        }
        catch (ArgumentException ex)
        {
            error = $"matcher {name}{op}: invalid regex: {ex.Message}";
            return null;
        }
        catch (NotSupportedException ex)
        {
            error = $"matcher {name}{op}: regex not supported without backtracking: {ex.Message}";
            return null;
        }
    }
}
