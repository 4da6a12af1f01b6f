using Quell.Configuration;
using YamlDotNet.Core;
using YamlDotNet.Serialization.NamingConventions;
using YamlDotNet.Serialization;

namespace Quell.Yaml;

/// <summary>A configuration file that cannot be used: every problem found, each with where and why.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string message)
        : this([message])
    {
    }

    public ConfigException(IReadOnlyList<string> problems)
        : base(problems.Count == 1 ? problems[0] : $"{problems.Count} problems:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems))
    {
        Problems = problems;
    }

    public ConfigException()
        : this("the configuration is not usable")
    {
    }

    public ConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [message];
    }

    public IReadOnlyList<string> Problems { get; } = [];
}
