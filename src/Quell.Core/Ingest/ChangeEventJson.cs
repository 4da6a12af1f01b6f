using System.Text.Json;
using Quell.Changes;

namespace Quell.Ingest;

/// <summary>Reads change events from JSON, naming the field that is wrong.</summary>
public static class ChangeEventJson
{
    public static (ChangeEvent? Record, RecordError? Error) Read(JsonElement e, IngestLimits limits, DateTimeOffset now)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            return (null, new RecordError(0, "$", "expected a JSON object"));
        }

        string? Str(string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var tsText = Str("timestamp");
        DateTimeOffset ts;
        if (tsText is null)
        {
            ts = now;
        }
        else if (!DateTimeOffset.TryParse(tsText, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out ts))
        {
            return (null, new RecordError(0, "timestamp", $"'{CallRecordJson.Clip(tsText)}' is not an RFC 3339 time"));
        }

        var kind = Str("kind");
        if (string.IsNullOrWhiteSpace(kind))
        {
            return (null, new RecordError(0, "kind", $"is required: one of {string.Join(", ", ChangeEvent.KnownKinds)}"));
        }

        var scope = new Dictionary<string, string>(StringComparer.Ordinal);
        if (e.TryGetProperty("scope", out var s))
        {
            if (s.ValueKind != JsonValueKind.Object)
            {
                return (null, new RecordError(0, "scope", "expected an object of dimension: value, e.g. {\"feature\": \"support_chat\"}"));
            }

            foreach (var p in s.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.String)
                {
                    return (null, new RecordError(0, $"scope.{p.Name}", "expected a string"));
                }

                scope[p.Name] = p.Value.GetString()!;
            }
        }

        foreach (var dim in (string[])["feature", "tenant", "provider", "model", "region"])
        {
            if (!scope.ContainsKey(dim) && Str(dim) is { } v)
            {
                scope[dim] = v;
            }
        }

        var description = Str("description");
        if (description is { Length: > 4096 })
        {
            return (null, new RecordError(0, "description", "is longer than 4096 characters"));
        }

        return (new ChangeEvent
        {
            Id = Str("id") ?? StableId(ts, kind, Str("to"), scope),
            Timestamp = ts,
            Kind = kind,
            Scope = scope,
            Description = description,
            Author = Str("author"),
            From = Str("from"),
            To = Str("to"),
        }, null);
    }

    // Idempotent re-sends of a change without an id map to the same id.
    private static string StableId(DateTimeOffset ts, string kind, string? to, Dictionary<string, string> scope)
    {
        var key = $"{ts.ToUnixTimeMilliseconds()}|{kind}|{to}|{string.Join(",", scope.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value))}";
        return "chg-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))[..16];
    }
}
