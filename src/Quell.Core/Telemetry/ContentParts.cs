using System.Text;

namespace Quell.Telemetry;

/// <summary>
/// Message content gathered from GenAI events, whether span events or OTLP log records:
/// <c>gen_ai.system.message</c>, <c>gen_ai.user.message</c>, <c>gen_ai.assistant.message</c>, <c>gen_ai.tool.message</c>,
/// <c>gen_ai.choice</c>, <c>gen_ai.content.prompt</c>/<c>completion</c> and <c>gen_ai.client.inference.operation.details</c>.
/// </summary>
public sealed class ContentParts
{
    private readonly StringBuilder _system = new();
    private readonly StringBuilder _input = new();
    private readonly StringBuilder _output = new();

    /// <summary>True once an event that ends the exchange (a choice, the details event) has been added.</summary>
    public bool HasOutputEvent { get; private set; }

    public int Events { get; private set; }

    public int Chars => _system.Length + _input.Length + _output.Length;

    /// <summary>True for the event names that carry GenAI message content.</summary>
    public static bool IsContentEvent(string name) => name is "gen_ai.system.message" or "gen_ai.user.message" or "gen_ai.assistant.message"
        or "gen_ai.tool.message" or "gen_ai.choice" or "gen_ai.content.prompt" or "gen_ai.content.completion"
        or "gen_ai.client.inference.operation.details";

    /// <summary>Adds one event; returns false for events that carry no GenAI content.</summary>
    public bool AddEvent(string name, IReadOnlyDictionary<string, object?> attributes, object? body)
    {
        if (!IsContentEvent(name))
        {
            return false;
        }

        Events++;
        switch (name)
        {
            case "gen_ai.system.message":
                Append(_system, MessageText(attributes, body));
                break;
            case "gen_ai.user.message" or "gen_ai.assistant.message" or "gen_ai.tool.message":
                Append(_input, MessageText(attributes, body));
                break;
            case "gen_ai.choice":
                HasOutputEvent = true;
                Append(_output, MessageText(attributes, body));
                break;
            case "gen_ai.content.prompt":
                if (GenAiMessages.Split(attributes.GetValueOrDefault("gen_ai.prompt") ?? body) is { } prompt)
                {
                    Append(_system, prompt.System);
                    Append(_input, prompt.Other);
                }

                break;
            case "gen_ai.content.completion":
                HasOutputEvent = true;
                Append(_output, GenAiMessages.Text(attributes.GetValueOrDefault("gen_ai.completion") ?? body));
                break;
            case "gen_ai.client.inference.operation.details":
                HasOutputEvent = true;
                var fields = body as IReadOnlyDictionary<string, object?>;
                Append(_system, GenAiMessages.Text(attributes.GetValueOrDefault("gen_ai.system_instructions") ?? fields?.GetValueOrDefault("gen_ai.system_instructions")));
                if (GenAiMessages.Split(attributes.GetValueOrDefault("gen_ai.input.messages") ?? fields?.GetValueOrDefault("gen_ai.input.messages")) is { } input)
                {
                    Append(_system, input.System);
                    Append(_input, input.Other);
                }

                Append(_output, GenAiMessages.Text(attributes.GetValueOrDefault("gen_ai.output.messages") ?? fields?.GetValueOrDefault("gen_ai.output.messages")));
                break;
        }

        return true;
    }

    /// <summary>Fills the draft's system prompt, input and output where they are still empty.</summary>
    public void ApplyTo(CallDraft draft)
    {
        draft.SystemPrompt ??= _system.Length == 0 ? null : _system.ToString();
        draft.Input ??= _input.Length == 0 ? null : _input.ToString();
        draft.Output ??= _output.Length == 0 ? null : _output.ToString();
    }

    public (string? System, string? Input, string? Output) Texts() =>
        (_system.Length == 0 ? null : _system.ToString(), _input.Length == 0 ? null : _input.ToString(), _output.Length == 0 ? null : _output.ToString());

    private static string? MessageText(IReadOnlyDictionary<string, object?> attributes, object? body)
    {
        // Log records carry {content} or {message: {content}} in the body; span events carry the same as attributes.
        if (body is string s)
        {
            return GenAiMessages.Text(s);
        }

        if (body is IReadOnlyDictionary<string, object?> map && FromMap(map) is { } fromBody)
        {
            return fromBody;
        }

        return FromMap(attributes);

        static string? FromMap(IReadOnlyDictionary<string, object?> map) =>
            GenAiMessages.Text(map.GetValueOrDefault("content"))
            ?? (map.GetValueOrDefault("message") is IReadOnlyDictionary<string, object?> message ? GenAiMessages.Text(message.GetValueOrDefault("content")) : GenAiMessages.Text(map.GetValueOrDefault("message")))
            ?? GenAiMessages.Text(map.GetValueOrDefault("gen_ai.prompt"))
            ?? GenAiMessages.Text(map.GetValueOrDefault("gen_ai.completion"));
    }

    private static void Append(StringBuilder sb, string? text)
    {
        if (!string.IsNullOrEmpty(text))
        {
            sb.Append(sb.Length > 0 ? "\n" : string.Empty).Append(text);
        }
    }
}
