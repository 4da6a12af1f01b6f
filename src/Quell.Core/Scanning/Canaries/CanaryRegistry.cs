using System.Security.Cryptography;
using System.Text;

namespace Quell.Scanning.Canaries;

/// <summary>
/// Mints per-tenant canary tokens (<c>QCNRY-&lt;tenant hash&gt;-&lt;random&gt;</c>) and finds every registered one
/// in a text in a single pass. Thread-safe; the automaton is rebuilt lazily after registrations.
/// </summary>
public sealed class CanaryRegistry
{
    public const string Prefix = "QCNRY-";
    private const string Base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    private readonly Action<Span<byte>> _fillRandom;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Canary> _byToken = new(StringComparer.Ordinal);
    private Snapshot? _snapshot;

    /// <param name="fillRandom">Source of randomness; tests inject a seeded one, production uses the OS CSPRNG.</param>
    public CanaryRegistry(Action<Span<byte>>? fillRandom = null)
    {
        _fillRandom = fillRandom ?? RandomNumberGenerator.Fill;
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byToken.Count;
            }
        }
    }

    /// <summary>Creates, registers and returns a new canary for <paramref name="tenant"/>.</summary>
    public Canary Mint(string tenant, CanaryPlacement placement = CanaryPlacement.Document)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        Span<byte> random = stackalloc byte[10];
        while (true)
        {
            _fillRandom(random);
            var token = string.Concat(Prefix, TenantTag(tenant), "-", ToBase32(random));
            lock (_gate)
            {
                if (_byToken.ContainsKey(token))
                {
                    continue;
                }

                var canary = new Canary(token, tenant, placement);
                _byToken.Add(token, canary);
                _snapshot = null;
                return canary;
            }
        }
    }

    /// <summary>Registers a canary minted elsewhere (e.g. restored from storage). Returns false if the token is already owned.</summary>
    public bool Register(Canary canary)
    {
        ArgumentNullException.ThrowIfNull(canary);
        lock (_gate)
        {
            if (!_byToken.TryAdd(canary.Token, canary))
            {
                return false;
            }

            _snapshot = null;
            return true;
        }
    }

    /// <summary>Every registered canary occurring in <paramref name="text"/>, in order of position.</summary>
    public IReadOnlyList<CanaryHit> FindAll(ReadOnlySpan<char> text)
    {
        var snapshot = CurrentSnapshot();
        if (snapshot.Canaries.Length == 0)
        {
            return [];
        }

        var matches = new List<(int Pattern, int Start)>();
        snapshot.Automaton.FindAll(text, matches);
        if (matches.Count == 0)
        {
            return [];
        }

        var hits = new CanaryHit[matches.Count];
        for (var k = 0; k < matches.Count; k++)
        {
            var canary = snapshot.Canaries[matches[k].Pattern];
            hits[k] = new CanaryHit(canary, matches[k].Start, matches[k].Start + canary.Token.Length);
        }

        return hits;
    }

    /// <summary>A short stable tag of the tenant so responders can tell owners apart at a glance; not a secret.</summary>
    internal static string TenantTag(string tenant)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(tenant), hash);
        return ToBase32(hash[..5]);
    }

    internal static string ToBase32(ReadOnlySpan<byte> bytes)
    {
        var builder = new StringBuilder((bytes.Length * 8 / 5) + 1);
        int buffer = 0, bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                builder.Append(Base32Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            builder.Append(Base32Alphabet[(buffer << (5 - bits)) & 31]);
        }

        return builder.ToString();
    }

    private Snapshot CurrentSnapshot()
    {
        var snapshot = Volatile.Read(ref _snapshot);
        if (snapshot is not null)
        {
            return snapshot;
        }

        lock (_gate)
        {
            if (_snapshot is null)
            {
                var canaries = _byToken.Values.ToArray();
                _snapshot = new Snapshot(canaries, new AhoCorasickAutomaton([.. canaries.Select(c => c.Token)]));
            }

            return _snapshot;
        }
    }

    private sealed record Snapshot(Canary[] Canaries, AhoCorasickAutomaton Automaton);
}
