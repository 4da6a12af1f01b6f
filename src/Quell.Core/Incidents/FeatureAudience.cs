using Quell.Configuration;
using Quell.Ingest;
using Quell.Pricing;
using Quell.Telemetry;

namespace Quell.Incidents;

/// <summary>Whether a feature's failures reach customers; drives severity.</summary>
public enum FeatureAudience
{
    CustomerFacing,
    Internal,
}
