using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Quell.Alerts;
using Quell.Incidents;

namespace Quell.Security;

/// <summary>
/// What a key limited to tenants sees of records that span tenants (incidents, alerts, post-mortems, reports): only
/// records that involve one of its tenants, with every other tenant's name replaced in their text.
/// </summary>
public static class TenantView
{
    public const string OtherTenant = "[other tenant]";

    private static readonly string[] TenantLabels = ["tenant", "tenants", "owners", "leaked_from"];

    /// <summary>Whether this key reads only some tenants.</summary>
    public static bool IsTenantLimited(this ClaimsPrincipal user) => user.ReadTenants().Count > 0;

    /// <summary>
    /// For routes whose answers aggregate every tenant (console charts, investigations): a key limited to tenants gets
    /// 403 rather than figures that include other tenants' traffic.
    /// </summary>
    public static TBuilder RequireAllTenants<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var user = context.HttpContext.User;
            return user.IsTenantLimited()
                ? Server.Problems.Create(StatusCodes.Status403Forbidden, "Forbidden", $"This route aggregates every tenant; this API key reads only {string.Join(", ", user.ReadTenants())}.")
                : await next(context).ConfigureAwait(false);
        });

    /// <summary>The tenants an incident involves: its blast radius and tenant labels.</summary>
    public static IReadOnlySet<string> TenantsOf(Incident incident)
    {
        var set = new HashSet<string>(incident.Blast.Tenants, StringComparer.Ordinal);
        AddLabels(set, incident.Labels);
        return set;
    }

    /// <summary>The tenants an alert involves: its tenant labels and tenant attribution factors.</summary>
    public static IReadOnlySet<string> TenantsOf(Alert alert)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        AddLabels(set, alert.Labels);
        set.UnionWith(alert.Attribution.Factors.Where(f => f.Dimension == "tenant").Select(f => f.Value));
        return set;
    }

    /// <summary>A limited key sees a record when it involves one of the key's tenants; a record of no tenant only unlimited keys see.</summary>
    public static bool MaySee(ClaimsPrincipal user, IReadOnlySet<string> tenants)
    {
        var allowed = user.ReadTenants();
        return allowed.Count == 0 || tenants.Any(t => allowed.Contains(t, StringComparer.Ordinal));
    }

    public static bool MaySee(ClaimsPrincipal user, Incident incident) => !user.IsTenantLimited() || MaySee(user, TenantsOf(incident));

    public static bool MaySee(ClaimsPrincipal user, Alert alert) => !user.IsTenantLimited() || MaySee(user, TenantsOf(alert));

    /// <summary>The tenants among <paramref name="involved"/> this key may not read.</summary>
    public static IReadOnlyList<string> Others(ClaimsPrincipal user, IEnumerable<string> involved)
    {
        var allowed = user.ReadTenants();
        return allowed.Count == 0 ? [] : involved.Where(t => t.Length > 0 && !allowed.Contains(t, StringComparer.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The value as JSON, with the tenants among <paramref name="involved"/> this key may not read replaced.</summary>
    public static IResult Json<T>(ClaimsPrincipal user, T value, JsonTypeInfo<T> type, IEnumerable<string> involved) =>
        user.IsTenantLimited()
            ? Results.Content(Redact(JsonSerializer.SerializeToNode(value, type), Others(user, involved))?.ToJsonString() ?? "null", "application/json")
            : Results.Json(value, type);

    /// <inheritdoc cref="Json{T}(ClaimsPrincipal, T, JsonTypeInfo{T}, IEnumerable{string})"/>
    public static IResult Json<T>(ClaimsPrincipal user, T value, JsonSerializerOptions options, IEnumerable<string> involved) =>
        user.IsTenantLimited()
            ? Results.Content(Redact(JsonSerializer.SerializeToNode(value, options), Others(user, involved))?.ToJsonString(options) ?? "null", "application/json")
            : Results.Json(value, options);

    /// <summary>Replaces each of <paramref name="others"/> in every string of the JSON tree (names, labels, sentences).</summary>
    public static JsonNode? Redact(JsonNode? node, IReadOnlyList<string> others)
    {
        if (node is null || others.Count == 0)
        {
            return node;
        }

        var pattern = Pattern(others);
        Walk(node, pattern);
        return node;
    }

    /// <summary>Replaces each of <paramref name="others"/> in a text (a Markdown export).</summary>
    public static string Redact(string text, IReadOnlyList<string> others) =>
        others.Count == 0 ? text : Pattern(others).Replace(text, OtherTenant);

    private static Regex Pattern(IReadOnlyList<string> others) =>
        new($"(?<![\\w-])(?:{string.Join("|", others.OrderByDescending(o => o.Length).Select(Regex.Escape))})(?![\\w-])", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    private static void Walk(JsonNode node, Regex pattern)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    if (value is JsonValue v && v.TryGetValue<string>(out var s))
                    {
                        obj[name] = pattern.Replace(s, OtherTenant);
                    }
                    else if (value is not null)
                    {
                        Walk(value, pattern);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonValue v && v.TryGetValue<string>(out var s))
                    {
                        array[i] = pattern.Replace(s, OtherTenant);
                    }
                    else if (array[i] is { } child)
                    {
                        Walk(child, pattern);
                    }
                }

                break;
        }
    }

    private static void AddLabels(HashSet<string> set, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var name in TenantLabels)
        {
            if (labels.TryGetValue(name, out var value))
            {
                set.UnionWith(value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Where(t => t != "(none)"));
            }
        }
    }
}
