using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Quell.Configuration;

/// <summary>Reads durations as "90s", "5m", "2h", "14d" or "hh:mm:ss".</summary>
public sealed class YamlTimeSpanConverter : IYamlTypeConverter
{
    public bool Accepts(Type type) => type == typeof(TimeSpan) || type == typeof(TimeSpan?);

    public object? ReadYaml(IParser parser, Type type, ObjectDeserializer rootDeserializer)
    {
        var scalar = parser.Consume<Scalar>();
        return ParseDuration(scalar.Value) ?? throw new YamlException(scalar.Start, scalar.End, $"'{scalar.Value}' is not a duration (use 30s, 5m, 2h, 14d)");
    }

    public void WriteYaml(IEmitter emitter, object? value, Type type, ObjectSerializer serializer) =>
        emitter.Emit(new Scalar(((TimeSpan)value!).ToString("c", CultureInfo.InvariantCulture)));

    public static TimeSpan? ParseDuration(string text)
    {
        var s = text.Trim();
        if (s.Length >= 2 && double.TryParse(s[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
        {
            switch (s[^1])
            {
                case 's': return TimeSpan.FromSeconds(n);
                case 'm': return TimeSpan.FromMinutes(n);
                case 'h': return TimeSpan.FromHours(n);
                case 'd': return TimeSpan.FromDays(n);
            }
        }

        return TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out var ts) ? ts : null;
    }
}
