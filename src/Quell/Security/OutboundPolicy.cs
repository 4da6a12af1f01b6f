using System.Net;
using System.Net.Sockets;
using Quell.Configuration;

namespace Quell.Security;

/// <summary>
/// Where replay, verification, eval runs, probes and status checks may connect. Hosts named in quell.yaml (eval
/// targets, the judge, the isolation probe target, vendor status pages) are the operator's choice and always
/// reachable. A URL an API caller supplies must be on <c>security.outbound.allowed_hosts</c>, and at connect time
/// its resolved address must be public or inside <c>allow_networks</c>: the check runs on the address actually
/// dialled, so DNS rebinding cannot swap in an internal one. Redirects are never followed.
/// </summary>
public sealed class OutboundPolicy
{
    private readonly HashSet<string> _configuredHosts;
    private readonly IReadOnlyList<string> _allowedHosts;
    private readonly IReadOnlyList<IPNetwork> _allowNetworks;

    public OutboundPolicy(QuellConfig config)
    {
        var outbound = config.Security.Outbound;
        _allowedHosts = outbound.AllowedHosts.Select(h => h.Trim().ToLowerInvariant()).Where(h => h.Length > 0).ToList();
        _allowNetworks = outbound.AllowNetworks.Select(ParseNetwork).ToList();
        IEnumerable<string?> urls =
        [
            .. config.Evals.Targets.Values.Select(t => t.Url),
            config.Evals.Judge?.Url,
            config.IsolationProbes.TargetUrl,
            .. config.Playbook.VendorStatus.Values,
        ];
        _configuredHosts = urls
            .Select(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) ? uri.IdnHost.ToLowerInvariant() : null)
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Why a caller-supplied URL may not be used, or null when its host is allowed.</summary>
    public string? RefuseCallerUrl(Uri url)
    {
        if (url.Scheme is not ("http" or "https"))
        {
            return $"only http and https targets are allowed, not '{url.Scheme}'";
        }

        var host = url.IdnHost.ToLowerInvariant();
        return _configuredHosts.Contains(host) || _allowedHosts.Any(p => HostMatches(p, host))
            ? null
            : $"host '{host}' is not an allowed target; name a target from quell.yaml (evals.targets) or add the host to security.outbound.allowed_hosts";
    }

    /// <summary>A handler that never follows redirects and refuses private addresses for hosts not named in quell.yaml.</summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = ConnectAsync,
    };

    /// <summary>True for loopback, private, link-local, CGNAT, unique-local, multicast and unspecified addresses.</summary>
    public static bool IsInternal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal || address.IsIPv6Multicast;
        }

        var b = address.GetAddressBytes();
        return b[0] is 0 or 10 or >= 224
            || (b[0] == 100 && b[1] is >= 64 and <= 127)
            || (b[0] == 169 && b[1] == 254)
            || (b[0] == 172 && b[1] is >= 16 and <= 31)
            || (b[0] == 192 && b[1] == 168)
            || (b[0] == 198 && b[1] is 18 or 19);
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host.ToLowerInvariant();
        var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, ct).ConfigureAwait(false);
        var permitted = _configuredHosts.Contains(host)
            ? addresses
            : addresses.Where(a => !IsInternal(a) || _allowNetworks.Any(n => n.Contains(a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a))).ToArray();
        if (permitted.Length == 0)
        {
            throw new HttpRequestException($"refused to connect to '{host}': it resolves to an internal address ({string.Join(", ", addresses.Select(a => a.ToString()))}); allow the network in security.outbound.allow_networks or name the target in quell.yaml");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(permitted, context.DnsEndPoint.Port, ct).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static bool HostMatches(string pattern, string host) =>
        pattern.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(pattern[1..], StringComparison.Ordinal)
            : string.Equals(pattern, host, StringComparison.Ordinal);

    private static IPNetwork ParseNetwork(string cidr) =>
        IPNetwork.TryParse(cidr.Trim(), out var network)
            ? network
            : IPAddress.TryParse(cidr.Trim(), out var single) ? new IPNetwork(single, single.AddressFamily == AddressFamily.InterNetwork ? 32 : 128)
            : throw new ArgumentException($"security.outbound.allow_networks: '{cidr}' is not a CIDR network such as 10.0.0.0/8", nameof(cidr));
}
