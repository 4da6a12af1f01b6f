using System.Text.Json.Serialization;

namespace Quell.Server;

/// <summary>Source-generated JSON metadata for the server's response bodies.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RpcStatus))]
[JsonSerializable(typeof(IngestResponse))]
[JsonSerializable(typeof(CallView))]
[JsonSerializable(typeof(List<CallView>))]
[JsonSerializable(typeof(CanaryRequest))]
[JsonSerializable(typeof(CanaryView))]
[JsonSerializable(typeof(List<CanaryView>))]
[JsonSerializable(typeof(IReadOnlyList<Quell.Changes.ChangeEvent>))]
internal sealed partial class ServerJsonContext : JsonSerializerContext;
