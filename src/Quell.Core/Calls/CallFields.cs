using System.Globalization;
using System.Text.Json;

namespace Quell.Calls;

/// <summary>An optional short string (tenant, model, trace id …).</summary>
public class LabelField(string property, string name, string? column = null, bool notNull = false)
    : CallField<string?>(property, name, column, CallColumnType.Text, notNull)
{
    public override void ReadNative(ICallJsonReader r, CallRecord target) => Set(target, r.Label(Name));

    public override void WriteNative(Utf8JsonWriter w, CallRecord c)
    {
        if (Get(c) is { } v)
        {
            w.WriteString(Name, v);
        }
    }

    public override void WriteView(Utf8JsonWriter w, CallRecord c, bool maskContent) => WriteNative(w, c);

    public override CallColumnValue ToColumn(CallRecord c) => CallColumnValue.OfText(Get(c));

    public override void FromColumn(CallRecord target, CallColumnValue value) => Set(target, value.Text);
}

/// <summary>The call's unique id: required, not empty.</summary>
public sealed class IdField(string property, string name) : LabelField(property, name, notNull: true)
{
    public override bool Unique => true;

    public override void ReadNative(ICallJsonReader r, CallRecord target) => Set(target, r.Label(Name, required: true) ?? string.Empty);
}

/// <summary>The operation (chat, embeddings …): "chat" when absent, always written.</summary>
public sealed class OperationField(string property, string name) : LabelField(property, name, notNull: true)
{
    public override void ReadNative(ICallJsonReader r, CallRecord target) => Set(target, r.Label(Name) ?? "chat");

    public override void WriteNative(Utf8JsonWriter w, CallRecord c) => w.WriteString(Name, Get(c) ?? "chat");
}

/// <summary>The error type; normalised (rate_limited, timeout …) when the call failed. Read after the status.</summary>
public sealed class ErrorTypeField(string property, string name) : LabelField(property, name)
{
    public override void ReadNative(ICallJsonReader r, CallRecord target)
    {
        var v = r.Label(Name);
        Set(target, target.Status == CallStatus.Error ? ErrorTypes.Normalize(v) : v);
    }
}

/// <summary>Prompt, output or system prompt: long text, masked for readers without read:content, not read for figures.</summary>
public sealed class ContentField(string property, string name) : LabelField(property, name)
{
    public override bool IsContent => true;

    public override void ReadNative(ICallJsonReader r, CallRecord target) => Set(target, r.Content(Name));

    public override void WriteView(Utf8JsonWriter w, CallRecord c, bool maskContent)
    {
        if (Get(c) is { } v)
        {
            w.WriteString(Name, maskContent ? CallSchema.MaskedContent : v);
        }
    }
}

/// <summary>The start of the call: RFC 3339 in JSON, Unix milliseconds in storage.</summary>
public sealed class TimestampField(string property, string name, string? column = null)
    : CallField<DateTimeOffset>(property, name, column, CallColumnType.Int64, notNull: true)
{
    public override void ReadNative(ICallJsonReader r, CallRecord target)
    {
        var text = r.Label(Name, required: true);
        if (text is null)
        {
            return;
        }

        // The allowed range is one of the shared input rules (Quell.Validation), checked after decoding.
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var ts))
        {
            Set(target, ts);
        }
        else
        {
            r.Fail(Name, $"'{Clip(text)}' is not an RFC 3339 time");
        }
    }

    public override void WriteNative(Utf8JsonWriter w, CallRecord c) =>
        w.WriteString(Name, Get(c).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));

    public override void WriteView(Utf8JsonWriter w, CallRecord c, bool maskContent) => w.WriteString(Name, Get(c));

    public override CallColumnValue ToColumn(CallRecord c) => CallColumnValue.OfInt64(Get(c).ToUnixTimeMilliseconds());

    public override void FromColumn(CallRecord target, CallColumnValue value) => Set(target, DateTimeOffset.FromUnixTimeMilliseconds(value.Int64));

    internal static string Clip(string? s) => s is null ? string.Empty : s.Length <= 40 ? s : s[..40] + "…";
}

/// <summary>An optional non-negative number (latency, time to first token, a score).</summary>
public class NumberField(string property, string name)
    : CallField<double?>(property, name, null, CallColumnType.Double, notNull: false)
{
    public override void ReadNative(ICallJsonReader r, CallRecord target)
    {
        if (Native)
        {
            Set(target, r.NonNegativeNumber(Name));
        }
    }

    public override void WriteNative(Utf8JsonWriter w, CallRecord c)
    {
        if (Native && Get(c) is { } v)
        {
            w.WriteNumber(Name, v);
        }
    }

    public override void WriteView(Utf8JsonWriter w, CallRecord c, bool maskContent)
    {
        if (Get(c) is { } v)
        {
            w.WriteNumber(Name, v);
        }
    }

    public override CallColumnValue ToColumn(CallRecord c) => CallColumnValue.OfDouble(Get(c));

    public override void FromColumn(CallRecord target, CallColumnValue value) => Set(target, value.Double);
}

