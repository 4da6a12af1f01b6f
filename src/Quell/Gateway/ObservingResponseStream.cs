using System.Text;
using System.Text.Json;

namespace Quell.Gateway;

/// <summary>Usage, model and answer text read from a model's answer as it passes through the gateway.</summary>
public sealed class ObservedAnswer
{
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    public long CachedInputTokens { get; set; }
    public bool HasUsage { get; set; }
    public string? ResponseModel { get; set; }
    public string? ErrorCode { get; set; }
    public string? ErrorMessage { get; set; }
    public StringBuilder Output { get; } = new();
}

/// <summary>
/// Wraps the client's response body: every byte goes straight to the client (streams are never held back), and a
/// copy of the answer — whole for JSON up to a bound, line by line for server-sent events — is read for usage,
/// the model that answered and the answer's text. Time to first token is the moment the first body byte passes.
/// </summary>
public sealed class ObservingResponseStream(Stream inner, TimeProvider time, int maxObservedBytes, int maxOutputChars) : Stream
{
    private readonly MemoryStream _json = new();
    private readonly List<byte> _line = [];
    private bool _overflow;

    public ObservedAnswer Answer { get; } = new();

    /// <summary>Timestamp (<see cref="TimeProvider.GetTimestamp"/>) of the first byte of the answer; 0 before it.</summary>
    public long FirstByteTimestamp { get; private set; }

    /// <summary>Set once the response headers are known: server-sent events are read line by line.</summary>
    public bool EventStream { get; set; }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
    {
        Observe(buffer.AsSpan(offset, count));
        inner.Write(buffer, offset, count);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Observe(buffer.Span);
        await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Reads what was buffered once the answer is complete (JSON bodies are read here).</summary>
    public void Complete()
    {
        if (!EventStream && !_overflow && _json.Length > 0)
        {
            ReadPayload(_json.GetBuffer().AsSpan(0, (int)_json.Length));
        }
        else if (EventStream && _line.Count > 0)
        {
            ReadEventLine([.. _line]);
            _line.Clear();
        }
    }

    private void Observe(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        if (FirstByteTimestamp == 0)
        {
            FirstByteTimestamp = time.GetTimestamp();
        }

        if (!EventStream)
        {
            if (_json.Length + bytes.Length > maxObservedBytes)
            {
                _overflow = true;
                return;
            }

            _json.Write(bytes);
            return;
        }

        foreach (var b in bytes)
        {
            if (b == (byte)'\n')
            {
                ReadEventLine(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_line));
                _line.Clear();
            }
            else if (_line.Count < maxObservedBytes)
            {
                _line.Add(b);
            }
        }
    }

    private void ReadEventLine(ReadOnlySpan<byte> line)
    {
        if (!line.StartsWith("data:"u8))
        {
            return;
        }

        var data = line[5..].Trim((byte)' ').TrimEnd((byte)'\r');
        if (data.IsEmpty || data.SequenceEqual("[DONE]"u8))
        {
            return;
        }

        ReadPayload(data);
    }

    private void ReadPayload(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var doc = JsonDocument.ParseValue(ref reader);
            Read(doc.RootElement);
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's error page, a truncated line): nothing to learn from it, the bytes still pass.
        }
    }

    private void Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var a = Answer;
        if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            a.ErrorCode = Text(error, "code") ?? Text(error, "type");
            a.ErrorMessage = Text(error, "message");
        }

        a.ResponseModel = Text(root, "model") ?? a.ResponseModel;
        var type = Text(root, "type");
        switch (type)
        {
            // Anthropic streaming events.
            case "message_start" when root.TryGetProperty("message", out var message):
                Read(message);
                return;
            case "content_block_delta" when root.TryGetProperty("delta", out var delta):
                AppendOutput(Text(delta, "text"));
                return;
            case "message_delta" when root.TryGetProperty("usage", out var u) && u.TryGetProperty("output_tokens", out var ot) && ot.TryGetInt64(out var o):
                a.OutputTokens = o;
                a.HasUsage = true;
                return;

            // OpenAI Responses streaming events.
            case "response.output_text.delta":
                AppendOutput(Text(root, "delta"));
                return;
            case "response.completed" or "response.failed" or "response.incomplete" when root.TryGetProperty("response", out var response):
                a.ResponseModel = Text(response, "model") ?? a.ResponseModel;
                ReadUsage(response);
                return;
        }

        ReadUsage(root);
        if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array)
        {
            foreach (var choice in choices.EnumerateArray())
            {
                if (choice.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                if (choice.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.Object)
                {
                    AppendOutput(Text(m, "content"));
                }
                else if (choice.TryGetProperty("delta", out var d) && d.ValueKind == JsonValueKind.Object)
                {
                    AppendOutput(Text(d, "content"));
                }
                else
                {
                    AppendOutput(Text(choice, "text"));
                }
            }
        }

        // Non-streamed Anthropic messages and Responses: content parts with text.
        foreach (var name in (ReadOnlySpan<string>)["content", "output"])
        {
            if (root.TryGetProperty(name, out var parts) && parts.ValueKind == JsonValueKind.Array)
            {
                foreach (var part in parts.EnumerateArray())
                {
                    if (part.ValueKind != JsonValueKind.Object)
                    {
                        continue;
                    }

                    AppendOutput(Text(part, "text"));
                    if (part.TryGetProperty("content", out var inner) && inner.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var p in inner.EnumerateArray())
                        {
                            AppendOutput(p.ValueKind == JsonValueKind.Object ? Text(p, "text") : null);
                        }
                    }
                }
            }
        }
    }

    /// <summary>Usage in any of the shapes the APIs use; input tokens include cached ones, as the GenAI conventions say.</summary>
    private void ReadUsage(JsonElement holder)
    {
        if (!holder.TryGetProperty("usage", out var u) || u.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var a = Answer;
        a.HasUsage = true;
        if (Long(u, "prompt_tokens") is { } prompt)
        {
            a.InputTokens = prompt;
            a.OutputTokens = Long(u, "completion_tokens") ?? a.OutputTokens;
            a.CachedInputTokens = u.TryGetProperty("prompt_tokens_details", out var pd) && pd.ValueKind == JsonValueKind.Object ? Long(pd, "cached_tokens") ?? 0 : a.CachedInputTokens;
            return;
        }

        var cacheRead = Long(u, "cache_read_input_tokens");
        var cacheWrite = Long(u, "cache_creation_input_tokens");
        if (Long(u, "input_tokens") is { } input)
        {
            a.InputTokens = input + (cacheRead ?? 0) + (cacheWrite ?? 0);
        }

        a.OutputTokens = Long(u, "output_tokens") ?? a.OutputTokens;
        if (cacheRead is { } cr)
        {
            a.CachedInputTokens = cr;
        }
        else if (u.TryGetProperty("input_tokens_details", out var id) && id.ValueKind == JsonValueKind.Object && Long(id, "cached_tokens") is { } cached)
        {
            a.CachedInputTokens = cached;
        }
    }

    private void AppendOutput(string? text)
    {
        if (text is null)
        {
            return;
        }

        var room = maxOutputChars - Answer.Output.Length;
        if (room > 0)
        {
            Answer.Output.Append(text.AsSpan(0, Math.Min(room, text.Length)));
        }
    }

    private static string? Text(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            _ => null,
        } : null;

    private static long? Long(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) && n >= 0 ? n : null;
}
