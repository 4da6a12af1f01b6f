using System.Collections;
using System.Reflection;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization.NamingConventions;

namespace Quell.Configuration;

/// <summary>
/// Keeps the defaults a parent gives a nested section when a file sets only some of its keys. The YAML reader
/// builds a nested section from its type's own defaults, so <c>latency: { p99: { min_ratio: 2 } }</c> would
/// otherwise drop p99's 300-call block size for the type-wide 100. Every key the file leaves out is copied from
/// the section as a default configuration has it; keys the file sets, maps and lists are left as read.
/// </summary>
public static class NestedDefaults
{
    public static void Apply(object read, object defaults, string yaml)
    {
        YamlMappingNode? root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            root = stream.Documents.Count > 0 ? stream.Documents[0].RootNode as YamlMappingNode : null;
        }
        catch (YamlDotNet.Core.YamlException)
        {
            return;
        }

        if (root is not null)
        {
            Fill(read, defaults, root, topLevel: true);
        }
    }

    private static void Fill(object read, object defaults, YamlMappingNode node, bool topLevel)
    {
        var keys = new HashSet<string>(node.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? ""), StringComparer.Ordinal);
        foreach (var property in read.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!property.CanRead || !property.CanWrite || property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            var name = UnderscoredNamingConvention.Instance.Apply(property.Name);
            if (!keys.Contains(name))
            {
                // The top level was built from the same defaults already; a nested section was not.
                if (!topLevel)
                {
                    property.SetValue(read, property.GetValue(defaults));
                }

                continue;
            }

            if (Section(property.PropertyType)
                && node.Children[new YamlScalarNode(name)] is YamlMappingNode child
                && property.GetValue(read) is { } readChild
                && property.GetValue(defaults) is { } defaultChild)
            {
                Fill(readChild, defaultChild, child, topLevel: false);
            }
        }
    }

    /// <summary>A nested options record: a class of settable properties, not a string, map or list.</summary>
    private static bool Section(Type type) =>
        type.IsClass && type != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(type) && type.Namespace?.StartsWith("Quell", StringComparison.Ordinal) == true;
}