/// <summary>The cost in US dollars: written to the native JSON only when the caller reported it, so a re-ingest prices it again.</summary>
public sealed class CostField(string property, string name) : NumberField(property, name)
{
    public override void WriteNative(Utf8JsonWriter w, CallRecord c)
    {
        if (Get(c) is { } v && c.CostSource == CostSource.Reported)
        {
            w.WriteNumber(Name, v);
        }
    }
}

/// <summary>A token count: whole, non-negative, 0 when absent.</summary>
public sealed class TokensField(string property, string name, bool writeZero)
    : CallField<long>(property, name, null, CallColumnType.Int64, notNull: true)
{
    public override void ReadNative(ICallJsonReader r, CallRecord target) => Set(target, r.Tokens(Name));

    public override void WriteNative(Utf8JsonWriter w, CallRecord c)
    {
        var v = Get(c);
        if (writeZero || v > 0)
        {
            w.WriteNumber(Name, v);
        }
    }

    public override void WriteView(Utf8JsonWriter w, CallRecord c, bool maskContent) => w.WriteNumber(Name, Get(c));

    public override CallColumnValue ToColumn(CallRecord c) => CallColumnValue.OfInt64(Get(c));

    public override void FromColumn(CallRecord target, CallColumnValue value) => Set(target, value.Int64);
}

/// <summary>Where the cost came from: Quell's own (reported when the caller sent a cost, else priced later).</summary>
public sealed class CostSourceField(string property, string name)
    : CallField<CostSource>(property, name, null, CallColumnType.Int64, notNull: true)
{
    public override void ReadNative(ICallJsonReader r, CallRecord target) => Set(target, target.CostUsd is null ? CostSource.Unknown : CostSource.Reported);

    public override void WriteNative(Utf8JsonWriter w, CallRecord c)
    {
    }

    public override void WriteView(Utf8JsonWriter w, CallRecord c, bool maskContent) =>
        w.WriteString(Name, Get(c) switch { CostSource.PriceTable => "price_table", CostSource.Reported => "reported", _ => "unknown" });

    public override CallColumnValue ToColumn(CallRecord c) => CallColumnValue.OfInt64((long)Get(c));

    public override void FromColumn(CallRecord target, CallColumnValue value) => Set(target, (CostSource)value.Int64);
}

/// <summary>ok or error (success and failed are accepted too).</summary>
public sealed class StatusField(string property, string name)
    : CallField<CallStatus>(property, name, null, CallColumnType.Int64, notNull: true)
{
    public override void ReadNative(ICallJsonReader r, CallRecord target)
    {
        var status = r.Label(Name) ?? "ok";
        switch (status)
        {
            case "ok" or "OK" or "success":
                Set(target, CallStatus.Ok);
                break;
            case "error" or "ERROR" or "failed":
                Set(target, CallStatus.Error);
                break;
            default:
                r.Fail(Name, $"'{TimestampField.Clip(status)}' is not one of ok, error");
                Set(target, CallStatus.Ok);
                break;
        }
    }

    public override void WriteNative(Utf8JsonWriter w, CallRecord c) => w.WriteString(Name, Get(c) == CallStatus.Error ? "error" : "ok");

    public override void WriteView(Utf8JsonWriter w, CallRecord c, bool maskContent) => WriteNative(w, c);

    public override CallColumnValue ToColumn(CallRecord c) => CallColumnValue.OfInt64((long)Get(c));

    public override void FromColumn(CallRecord target, CallColumnValue value) => Set(target, (CallStatus)value.Int64);
}

/// <summary>Anything else the source sent: a JSON object, stored as compact text, null when empty.</summary>
public sealed class AttributesField(string property, string name)
    : CallField<string?>(property, name, null, CallColumnType.Json, notNull: false)
{
    public override bool InFigures => false;

    public override void ReadNative(ICallJsonReader r, CallRecord target) => Set(target, r.Attributes(Name));

    public override void WriteNative(Utf8JsonWriter w, CallRecord c)
    {
        if (Get(c) is { } raw)
        {
            w.WritePropertyName(Name);
            w.WriteRawValue(raw);
        }
    }

    public override void WriteView(Utf8JsonWriter w, CallRecord c, bool maskContent)
    {
        if (Get(c) is { } raw)
        {
            using var doc = JsonDocument.Parse(raw);
            w.WritePropertyName(Name);
            doc.RootElement.WriteTo(w);
        }
    }

    public override CallColumnValue ToColumn(CallRecord c) => CallColumnValue.OfText(Get(c));

    public override void FromColumn(CallRecord target, CallColumnValue value) => Set(target, value.Text);
}
