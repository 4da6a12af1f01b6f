using System.Text.Json;
using System.Text.Json.Serialization;
using Quell.Incidents;
using Quell.Notifications;
using Quell.OnCall;
using Quell.Response;

namespace Quell.Server;

/// <summary>Source-generated snake_case JSON for the incidents, on-call and silences API.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(LowerCaseEnum<IncidentState>), typeof(LowerCaseEnum<SignalState>), typeof(LowerCaseEnum<NotificationAction>)])]
[JsonSerializable(typeof(Incident))]
[JsonSerializable(typeof(List<Incident>))]
[JsonSerializable(typeof(List<TimelineEntry>))]
[JsonSerializable(typeof(List<OutboxItemView>))]
[JsonSerializable(typeof(List<OnCallView>))]
[JsonSerializable(typeof(List<SilenceView>))]
[JsonSerializable(typeof(SilenceView))]
[JsonSerializable(typeof(AlertmanagerResponse))]
internal sealed partial class IncidentApiJson : JsonSerializerContext;

/// <summary>Writes enum values in snake_case ("acknowledged", "firing") as the API documents them.</summary>
public sealed class LowerCaseEnum<T>() : JsonStringEnumConverter<T>(JsonNamingPolicy.SnakeCaseLower)
    where T : struct, Enum;

/// <summary>A notification and how its delivery went.</summary>
public sealed record OutboxItemView(string Id, string Channel, string Action, string? Recipient, string Text, string Status, int Attempts, DateTimeOffset NextAttemptAt, string? LastError)
{
    public static OutboxItemView From(OutboxItem o) => new(o.Notification.Id, o.Notification.Channel, o.Notification.Message.Action.ToString().ToLowerInvariant(), o.Notification.Message.Recipient, o.Notification.Message.Text, o.Status.ToString().ToLowerInvariant(), o.Attempts, o.NextAttemptAt, o.LastError);
}

/// <summary>Who is on call for one schedule.</summary>
public sealed record OnCallView(string Schedule, string? User, string? Source, DateTimeOffset? From, DateTimeOffset? To);

/// <summary>A silence or maintenance window as the API shows it.</summary>
public sealed record SilenceView(string Id, string Kind, IReadOnlyList<string> Matchers, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string CreatedBy, string Comment, bool Active)
{
    public static SilenceView From(Silence s, DateTimeOffset now) => new(s.Id, s.Kind, s.Matchers.Select(m => m.ToString()).ToList(), s.StartsAt, s.EndsAt, s.CreatedBy, s.Comment, s.IsActive(now));
}

/// <summary>What an Alertmanager webhook did: which incidents its alerts touched.</summary>
public sealed record AlertmanagerResponse(int Alerts, IReadOnlyList<string> Incidents);
