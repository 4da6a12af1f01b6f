using System.Text.Json.Serialization;
using Quell.Incidents;
using Quell.Notifications;

namespace Quell.Storage.Sqlite;

/// <summary>Source-generated JSON for the incident, notification and silence bodies stored in SQLite.</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Incident))]
[JsonSerializable(typeof(Notification))]
[JsonSerializable(typeof(Silence))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class IncidentStorageJson : JsonSerializerContext;
