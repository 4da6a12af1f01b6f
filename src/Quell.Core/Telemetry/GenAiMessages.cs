using System.Text;
using System.Text.Json;

namespace Quell.Telemetry;

/// <summary>The text of a conversation split by role: system (and developer) instructions apart from the rest.</summary>
public readonly record struct SplitMessages(string? System, string? Other)
{
    public static SplitMessages? Of(string? system, string? other) =>
        system is null && other is null ? null : new SplitMessages(system, other);
}

/// <summary>
/// Reads message content in the shapes instrumentations send: OTel <c>gen_ai.input.messages</c> (role + parts),
/// OpenAI-style <c>[{role, content}]</c> with string or part-list content, the Vercel AI SDK's <c>ai.prompt</c>
/// object (<c>{system, prompt, messages}</c>), or plain text.
/// </summary>
public static class GenAiMessages
{
    private const int MaxDepth = 16;

    /// <summary>All text parts of the value, joined by newlines; a plain string is returned as it is.</summary>
    public static string? Text(object? value)
    {
        if (value is object?[] parts)
        {
            var joined = string.Join("\n", parts.OfType<string>());
            return joined.Length == 0 ? null : joined;
        }

        if (value is not string { Length: > 0 } s)
        {
            return null;
        }

        if (!LooksLikeJson(s))
        {
            return s;
        }

        try
        {
            using var doc = JsonDocument.Parse(s, new JsonDocumentOptions { MaxDepth = 32 });
            var sb = new StringBuilder();
            Collect(doc.RootElement, sb, 0);
            return sb.Length == 0 ? s : sb.ToString();
        }
        catch (JsonException)
        {
            return s;
        }
    }

    /// <summary>Splits a message list by role; a value that is not a message list counts as non-system text.</summary>
    public static SplitMessages? Split(object? value)
    {
        if (value is not string { Length: > 0 } s || !LooksLikeJson(s))
        {
            return SplitMessages.Of(null, Text(value));
        }

        try
        {
            using var doc = JsonDocument.Parse(s, new JsonDocumentOptions { MaxDepth = 32 });
            return Split(doc.RootElement) ?? SplitMessages.Of(null, Text(s));
        }
        catch (JsonException)
        {
            return SplitMessages.Of(null, s);
        }
    }

    /// <summary>Splits an already parsed message list or Vercel prompt object.</summary>
    public static SplitMessages? Split(JsonElement root)
    {
        var system = new StringBuilder();
        var other = new StringBuilder();
        if (root.ValueKind == JsonValueKind.Object)
        {
            // ai.prompt: {"system": "...", "prompt": "..." | [...], "messages": [...]}
            if (root.TryGetProperty("system", out var sys))
            {
                Collect(sys, system, 0);
            }

            if (root.TryGetProperty("prompt", out var prompt))
            {
                Collect(prompt, other, 0);
            }

            if (root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
            {
                SplitArray(messages, system, other);
            }

            if (system.Length == 0 && other.Length == 0 && root.TryGetProperty("role", out _))
            {
                SplitOne(root, system, other);
            }
        }
        else if (root.ValueKind == JsonValueKind.Array)
        {
            SplitArray(root, system, other);
        }
        else
        {
            return null;
        }

        return SplitMessages.Of(system.Length == 0 ? null : system.ToString(), other.Length == 0 ? null : other.ToString());
    }

    /// <summary>True for the roles whose text is the system prompt.</summary>
    public static bool IsSystemRole(string? role) => role is "system" or "developer" or "System" or "SYSTEM";

    private static void SplitArray(JsonElement array, StringBuilder system, StringBuilder other)
    {
        foreach (var message in array.EnumerateArray())
        {
            SplitOne(message, system, other);
        }
    }

    private static void SplitOne(JsonElement message, StringBuilder system, StringBuilder other)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            Collect(message, other, 1);
            return;
        }

        var role = message.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        Collect(message, IsSystemRole(role) ? system : other, 1);
    }

    private static bool LooksLikeJson(string s)
    {
        var trimmed = s.AsSpan().TrimStart();
        return trimmed.Length > 0 && (trimmed[0] == '[' || trimmed[0] == '{');
    }

    private static void Collect(JsonElement e, StringBuilder sb, int depth)
    {
        if (depth > MaxDepth)
        {
            return;
        }

        switch (e.ValueKind)
        {
            case JsonValueKind.String:
                Append(sb, e.GetString());
                break;
            case JsonValueKind.Array:
                foreach (var item in e.EnumerateArray())
                {
                    Collect(item, sb, depth + 1);
                }

                break;
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject())
                {
                    if (p.Name is "content" or "text" && p.Value.ValueKind == JsonValueKind.String)
                    {
                        Append(sb, p.Value.GetString());
                    }
                    else if (p.Name is "parts" or "content" or "messages" or "message")
                    {
                        Collect(p.Value, sb, depth + 1);
                    }
                }

                break;
        }
    }

    private static void Append(StringBuilder sb, string? text)
    {
        if (!string.IsNullOrEmpty(text))
        {
            sb.Append(sb.Length > 0 ? "\n" : string.Empty).Append(text);
        }
    }
}
