using System.Collections.Frozen;
using Quell.Calls;

namespace Quell.Pricing;

/// <summary>Prices calls by model; unknown models stay unpriced and are flagged rather than costed at zero.</summary>
public sealed class PriceTable
{
    private readonly FrozenDictionary<string, ModelPrice> _exact;
    private readonly (string Prefix, ModelPrice Price)[] _prefixes;

    // Model names repeat on every call; remembering prefix matches keeps pricing O(1). Bounded so junk names cannot grow it.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ModelPrice?> _resolved = new(StringComparer.Ordinal);
    private const int MaxResolved = 10_000;

    public PriceTable(IReadOnlyDictionary<string, ModelPrice> prices)
    {
        _exact = prices.ToFrozenDictionary(p => Normalize(p.Key), p => p.Value, StringComparer.Ordinal);

        // Longest prefix first so "gpt-4o-mini-2024-07-18" prices as gpt-4o-mini, not gpt-4o.
        _prefixes = [.. _exact.OrderByDescending(p => p.Key.Length).Select(p => (p.Key, p.Value))];
    }

    /// <summary>The built-in table, overlaid with operator overrides from configuration.</summary>
    public static PriceTable Create(IReadOnlyDictionary<string, ModelPrice>? overrides = null)
    {
        var merged = new Dictionary<string, ModelPrice>(BuiltInPrices.All, StringComparer.OrdinalIgnoreCase);
        foreach (var (model, price) in overrides ?? new Dictionary<string, ModelPrice>())
        {
            merged[model] = price;
        }

        return new PriceTable(merged);
    }

    public int Count => _exact.Count;

    public ModelPrice? Find(string? model)
    {
        if (string.IsNullOrEmpty(model))
        {
            return null;
        }

        if (_resolved.TryGetValue(model, out var known))
        {
            return known;
        }

        var found = Resolve(model);
        if (_resolved.Count < MaxResolved)
        {
            _resolved.TryAdd(model, found);
        }

        return found;
    }

    private ModelPrice? Resolve(string model)
    {
        var key = Normalize(model);
        if (_exact.TryGetValue(key, out var price))
        {
            return price;
        }

        foreach (var (prefix, p) in _prefixes)
        {
            // A dated snapshot or deployment suffix keeps the family price: "claude-3-5-sonnet-20241022".
            if (key.Length > prefix.Length && key.StartsWith(prefix, StringComparison.Ordinal) && key[prefix.Length] is '-' or '@' or ':' or '.')
            {
                return p;
            }
        }

        return null;
    }

    /// <summary>Fills in the cost when the caller sent none; returns the record unchanged otherwise.</summary>
    public CallRecord Apply(CallRecord call)
    {
        if (call.CostUsd is not null)
        {
            return call.CostSource == CostSource.Reported ? call : call with { CostSource = CostSource.Reported };
        }

        var price = Find(call.ModelVersion) ?? Find(call.Model);
        return price is null
            ? call with { CostSource = CostSource.Unknown }
            : call with { CostUsd = price.Cost(call.InputTokens, call.OutputTokens, call.CachedInputTokens), CostSource = CostSource.PriceTable };
    }

    // Provider prefixes as written by gateways ("openai/gpt-4o", "models/gemini-1.5-pro") name the same model.
    private static string Normalize(string model)
    {
        var m = model.Trim().ToLowerInvariant();
        var slash = m.LastIndexOf('/');
        return slash >= 0 ? m[(slash + 1)..] : m;
    }
}
