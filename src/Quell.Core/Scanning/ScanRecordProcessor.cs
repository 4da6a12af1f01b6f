using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Quell.Calls;

namespace Quell.Scanning;

/// <summary>
/// The engine of <c>quell scan</c>: JSONL records <c>{id, text, kind, tenant?, input?, system_prompt?, retrieved?, feature?}</c>
/// in, one JSON line of findings per record out. A malformed line gets an error line and processing continues.
/// </summary>
public static class ScanRecordProcessor
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Processes every line of <paramref name="input"/>; returns the process exit code (0: all lines read).</summary>
    public static int Run(TextReader input, TextWriter output, ContentScanner scanner)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(scanner);
        var buffer = new ArrayBufferWriter<byte>(4096);
        var lineNumber = 0;
        while (input.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                var parsed = ScanRecord.Parse(line);
                if (parsed.Error is not null)
                {
                    WriteError(writer, parsed.Id, lineNumber, parsed.Error);
                }
                else
                {
                    WriteResult(writer, parsed.Record!, Scan(scanner, parsed.Record!));
                }
            }

            output.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
            output.Write('\n');
        }

        output.Flush();
        return 0;
    }

    private static ScanResult Scan(ContentScanner scanner, ScanRecord record) => record.IsInput
        ? scanner.ScanInput(record.Text, record.Tenant)
        : scanner.ScanOutput(record.Text, record.Tenant, record.Input, record.SystemPrompt, record.Retrieved, feature: record.Feature);

    private static void WriteResult(Utf8JsonWriter writer, ScanRecord record, ScanResult result)
    {
        writer.WriteStartObject();
        writer.WriteString("id", record.Id);
        writer.WriteStartArray("findings");
        foreach (var finding in result.Findings)
        {
            writer.WriteStartObject();
            writer.WriteString("kind", finding.Kind);
            writer.WriteString("entity", finding.Entity);
            writer.WriteNumber("start", finding.Start);
            writer.WriteNumber("end", finding.End);
            writer.WriteNumber("score", Math.Round(finding.Score, 3));
            writer.WriteString("evidence", finding.Evidence);
            if (finding.Owner is not null)
            {
                writer.WriteString("owner", finding.Owner);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (result.InjectionScore is { } score)
        {
            writer.WriteNumber("injection_score", Math.Round(score, 3));
        }

        writer.WriteEndObject();
    }

    private static void WriteError(Utf8JsonWriter writer, string? id, int lineNumber, string error)
    {
        writer.WriteStartObject();
        if (id is null)
        {
            writer.WriteNull("id");
        }
        else
        {
            writer.WriteString("id", id);
        }

        writer.WriteNumber("line", lineNumber);
        writer.WriteString("error", error);
        writer.WriteEndObject();
    }
}

/// <summary>One parsed <c>quell scan</c> input record.</summary>
internal sealed record ScanRecord(string Id, string Text, bool IsInput, string? Tenant, string? Input, string? SystemPrompt, IReadOnlyList<RetrievedDocument> Retrieved)
{
    /// <summary>The product flow, for secrets and prompts registered per feature.</summary>
    public string? Feature { get; init; }

    /// <summary>Parses a JSONL line; expected problems come back as an error message, never as an exception.</summary>
    public static (ScanRecord? Record, string? Id, string? Error) Parse(string line)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            return (null, null, "invalid JSON: " + e.Message);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null, "record must be a JSON object");
            }

            var id = root.TryGetProperty("id", out var idElement) ? idElement.ValueKind switch
            {
                JsonValueKind.String => idElement.GetString(),
                JsonValueKind.Number => idElement.GetRawText(),
                _ => null,
            } : null;
            if (id is null)
            {
                return (null, null, "missing \"id\" (string or number)");
            }

            if (!root.TryGetProperty("text", out var textElement) || textElement.ValueKind != JsonValueKind.String)
            {
                return (null, id, "missing \"text\" (string)");
            }

            var kind = OptionalString(root, "kind") ?? "output";
            if (kind is not ("input" or "output"))
            {
                return (null, id, $"\"kind\" must be \"input\" or \"output\", was \"{kind}\"");
            }

            if (!TryReadRetrieved(root, out var retrieved, out var retrievedError))
            {
                return (null, id, retrievedError);
            }

            var record = new ScanRecord(id, textElement.GetString()!, kind == "input", OptionalString(root, "tenant"), OptionalString(root, "input"), OptionalString(root, "system_prompt"), retrieved) { Feature = OptionalString(root, "feature") };
            return (record, id, null);
        }
    }

    private static string? OptionalString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.String ? element.GetString() : null;

    private static bool TryReadRetrieved(JsonElement root, out IReadOnlyList<RetrievedDocument> retrieved, out string? error)
    {
        retrieved = [];
        error = null;
        if (!root.TryGetProperty("retrieved", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            error = "\"retrieved\" must be an array of {id, tenant}";
            return false;
        }

        var documents = new List<RetrievedDocument>();
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                documents.Add(new RetrievedDocument(item.GetString()!, null));
            }
            else if (item.ValueKind == JsonValueKind.Object)
            {
                documents.Add(new RetrievedDocument(OptionalString(item, "id") ?? string.Empty, OptionalString(item, "tenant")));
            }
            else
            {
                error = "\"retrieved\" items must be objects {id, tenant}";
                return false;
            }
        }

        retrieved = documents;
        return true;
    }
}
