namespace Quell.Ingest;

/// <summary>Why one record of a batch was refused: its index in the batch, the field, and the reason.</summary>
public sealed record RecordError(int Index, string Field, string Message, string? Id = null)
{
    public override string ToString() => Id is null
        ? $"record {Index}: {Field}: {Message}"
        : $"record {Index} (id {Id}): {Field}: {Message}";
}

/// <summary>Records decoded from a batch together with those refused.</summary>
public sealed record DecodedBatch<T>(IReadOnlyList<T> Records, IReadOnlyList<RecordError> Errors, int Skipped = 0)
{
    public int Total => Records.Count + Errors.Count + Skipped;
}

/// <summary>A body that cannot be decoded at all, with the byte where decoding stopped when known.</summary>
public sealed record DecodeFailure(string Message, long? BytePosition = null)
{
    public override string ToString() => BytePosition is { } b ? $"{Message} (at byte {b})" : Message;
}
