using Quell.Configuration;
using Quell.Yaml;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Quell.Runbooks;

/// <summary>The built-in runbooks (embedded YAML) plus the operator's, and which one attaches to an alert or incident.</summary>
public sealed class RunbookCatalog
{
    private static readonly Lazy<IReadOnlyList<RunbookDefinition>> BuiltInList = new(() =>
    {
        using var stream = typeof(RunbookCatalog).Assembly.GetManifestResourceStream("Quell.Runbooks.BuiltIn.runbooks.yaml")
            ?? throw new InvalidOperationException("built-in runbooks are missing from the assembly");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    });

    public RunbookCatalog(IReadOnlyList<RunbookDefinition>? custom = null)
    {
        var byName = BuiltIn.ToDictionary(r => r.Name, StringComparer.Ordinal);
        var order = BuiltIn.Select(r => r.Name).ToList();
        foreach (var r in custom ?? [])
        {
            if (!byName.ContainsKey(r.Name))
            {
                order.Add(r.Name);
            }

            byName[r.Name] = r;
        }

        All = order.Select(n => byName[n]).ToList();
    }

    public static IReadOnlyList<RunbookDefinition> BuiltIn => BuiltInList.Value;

    public IReadOnlyList<RunbookDefinition> All { get; }

    public RunbookDefinition? Get(string name) => All.FirstOrDefault(r => r.Name == name);

    /// <summary>
    /// The runbook for a category and signal: operator runbooks first, then one whose signals name the signal, then
    /// the first of the category without signals, then the first of the category.
    /// </summary>
    public RunbookDefinition? Select(string category, string? signal)
    {
        var candidates = All.Where(r => r.Categories.Contains(category, StringComparer.OrdinalIgnoreCase)).ToList();
        return candidates.FirstOrDefault(r => signal is not null && r.Signals.Contains(signal, StringComparer.Ordinal))
            ?? candidates.FirstOrDefault(r => r.Signals.Count == 0)
            ?? candidates.FirstOrDefault();
    }

    public static IReadOnlyList<RunbookDefinition> Parse(string yaml)
    {
        var deserializer = new DeserializerBuilder()
            .WithNamingConvention(UnderscoredNamingConvention.Instance)
            .WithEnumNamingConvention(UnderscoredNamingConvention.Instance)
            .WithNodeTypeResolver(new ReadOnlyCollectionTypeResolver())
            .Build();
        var list = deserializer.Deserialize<List<RunbookDefinition>?>(yaml) ?? [];
        foreach (var r in list)
        {
            Validate(r);
        }

        return list;
    }

    /// <summary>Names what is wrong with a runbook, as config validation does.</summary>
    public static void Validate(RunbookDefinition r)
    {
        if (string.IsNullOrWhiteSpace(r.Name))
        {
            throw new ConfigException("runbooks: every runbook needs a name");
        }

        foreach (var (s, i) in r.Steps.Select((s, i) => (s, i)))
        {
            var where = $"runbooks.{r.Name}.steps[{i}]";
            if (string.IsNullOrWhiteSpace(s.Id))
            {
                throw new ConfigException($"{where}.id is required");
            }

            if (s.Kind == RunbookStepKind.Check && (s.Check is null || !RunbookChecks.Names.Contains(s.Check)))
            {
                throw new ConfigException($"{where}.check must be one of {string.Join(", ", RunbookChecks.Names)}");
            }

            if (s.Kind == RunbookStepKind.Mitigation && s.Mitigation is null)
            {
                throw new ConfigException($"{where}.mitigation is required for a mitigation step (rollback, disable, fallback, rate_limit, block, budget_cap, loop_cap)");
            }
        }
    }
}
