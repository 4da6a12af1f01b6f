namespace Quell.Client;

/// <summary>Why Quell's client refused a call: the mitigation that applies and its reason.</summary>
public sealed record MitigationRefusal(string MitigationId, string Kind, string Reason, string? IncidentId = null)
{
    public override string ToString() => $"refused by Quell mitigation {MitigationId} ({Kind}): {Reason}";
}

/// <summary>Thrown when an active mitigation refuses a call (kill switch, block, rate limit, budget or loop cap).</summary>
public sealed class QuellRefusedException : Exception
{
    public QuellRefusedException(MitigationRefusal refusal)
        : base(refusal.ToString())
    {
        Refusal = refusal;
    }

    public QuellRefusedException()
        : this(new MitigationRefusal("", "", "refused"))
    {
    }

    public QuellRefusedException(string message)
        : this(new MitigationRefusal("", "", message))
    {
    }

    public QuellRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Refusal = new MitigationRefusal("", "", message);
    }

    public MitigationRefusal Refusal { get; }
}
