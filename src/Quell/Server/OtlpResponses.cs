using System.Text;
using System.Text.Json;

namespace Quell.Server;

/// <summary>OTLP/HTTP answers: Export{Trace,Logs,Metrics}ServiceResponse with partial_success, and google.rpc.Status errors, in the request's encoding.</summary>
public static class OtlpResponses
{
    /// <summary>A success answer; <paramref name="rejectedField"/> names the JSON counter (rejectedSpans, rejectedLogRecords, rejectedDataPoints).</summary>
    public static IResult Success(bool protobuf, long rejected, string? message, string rejectedField = "rejectedSpans")
    {
        if (protobuf)
        {
            var body = new List<byte>();
            if (rejected > 0 || !string.IsNullOrEmpty(message))
            {
                var partial = new List<byte>();
                if (rejected > 0)
                {
                    partial.Add(0x08);
                    WriteVarint(partial, (ulong)rejected);
                }

                if (!string.IsNullOrEmpty(message))
                {
                    WriteBytes(partial, 2, Encoding.UTF8.GetBytes(message));
                }

                WriteBytes(body, 1, [.. partial]);
            }

            return Results.Bytes([.. body], "application/x-protobuf");
        }

        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            if (rejected > 0 || !string.IsNullOrEmpty(message))
            {
                w.WriteStartObject("partialSuccess");
                w.WriteString(rejectedField, rejected.ToString(System.Globalization.CultureInfo.InvariantCulture));
                w.WriteString("errorMessage", message ?? string.Empty);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        return Results.Bytes(stream.ToArray(), "application/json");
    }

    /// <summary>A google.rpc.Status body with the given HTTP status; code follows the gRPC mapping.</summary>
    public static IResult Status(bool protobuf, int httpStatus, string message, int? retryAfterSeconds = null)
    {
        var grpcCode = httpStatus switch
        {
            400 => 3, // INVALID_ARGUMENT
            413 => 3,
            415 => 3,
            429 => 8, // RESOURCE_EXHAUSTED
            503 => 14, // UNAVAILABLE
            _ => 13, // INTERNAL
        };
        byte[] body;
        string contentType;
        if (protobuf)
        {
            var bytes = new List<byte> { 0x08 };
            WriteVarint(bytes, (ulong)grpcCode);
            WriteBytes(bytes, 2, Encoding.UTF8.GetBytes(message));
            body = [.. bytes];
            contentType = "application/x-protobuf";
        }
        else
        {
            body = JsonSerializer.SerializeToUtf8Bytes(new RpcStatus(grpcCode, message), ServerJsonContext.Default.RpcStatus);
            contentType = "application/json";
        }

        return new StatusBytesResult(httpStatus, body, contentType, retryAfterSeconds);
    }

    private static void WriteBytes(List<byte> into, int field, byte[] bytes)
    {
        into.Add((byte)((field << 3) | 2));
        WriteVarint(into, (ulong)bytes.Length);
        into.AddRange(bytes);
    }

    private static void WriteVarint(List<byte> into, ulong value)
    {
        while (value >= 0x80)
        {
            into.Add((byte)(value | 0x80));
            value >>= 7;
        }

        into.Add((byte)value);
    }
}

/// <summary>google.rpc.Status in its JSON form.</summary>
public sealed record RpcStatus(int Code, string Message);

/// <summary>Raw bytes with a status code and an optional Retry-After header.</summary>
public sealed class StatusBytesResult(int status, byte[] body, string contentType, int? retryAfterSeconds) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = status;
        httpContext.Response.ContentType = contentType;
        if (retryAfterSeconds is { } s)
        {
            httpContext.Response.Headers.RetryAfter = s.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await httpContext.Response.Body.WriteAsync(body).ConfigureAwait(false);
    }
}
