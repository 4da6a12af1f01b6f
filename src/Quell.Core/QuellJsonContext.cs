using System.Text.Json.Serialization;

namespace Quell;

/// <summary>Source-generated JSON metadata for the types Quell's core serialises on hot paths.</summary>
[JsonSerializable(typeof(Dictionary<string, object?>))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(object[]))]
internal sealed partial class QuellJsonContext : JsonSerializerContext;
