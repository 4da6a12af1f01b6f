using System.Text.Json;
using System.Text.Json.Serialization;

namespace Quell.Calls;

/// <summary>A list field: absent from JSON and NULL in storage when empty, compact JSON in its column.</summary>
public abstract class ListField<T>(string property, string name)
    : CallField<IReadOnlyList<T>>(property, name, null, CallColumnType.Json, notNull: false)
{
    public override void WriteNative(Utf8JsonWriter w, CallRecord c)
    {
        var list = Get(c);
        if (Native && list.Count > 0)
        {
            WriteList(w, list, maskContent: false);
        }
    }

    public override void WriteView(Utf8JsonWriter w, CallRecord c, bool maskContent)
    {
        var list = Get(c);
        if (list.Count > 0)
        {
            WriteList(w, list, maskContent);
        }
    }

    public override CallColumnValue ToColumn(CallRecord c)
    {
        var list = Get(c);
        return CallColumnValue.OfText(list.Count == 0 ? null : ToStorage(list));
    }

    public override void FromColumn(CallRecord target, CallColumnValue value) => Set(target, value.Text is null ? [] : FromStorage(value.Text));

    protected abstract void WriteItem(Utf8JsonWriter w, T item, bool maskContent);

    protected abstract string ToStorage(IReadOnlyList<T> list);

    protected abstract IReadOnlyList<T> FromStorage(string json);

    private void WriteList(Utf8JsonWriter w, IReadOnlyList<T> list, bool maskContent)
    {
        w.WriteStartArray(Name);
        foreach (var item in list)
        {
            WriteItem(w, item, maskContent);
        }

        w.WriteEndArray();
    }

    protected static void Opt(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }
}

/// <summary>Documents used for the answer, [{id, tenant}]; stored as [[id, tenant], …].</summary>
public sealed class RetrievedField(string property, string name) : ListField<RetrievedDocument>(property, name)
{
    public override void ReadNative(ICallJsonReader r, CallRecord target) => Set(target, r.Retrieved(Name));

    protected override void WriteItem(Utf8JsonWriter w, RetrievedDocument item, bool maskContent)
    {
        w.WriteStartObject();
        w.WriteString("id", item.Id);
        Opt(w, "tenant", item.Tenant);
        w.WriteEndObject();
    }

    protected override string ToStorage(IReadOnlyList<RetrievedDocument> list) =>
        JsonSerializer.Serialize(list.Select(d => new[] { d.Id, d.Tenant }).ToArray(), CallStorageJson.Default.StringArrayArray);

    protected override IReadOnlyList<RetrievedDocument> FromStorage(string json) =>
        JsonSerializer.Deserialize(json, CallStorageJson.Default.StringArrayArray)!.Select(a => new RetrievedDocument(a[0]!, a.Length > 1 ? a[1] : null)).ToList();
}

/// <summary>Tools the call asked for, [{name, arguments_hash}]; stored as [[name, hash], …].</summary>
public sealed class ToolCallsField(string property, string name) : ListField<ToolCallRecord>(property, name)
{
    public override void ReadNative(ICallJsonReader r, CallRecord target) => Set(target, r.ToolCalls(Name));

    protected override void WriteItem(Utf8JsonWriter w, ToolCallRecord item, bool maskContent)
    {
        w.WriteStartObject();
        w.WriteString("name", item.Name);
        Opt(w, "arguments_hash", item.ArgumentsHash);
        w.WriteEndObject();
    }

    protected override string ToStorage(IReadOnlyList<ToolCallRecord> list) =>
        JsonSerializer.Serialize(list.Select(d => new[] { d.Name, d.ArgumentsHash }).ToArray(), CallStorageJson.Default.StringArrayArray);

    protected override IReadOnlyList<ToolCallRecord> FromStorage(string json) =>
        JsonSerializer.Deserialize(json, CallStorageJson.Default.StringArrayArray)!.Select(a => new ToolCallRecord(a[0]!, a.Length > 1 ? a[1] : null)).ToList();
}

/// <summary>What the scanners found; evidence quotes content, so it is masked like content.</summary>
public sealed class FindingsField(string property, string name) : ListField<CallFinding>(property, name)
{
    public override void ReadNative(ICallJsonReader r, CallRecord target)
    {
    }

    protected override void WriteItem(Utf8JsonWriter w, CallFinding item, bool maskContent)
    {
        w.WriteStartObject();
        w.WriteString("field", item.Field);
        w.WriteString("kind", item.Kind);
        w.WriteString("entity", item.Entity);
        w.WriteNumber("start", item.Start);
        w.WriteNumber("end", item.End);
        w.WriteNumber("score", item.Score);
        w.WriteString("evidence", maskContent ? CallSchema.MaskedContent : item.Evidence);
        Opt(w, "owner", item.Owner);
        w.WriteEndObject();
    }

    protected override string ToStorage(IReadOnlyList<CallFinding> list) => JsonSerializer.Serialize(list, CallStorageJson.Default.IReadOnlyListCallFinding);

    protected override IReadOnlyList<CallFinding> FromStorage(string json) => JsonSerializer.Deserialize(json, CallStorageJson.Default.IReadOnlyListCallFinding) ?? [];
}

/// <summary>Compact JSON of the list columns (field names as the stores' JSON functions read them: kind, entity, owner).</summary>
[JsonSerializable(typeof(string?[][]))]
[JsonSerializable(typeof(IReadOnlyList<CallFinding>))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
internal sealed partial class CallStorageJson : JsonSerializerContext;
