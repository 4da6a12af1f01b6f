using System.Text.Json;
using Quell.Calls;

namespace Quell.Ingest;

/// <summary>Writes call records in the native JSON shape (what POST /api/v1/calls and JSONL files carry).</summary>
public static class CallRecordJsonWriter
{
    public static void Write(Utf8JsonWriter w, CallRecord c) => CallSchema.WriteNative(w, c);

    /// <summary>NDJSON for a batch of calls.</summary>
    public static byte[] ToNdjson(IReadOnlyList<CallRecord> calls)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(calls.Count * 700);
        using var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        foreach (var c in calls)
        {
            Write(w, c);
            w.Flush();
            System.Buffers.BuffersExtensions.Write(buffer, "\n"u8);
            w.Reset(buffer);
        }

        return buffer.WrittenSpan.ToArray();
    }
}
