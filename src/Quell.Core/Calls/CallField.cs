using System.Reflection;
using System.Text.Json;

namespace Quell.Calls;

/// <summary>The provider-neutral type of a storage column; each provider maps it to its own SQL type.</summary>
public enum CallColumnType
{
    /// <summary>A string (SQLite TEXT, PostgreSQL text).</summary>
    Text,

    /// <summary>A 64-bit integer; timestamps are Unix milliseconds, enums their number (INTEGER, bigint).</summary>
    Int64,

    /// <summary>A double (REAL, double precision).</summary>
    Double,

    /// <summary>Compact JSON text (TEXT, jsonb or text).</summary>
    Json,
}

/// <summary>A stored value of one column: <see cref="Text"/> for text and JSON columns, else the number.</summary>
public readonly record struct CallColumnValue(string? Text, long Int64, double? Double)
{
    public static CallColumnValue OfText(string? text) => new(text, 0, null);

    public static CallColumnValue OfInt64(long value) => new(null, value, null);

    public static CallColumnValue OfDouble(double? value) => new(null, 0, value);
}

/// <summary>What a field needs from the native JSON reader: typed accessors that remember the first error.</summary>
public interface ICallJsonReader
{
    string? Label(string name, bool required = false);

    string? Content(string name);

    double? NonNegativeNumber(string name);

    long Tokens(string name);

    IReadOnlyList<RetrievedDocument> Retrieved(string name);

    IReadOnlyList<ToolCallRecord> ToolCalls(string name);

    string? Attributes(string name);

    void Fail(string field, string message);
}

/// <summary>One field of the call record: its name in JSON and the API, its column, and how its value moves between them.</summary>
public abstract class CallField
{
    private protected CallField(string property, string name, string? column, CallColumnType type, bool notNull)
    {
        Property = property;
        Name = name;
        Column = column ?? name;
        ColumnType = type;
        NotNull = notNull;
    }

    /// <summary>The <see cref="CallRecord"/> property.</summary>
    public string Property { get; }

    /// <summary>Name in the native JSON and in the API view.</summary>
    public string Name { get; }

    public string Column { get; }

    public CallColumnType ColumnType { get; }

    public bool NotNull { get; }

    public virtual bool Unique => false;

    /// <summary>Part of the native ingest format (false: Quell's own, such as scanner findings).</summary>
    public bool Native { get; init; } = true;

    /// <summary>Shown by GET /api/v1/calls.</summary>
    public virtual bool InView => true;

    /// <summary>Prompt or output text: masked for readers without read:content.</summary>
    public virtual bool IsContent => false;

    /// <summary>Read back for figures (detectors, aggregates); false for text-heavy fields.</summary>
    public virtual bool InFigures => !IsContent;

    /// <summary>The value as a <see cref="CallRecord"/> holds it (tests compare records field by field).</summary>
    public abstract object? ValueOf(CallRecord c);

    public abstract void ReadNative(ICallJsonReader r, CallRecord target);

    public abstract void WriteNative(Utf8JsonWriter w, CallRecord c);

    public abstract void WriteView(Utf8JsonWriter w, CallRecord c, bool maskContent);

    public abstract CallColumnValue ToColumn(CallRecord c);

    public abstract void FromColumn(CallRecord target, CallColumnValue value);
}

/// <summary>A field with its property's getter and init setter bound once (readers fill a fresh record before publishing it).</summary>
public abstract class CallField<T> : CallField
{
    private protected CallField(string property, string name, string? column, CallColumnType type, bool notNull)
        : base(property, name, column, type, notNull)
    {
        var p = typeof(CallRecord).GetProperty(property, BindingFlags.Public | BindingFlags.Instance)
            ?? throw new InvalidOperationException($"CallRecord has no property {property}");
        Get = p.GetMethod!.CreateDelegate<Func<CallRecord, T>>();
        Set = p.SetMethod!.CreateDelegate<Action<CallRecord, T>>();
    }

    public Func<CallRecord, T> Get { get; }

    public Action<CallRecord, T> Set { get; }

    public override object? ValueOf(CallRecord c) => Get(c);
}
