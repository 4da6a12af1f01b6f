using System.Reflection;
using Xunit.Abstractions;

namespace Quell.Tests.Architecture;

/// <summary>
/// The folders of Quell.Core form layers: a folder uses the folders below it and never the ones above, so there is no
/// cycle between folders, and each folder (with its subfolders) is one namespace of one assembly. Read from the
/// compiled assemblies, not from the source text, so a type named in a method body counts as much as one in a
/// signature.
/// </summary>
public sealed class FolderDependencyTests(ITestOutputHelper output)
{
    private static readonly Assembly Core = typeof(Quell.Calls.CallRecord).Assembly;
    private static readonly Assembly Host = typeof(Quell.Server.QuellServer).Assembly;

    [Fact]
    public void CoreFolders_HaveNoDependencyCycle()
    {
        var edges = FolderEdges(Core);
        foreach (var (from, to) in edges.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{from} -> {string.Join(", ", to.Keys.Order(StringComparer.Ordinal))}");
        }

        var cycles = StronglyConnected(edges).Where(c => c.Count > 1).ToList();
        var report = string.Join("\n", cycles.Select(c => Describe(c, edges)));
        Assert.True(cycles.Count == 0, $"dependency cycles between Quell.Core folders:\n{report}");
    }

    [Fact]
    public void Configuration_AggregatesTheFeatures_AndNoFeatureDependsOnIt()
    {
        var edges = FolderEdges(Core);
        var users = edges.Where(e => e.Key != "Configuration" && e.Value.ContainsKey("Configuration"))
            .Select(e => $"{e.Key} (uses {string.Join(", ", e.Value["Configuration"].Take(5))})")
            .ToList();
        Assert.True(users.Count == 0, $"folders that depend on Configuration: {string.Join("; ", users)}");
    }

    [Fact]
    public void EachNamespace_LivesInOneAssembly()
    {
        var coreNamespaces = Namespaces(Core);
        var shared = Namespaces(Host).Where(coreNamespaces.Contains).Order(StringComparer.Ordinal).ToList();
        Assert.True(shared.Count == 0, $"namespaces in both Quell.Core and the host: {string.Join(", ", shared)}");
    }

    [Fact]
    public void EachCoreFolder_DeclaresTheNamespaceOfItsPath()
    {
        var root = Path.Combine(Repository.Root, "src", "Quell.Core");
        var wrong = new List<string>();
        foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, file);
            if (relative.StartsWith("obj", StringComparison.Ordinal) || relative.StartsWith("bin", StringComparison.Ordinal))
            {
                continue;
            }

            var folder = Path.GetDirectoryName(relative)!;
            var expected = folder.Length == 0 ? "Quell" : "Quell." + folder.Replace(Path.DirectorySeparatorChar, '.');
            var declared = File.ReadLines(file).FirstOrDefault(l => l.StartsWith("namespace ", StringComparison.Ordinal))?["namespace ".Length..].TrimEnd(';', ' ');
            if (declared != expected)
            {
                wrong.Add($"{relative}: {declared} (expected {expected})");
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    /// <summary>Folder → folder it uses → a few of the type pairs that make the edge.</summary>
    public static Dictionary<string, Dictionary<string, List<string>>> FolderEdges(Assembly assembly)
    {
        var edges = new Dictionary<string, Dictionary<string, List<string>>>(StringComparer.Ordinal);
        foreach (var (type, uses) in TypeDependencies.Of(assembly))
        {
            if (Folder(type) is not { } from)
            {
                continue;
            }

            if (!edges.TryGetValue(from, out var targets))
            {
                targets = new Dictionary<string, List<string>>(StringComparer.Ordinal);
                edges[from] = targets;
            }

            foreach (var used in uses.Where(u => u.Assembly == assembly))
            {
                if (Folder(used) is { } to && to != from)
                {
                    if (!targets.TryGetValue(to, out var why))
                    {
                        why = [];
                        targets[to] = why;
                    }

                    why.Add($"{type.Name}→{used.Name}");
                }
            }
        }

        return edges;
    }

    // The first namespace segment under Quell names the folder. Types the compiler or a source generator adds outside
    // Quell's namespaces (regex and JSON generators, <PrivateImplementationDetails>) belong to no folder.
    private static string? Folder(Type type)
    {
        var ns = type.Namespace;
        if (ns is null || !(ns == "Quell" || ns.StartsWith("Quell.", StringComparison.Ordinal)))
        {
            return null;
        }

        var parts = ns.Split('.');
        return parts.Length == 1 ? "(root)" : parts[1];
    }

    private static HashSet<string> Namespaces(Assembly assembly) =>
        assembly.GetTypes().Select(t => t.Namespace).OfType<string>().Where(n => n.StartsWith("Quell", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);

    private static string Describe(List<string> cycle, Dictionary<string, Dictionary<string, List<string>>> edges)
    {
        var members = cycle.ToHashSet(StringComparer.Ordinal);
        var lines = new List<string> { $"[{string.Join(", ", cycle.Order(StringComparer.Ordinal))}]" };
        foreach (var from in cycle.Order(StringComparer.Ordinal))
        {
            foreach (var (to, why) in edges[from].Where(e => members.Contains(e.Key)).OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                lines.Add($"  {from} -> {to}: {string.Join(", ", why.Distinct().Take(4))}");
            }
        }

        return string.Join("\n", lines);
    }

    // Tarjan's strongly connected components.
    private static List<List<string>> StronglyConnected(Dictionary<string, Dictionary<string, List<string>>> edges)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<List<string>>();
        var nodes = edges.Keys.Concat(edges.Values.SelectMany(v => v.Keys)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

        void Visit(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in edges.TryGetValue(v, out var next) ? next.Keys.ToList() : [])
            {
                if (!index.TryGetValue(w, out var seen))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w))
                {
                    low[v] = Math.Min(low[v], seen);
                }
            }

            if (low[v] == index[v])
            {
                var component = new List<string>();
                string w;
                do
                {
                    w = stack.Pop();
                    onStack.Remove(w);
                    component.Add(w);
                }
                while (w != v);
                result.Add(component);
            }
        }

        foreach (var node in nodes.Where(n => !index.ContainsKey(n)))
        {
            Visit(node);
        }

        return result;
    }
}
