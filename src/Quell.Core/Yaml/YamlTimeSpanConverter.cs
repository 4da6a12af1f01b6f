using System.Globalization;
using Quell.Configuration;
using YamlDotNet.Core.Events;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Quell.Yaml;

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
            var seconds = s[^1] switch
            {
                's' => n,
                'm' => n * 60,
                'h' => n * 3600,
                'd' => n * 86400,
                _ => double.NaN,
            };
            if (!double.IsNaN(seconds))
            {
                // Beyond what TimeSpan holds (about 29,000 years) is no duration anyone means.
                return double.IsFinite(seconds) && Math.Abs(seconds) < TimeSpan.MaxValue.TotalSeconds ? TimeSpan.FromSeconds(seconds) : null;
            }
        }

        return TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out var ts) ? ts : null;
    }
}
