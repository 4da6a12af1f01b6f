using System.Text.Json;
using System.Text.Json.Nodes;
using Quell.Evals;
using Quell.Postmortems;
using Quell.Server.Evals;

namespace Quell.Server.Postmortems;

/// <summary>A refused post-mortem edit: the field (JSON path without "$.") and what is wrong with it.</summary>
public sealed record PostmortemEditError(string Field, string Message);

/// <summary>
/// Applies an edit (a JSON object of the fields to change) to the current version: objects merge field by field,
/// everything else replaces; the result must deserialize and every field must hold a value of its type. The
/// serializer's source generator resets an omitted init-only member to null (dotnet/runtime#84484), so every
/// member read later is checked here: an edit either yields a complete post-mortem or a 400 naming the field.
/// </summary>
public static class PostmortemEdit
{
    // A response time is a span between two instants of one incident; ten years bounds it well inside TimeSpan.
    private const double MaxFactSeconds = 10 * 366 * 86_400d;

    private static readonly HashSet<string> Managed = ["incident_id", "version", "updated_at", "updated_by", "by"];

    public static (Postmortem? Patch, PostmortemEditError? Error) Apply(Postmortem current, JsonElement edit)
    {
        var merged = JsonSerializer.SerializeToNode(current, FixAndLearnJson.Default.Postmortem)!.AsObject();
        foreach (var p in edit.EnumerateObject())
        {
            if (Managed.Contains(p.Name))
            {
                continue;
            }

            if (p.Value.ValueKind == JsonValueKind.Null)
            {
                return (null, new(p.Name, "must not be null; leave the field out to keep its value"));
            }

            if (merged[p.Name] is JsonObject existing && p.Value.ValueKind == JsonValueKind.Object)
            {
                if (MergeInto(existing, p.Value, p.Name) is { } nested)
                {
                    return (null, nested);
                }
            }
            else
            {
                merged[p.Name] = JsonNode.Parse(p.Value.GetRawText());
            }
        }

        if (merged["action_items"] is JsonArray given)
        {
            // New action items may come without an id or status; number them after the existing ones and open them.
            var n = 0;
            foreach (var item in given.OfType<JsonObject>())
            {
                n++;
                if (item["id"] is null || item["id"]!.GetValueKind() != JsonValueKind.String)
                {
                    item["id"] = $"a{n}";
                }

                if (!item.ContainsKey("status"))
                {
                    item["status"] = "open";
                }
            }
        }

        Postmortem patch;
        try
        {
            patch = merged.Deserialize(FixAndLearnJson.Default.Postmortem)!;
        }
        catch (JsonException ex)
        {
            return (null, new(FieldOf(ex.Path), ex.Message.Split(" Path:")[0]));
        }

        return Check(patch) is { } error ? (null, error) : (patch, null);
    }

    private static PostmortemEditError? MergeInto(JsonObject target, JsonElement edit, string path)
    {
        foreach (var p in edit.EnumerateObject())
        {
            var field = path + "." + p.Name;
            if (target[p.Name] is JsonObject existing && p.Value.ValueKind == JsonValueKind.Object)
            {
                if (MergeInto(existing, p.Value, field) is { } nested)
                {
                    return nested;
                }
            }
            else
            {
                target[p.Name] = JsonNode.Parse(p.Value.GetRawText());
            }
        }

        return null;
    }

    private static PostmortemEditError? Check(Postmortem p)
    {
        if ((Null("title", p.Title) ?? Null("status", p.Status) ?? Null("summary", p.Summary) ?? Null("detection", p.Detection)
            ?? Null("mitigation", p.Mitigation) ?? Null("root_cause", p.RootCause) ?? Strings("went_well", p.WentWell) ?? Strings("went_badly", p.WentBadly)
            ?? Strings("structural_changes", p.StructuralChanges) ?? Strings("similar_incidents", p.SimilarIncidents)) is { } e)
        {
            return e;
        }

        if (!PostmortemStatus.All.Contains(p.Status))
        {
            return new("status", $"'{p.Status}' is not one of {string.Join(", ", PostmortemStatus.All)}");
        }

        if (p.Impact is not { } i)
        {
            return new("impact", "must be an object");
        }

        if ((Null("impact.scope", i.Scope) ?? Null("impact.note", i.Note) ?? Strings("impact.leaked_from_tenants", i.LeakedFromTenants)
            ?? Strings("impact.recipient_tenants", i.RecipientTenants) ?? Null("impact.entities", i.Entities)) is { } ie)
        {
            return ie;
        }

        if (!double.IsFinite(i.CostUsd) || (i.P95LatencyMs is { } p95 && !double.IsFinite(p95)))
        {
            return new("impact", "cost_usd and p95_latency_ms must be finite numbers");
        }

        if ((Null("facts", p.Facts) ?? Null("timeline", p.Timeline) ?? Null("action_items", p.ActionItems)) is { } le)
        {
            return le;
        }

        for (var n = 0; n < p.Facts.Count; n++)
        {
            var f = p.Facts[n];
            if ((Null($"facts[{n}]", f) ?? Null($"facts[{n}].name", f.Name) ?? Null($"facts[{n}].text", f.Text) ?? Null($"facts[{n}].source", f.Source)) is { } fe)
            {
                return fe;
            }

            if (f.Seconds is { } s && !(Math.Abs(s) <= MaxFactSeconds))
            {
                return new($"facts[{n}].seconds", $"must be a number of seconds within ±{MaxFactSeconds:0} (10 years)");
            }
        }

        for (var n = 0; n < p.Timeline.Count; n++)
        {
            if ((Null($"timeline[{n}]", p.Timeline[n]) ?? Null($"timeline[{n}].kind", p.Timeline[n].Kind) ?? Null($"timeline[{n}].text", p.Timeline[n].Text)) is { } te)
            {
                return te;
            }
        }

        for (var n = 0; n < p.ActionItems.Count; n++)
        {
            var a = p.ActionItems[n];
            if ((Null($"action_items[{n}]", a) ?? Null($"action_items[{n}].id", a.Id) ?? Null($"action_items[{n}].text", a.Text)) is { } ae)
            {
                return ae;
            }

            if (a.Status is not ("open" or "done"))
            {
                return new($"action_items[{n}].status", $"'{a.Status}' is not one of open, done");
            }
        }

        return null;
    }

    private static PostmortemEditError? Null(string field, object? value) => value is null ? new(field, "must not be null") : null;

    private static PostmortemEditError? Strings(string field, IReadOnlyList<string>? values)
    {
        if (values is null)
        {
            return new(field, "must be an array of strings");
        }

        for (var n = 0; n < values.Count; n++)
        {
            if (values[n] is null)
            {
                return new($"{field}[{n}]", "must be a string");
            }
        }

        return null;
    }

    private static string FieldOf(string? path) => path is null or "$" ? "$" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
}
