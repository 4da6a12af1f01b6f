using System.Text.RegularExpressions;
using Quell.Configuration;
using YamlDotNet.RepresentationModel;

namespace Quell.Yaml;

/// <summary>Finds the line and column of the key a validation message names ("detection.evaluation_seconds must …").</summary>
public static partial class YamlKeyLocator
{
    public static Func<string, (long Line, long Column)?> Create(string yaml)
    {
        YamlNode? root = null;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            root = stream.Documents.Count > 0 ? stream.Documents[0].RootNode : null;
        }
        catch (YamlDotNet.Core.YamlException)
        {
            // The file already deserialized; a second reading failing only costs the line numbers.
        }

        return message => root is null ? null : Locate(root, message);
    }

    private static (long Line, long Column)? Locate(YamlNode root, string message)
    {
        var path = PathPrefix().Match(message);
        if (!path.Success)
        {
            return null;
        }

        YamlNode node = root;
        YamlNode? key = null;
        foreach (Match segment in Segment().Matches(path.Value))
        {
            var name = segment.Groups["name"].Value;
            if (node is not YamlMappingNode map)
            {
                break;
            }

            var found = map.Children.FirstOrDefault(c => c.Key is YamlScalarNode k && string.Equals(k.Value, name, StringComparison.Ordinal));
            if (found.Key is null)
            {
                break;
            }

            key = found.Key;
            node = found.Value;
            if (segment.Groups["index"].Success && node is YamlSequenceNode seq && int.TryParse(segment.Groups["index"].Value, out var i) && i < seq.Children.Count)
            {
                key = node = seq.Children[i];
            }
        }

        return key is null ? null : (key.Start.Line, key.Start.Column);
    }

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_\-\[\]\.]*")]
    private static partial Regex PathPrefix();

    [GeneratedRegex(@"(?<name>[^.\[\]]+)(\[(?<index>\d+)\])?")]
    private static partial Regex Segment();
}
