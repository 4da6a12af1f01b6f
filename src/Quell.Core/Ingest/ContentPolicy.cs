using Quell.Configuration;
using Quell.Incidents;
using Quell.Pricing;
using Quell.Telemetry;

namespace Quell.Ingest;

/// <summary>What happens to prompt and response text on ingest.</summary>
public enum ContentPolicy
{
    /// <summary>Keep the text as sent.</summary>
    Store,

    /// <summary>Keep a SHA-256 of the text so equal texts can still be matched.</summary>
    Hash,

    /// <summary>Keep nothing.</summary>
    Drop,
}
