using Quell.Configuration;
using Quell.Security;

namespace Quell.Tests.Security;

/// <summary>
/// Tests that hand Quell ad-hoc target URLs of loopback receivers allow them the way an operator would: the host on
/// security.outbound.allowed_hosts and loopback in allow_networks.
/// </summary>
public static class LoopbackTargets
{
    public static QuellConfig Allow(QuellConfig config) => config with
    {
        Security = config.Security with
        {
            Outbound = new OutboundConfig { AllowedHosts = ["127.0.0.1", "localhost"], AllowNetworks = ["127.0.0.0/8", "::1/128"] },
        },
    };
}
