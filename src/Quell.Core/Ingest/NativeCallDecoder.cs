using System.Text;
using System.Text.Json;
using Quell.Calls;

namespace Quell.Ingest;

/// <summary>Decodes native call records from a JSON array, a single object or NDJSON, record by record.</summary>
public sealed class NativeCallDecoder(IngestLimits limits, TimeProvider time, RecordCheck<CallRecord>? check = null)
    : JsonBatchDecoder<CallRecord>(limits, time, static (e, l, now) =>
    {
        var r = CallRecordJson.Read(e, l, now);
        return (r.Record, r.Error);
    }, check);

/// <summary>The shared range rules applied to a record after it is decoded; null when it passes.</summary>
public delegate RecordError? RecordCheck<in T>(T record, DateTimeOffset now);

/// <summary>Reads one record from JSON: either the record or the error naming its field.</summary>
public delegate (T? Record, RecordError? Error) JsonRecordReader<T>(JsonElement element, IngestLimits limits, DateTimeOffset now)
    where T : class;

/// <summary>Decodes a JSON array, a single object or NDJSON into records one by one, keeping the good ones when some are bad.</summary>
public class JsonBatchDecoder<T>(IngestLimits limits, TimeProvider time, JsonRecordReader<T> read, RecordCheck<T>? check = null)
    where T : class
{
    private readonly JsonDocumentOptions _options = new() { MaxDepth = limits.MaxJsonDepth, AllowTrailingCommas = false };

    /// <summary>Decodes a body; a failure means nothing in it could be read, otherwise bad records are listed.</summary>
    public DecodedBatch<T>? Decode(ReadOnlyMemory<byte> body, out DecodeFailure? failure)
    {
        failure = null;
        var span = body.Span;
        if (span.StartsWith(Encoding.UTF8.Preamble))
        {
            body = body[3..];
            span = body.Span;
        }

        var first = FirstNonWhitespace(span);
        if (first < 0)
        {
            failure = new DecodeFailure("body is empty; expected a JSON array of records or NDJSON");
            return null;
        }

        if (span[first] == (byte)'[')
        {
            if (Utf8Validation.CheckJsonText(span) is { } bad)
            {
                failure = bad;
                return null;
            }

            return DecodeArray(body, out failure);
        }

        return DecodeLines(body, out failure);
    }

    private DecodedBatch<T>? DecodeArray(ReadOnlyMemory<byte> body, out DecodeFailure? failure)
    {
        failure = null;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, _options);
        }
        catch (JsonException ex)
        {
            failure = new DecodeFailure($"malformed JSON: {TrimMessage(ex.Message)}", ex.BytePositionInLine is { } b && ex.LineNumber == 0 ? b : null);
            return null;
        }

        using (doc)
        {
            var records = new List<T>(doc.RootElement.GetArrayLength());
            var errors = new List<RecordError>();
            var index = 0;
            var now = time.GetUtcNow();
            foreach (var element in doc.RootElement.EnumerateArray())
            {
                if (index >= limits.MaxRecordsPerBatch)
                {
                    failure = new DecodeFailure($"batch has more than {limits.MaxRecordsPerBatch} records; split it");
                    return null;
                }

                Add(element, index++, now, records, errors);
            }

            if (index == 0)
            {
                failure = new DecodeFailure("the batch is empty: send at least one record");
                return null;
            }

            return new DecodedBatch<T>(records, errors);
        }
    }

    private DecodedBatch<T>? DecodeLines(ReadOnlyMemory<byte> body, out DecodeFailure? failure)
    {
        failure = null;
        var records = new List<T>();
        var errors = new List<RecordError>();
        var now = time.GetUtcNow();
        var index = 0;
        var offset = 0;
        var span = body.Span;
        while (offset < span.Length)
        {
            var newline = span[offset..].IndexOf((byte)'\n');
            var length = newline < 0 ? span.Length - offset : newline;
            var line = body.Slice(offset, length);
            var lineStart = offset;
            offset += length + 1;
            if (FirstNonWhitespace(line.Span) < 0)
            {
                continue;
            }

            if (index >= limits.MaxRecordsPerBatch)
            {
                failure = new DecodeFailure($"batch has more than {limits.MaxRecordsPerBatch} records; split it");
                return null;
            }

            if (Utf8Validation.CheckJsonText(line.Span, lineStart) is { } bad)
            {
                errors.Add(new RecordError(index, "$", $"line {index + 1}: {bad}"));
                index++;
                continue;
            }

            try
            {
                using var doc = JsonDocument.Parse(line, _options);
                Add(doc.RootElement, index, now, records, errors);
            }
            catch (JsonException ex)
            {
                var at = ex.BytePositionInLine is { } b ? $" at byte {lineStart + b}" : string.Empty;
                errors.Add(new RecordError(index, "$", $"malformed JSON on line {index + 1}{at}: {TrimMessage(ex.Message)}"));
            }

            index++;
        }

        if (records.Count == 0 && errors.Count == 0)
        {
            failure = new DecodeFailure("body holds no records");
            return null;
        }

        return new DecodedBatch<T>(records, errors);
    }

    private void Add(JsonElement element, int index, DateTimeOffset now, List<T> records, List<RecordError> errors)
    {
        var (record, error) = read(element, limits, now);
        if (record is not null && check?.Invoke(record, now) is { } refused)
        {
            (record, error) = (null, refused);
        }

        if (record is not null)
        {
            records.Add(record);
        }
        else
        {
            errors.Add(error! with { Index = index });
        }
    }

    private static int FirstNonWhitespace(ReadOnlySpan<byte> span)
    {
        for (var i = 0; i < span.Length; i++)
        {
            if (span[i] is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return i;
            }
        }

        return -1;
    }

    // System.Text.Json appends its own "Path: $ | LineNumber…" suffix; the byte position is reported separately.
    private static string TrimMessage(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
