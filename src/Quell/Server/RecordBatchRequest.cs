using Quell.Configuration;
using Quell.Ingest;

namespace Quell.Server;

/// <summary>Reads a JSON-array or NDJSON request body into records, or the problem response that explains why not.</summary>
public static class RecordBatchRequest
{
    public static async Task<(DecodedBatch<T>? Batch, IResult? Problem)> ReadAsync<T>(HttpContext http, QuellConfig config, JsonBatchDecoder<T> decoder, IngestMetrics metrics, string source)
        where T : class
    {
        var contentType = http.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant() ?? string.Empty;
        if (contentType is not ("application/json" or "application/x-ndjson" or "application/jsonl" or "text/plain" or ""))
        {
            metrics.Rejected(source, "unsupported_media_type");
            return (null, Problems.Create(415, "Unsupported media type", $"Content-Type '{contentType}' is not supported; send application/json (an array of records) or application/x-ndjson"));
        }

        var body = await RequestBody.ReadAsync(http.Request, config.Limits.MaxBodyBytes, http.RequestAborted).ConfigureAwait(false);
        if (body.Error is not null)
        {
            metrics.Rejected(source, body.Status == 413 ? "too_large" : "bad_body");
            return (null, Problems.Create(body.Status, body.Status == 413 ? "Body too large" : "Unreadable body", body.Error));
        }

        DecodedBatch<T>? batch;
        DecodeFailure? failure;
        try
        {
            batch = decoder.Decode(body.Memory, out failure);
        }
        finally
        {
            body.Return();
        }

        if (batch is null)
        {
            metrics.Rejected(source, "malformed");
            return (null, Problems.Create(400, "Malformed body", failure!.ToString()));
        }

        foreach (var group in batch.Errors.GroupBy(e => e.Field.StartsWith('$') ? "malformed" : "invalid_record"))
        {
            metrics.Rejected(source, group.Key, group.Count());
        }

        if (batch.Records.Count == 0)
        {
            return (null, Problems.Create(400, "No valid records", $"all {batch.Errors.Count} records were refused; first: {batch.Errors[0]}", Errors(batch)));
        }

        return (batch, null);
    }

    public static List<IngestError>? Errors<T>(DecodedBatch<T> batch) =>
        batch.Errors.Count == 0 ? null : batch.Errors.Take(1000).Select(IngestError.From).ToList();
}
