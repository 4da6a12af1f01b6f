using Quell.Ingest;

namespace Quell.Server;

/// <summary>The answer to a native ingest: counts and, for each refused record, its index, field and reason.</summary>
public sealed record IngestResponse(int Accepted, int Duplicates, int Rejected, IReadOnlyList<IngestError>? Errors = null, int UnpricedModels = 0);

/// <summary>One refused record of a batch.</summary>
public sealed record IngestError(int Index, string? Id, string Field, string Message)
{
    public static IngestError From(RecordError e) => new(e.Index, e.Id, e.Field, e.Message);
}
