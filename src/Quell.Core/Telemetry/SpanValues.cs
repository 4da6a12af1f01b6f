using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Quell.Telemetry;

/// <summary>Typed reads of span and resource attributes, shared by the conventions.</summary>
public static class SpanValues
{
    /// <summary>The span's attribute, else the resource's.</summary>
    public static object? Get(OtlpSpan span, string key) =>
        span.Attributes.TryGetValue(key, out var v) ? v : span.Resource.GetValueOrDefault(key);

    /// <summary>A non-empty string attribute.</summary>
    public static string? Str(OtlpSpan span, string key) => Get(span, key) as string is { Length: > 0 } s ? s : null;

    public static string? FirstStr(OtlpSpan span, params ReadOnlySpan<string> keys)
    {
        foreach (var key in keys)
        {
            if (Str(span, key) is { } s)
            {
                return s;
            }
        }

        return null;
    }

    public static double? AsDouble(object? v) => v switch
    {
        long l => l,
        double d => d,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) => p,
        _ => null,
    };

    /// <summary>The first present token count among the keys, as a whole number.</summary>
    public static long? Tokens(OtlpSpan span, params ReadOnlySpan<string> keys)
    {
        foreach (var key in keys)
        {
            if (AsDouble(Get(span, key)) is { } d && double.IsFinite(d))
            {
                return d >= long.MaxValue ? long.MaxValue : (long)d;
            }
        }

        return null;
    }

    /// <summary>A label as text: strings as they are, numbers and booleans in invariant form.</summary>
    public static string? Label(object? value) => value switch
    {
        string { Length: 0 } => null,
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        _ => null,
    };

    /// <summary>A short stable hash of tool arguments, enough to spot identical repeats in a loop.</summary>
    public static string? ArgumentsHash(string? args) =>
        args is null ? null : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(args)))[..16];

    /// <summary>Attributes under a prefix, with the prefix removed (<c>traceloop.association.properties.tenant_id</c> → <c>tenant_id</c>).</summary>
    public static void CopyPrefixed(OtlpSpan span, string prefix, Dictionary<string, object?> into)
    {
        foreach (var (key, value) in span.Resource)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal) && key.Length > prefix.Length)
            {
                into.TryAdd(key[prefix.Length..], value);
            }
        }

        foreach (var (key, value) in span.Attributes)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal) && key.Length > prefix.Length)
            {
                into[key[prefix.Length..]] = value;
            }
        }
    }
}
