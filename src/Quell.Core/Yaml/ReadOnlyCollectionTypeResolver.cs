using Quell.Configuration;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Quell.Yaml;

/// <summary>Lets immutable config records declare IReadOnlyDictionary and IReadOnlyList while YAML fills concrete collections.</summary>
public sealed class ReadOnlyCollectionTypeResolver : INodeTypeResolver
{
    public bool Resolve(NodeEvent? nodeEvent, ref Type currentType)
    {
        if (!currentType.IsInterface || !currentType.IsGenericType)
        {
            return false;
        }

        var definition = currentType.GetGenericTypeDefinition();
        var args = currentType.GetGenericArguments();
        if (definition == typeof(IReadOnlyDictionary<,>) || definition == typeof(IDictionary<,>))
        {
            currentType = typeof(Dictionary<,>).MakeGenericType(args);
            return true;
        }

        if (definition == typeof(IReadOnlySet<>) || definition == typeof(ISet<>))
        {
            currentType = typeof(HashSet<>).MakeGenericType(args);
            return true;
        }

        if (definition == typeof(IReadOnlyList<>) || definition == typeof(IReadOnlyCollection<>) || definition == typeof(IEnumerable<>) || definition == typeof(IList<>) || definition == typeof(ICollection<>))
        {
            currentType = typeof(List<>).MakeGenericType(args);
            return true;
        }

        return false;
    }
}
