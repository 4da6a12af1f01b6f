namespace Quell.Security;

/// <summary>One mutating request: who (key id and name), what (method, path), when, from where, and the result.</summary>
public sealed record AuditEntry
{
    public long Seq { get; init; }

    public required DateTimeOffset At { get; init; }

    public string? KeyId { get; init; }

    public required string Actor { get; init; }

    public required string Method { get; init; }

    public required string Path { get; init; }

    /// <summary>The route template, e.g. /api/v1/incidents/{id}/ack; null when no route matched.</summary>
    public string? Route { get; init; }

    public required int Status { get; init; }

    public string? RemoteAddress { get; init; }

    public string? UserAgent { get; init; }
}
