using System.Text.Json;
using System.Text.Json.Serialization;
using Quell.Calls;

namespace Quell.Server;

/// <summary>
/// A stored call as the API shows it: its log sequence and every field of <see cref="CallSchema"/>, with content
/// masked for readers without read:content. The shape comes from the schema; this type only carries the call.
/// </summary>
[JsonConverter(typeof(CallViewConverter))]
public sealed record CallView(long Seq, CallRecord Call)
{
    /// <summary>Prompt, output, system prompt and finding evidence replaced by <see cref="CallSchema.MaskedContent"/>.</summary>
    public bool MaskContent { get; init; }

    public static CallView From(LoggedCall logged) => new(logged.Sequence, logged.Call);
}

/// <summary>Writes a <see cref="CallView"/> through the schema; views are output only.</summary>
public sealed class CallViewConverter : JsonConverter<CallView>
{
    public override CallView Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("a call view is written, not read; read calls with the native JSON reader");

    public override void Write(Utf8JsonWriter writer, CallView value, JsonSerializerOptions options) =>
        CallSchema.WriteView(writer, value.Seq, value.Call, value.MaskContent);
}
