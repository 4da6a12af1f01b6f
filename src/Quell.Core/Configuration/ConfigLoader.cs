using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Quell.Configuration;

/// <summary>Reads quell.yaml (snake_case keys) into <see cref="QuellConfig"/> and validates it with clear messages.</summary>
public static class ConfigLoader
{
    public static QuellConfig Load(string? path)
    {
        if (path is null)
        {
            return new QuellConfig();
        }

        if (!File.Exists(path))
        {
            throw new ConfigException($"config file '{path}' does not exist");
        }

        return Parse(File.ReadAllText(path), path);
    }

    public static QuellConfig Parse(string yaml, string source = "quell.yaml")
    {
        var deserializer = new DeserializerBuilder()
            .WithNamingConvention(UnderscoredNamingConvention.Instance)
            .WithEnumNamingConvention(UnderscoredNamingConvention.Instance)
            .WithTypeConverter(new YamlTimeSpanConverter())
            .WithNodeTypeResolver(new ReadOnlyCollectionTypeResolver())
            .Build();
        QuellConfig? config;
        try
        {
            config = deserializer.Deserialize<QuellConfig?>(yaml);
        }
        catch (YamlException ex)
        {
            var inner = ex.InnerException?.Message ?? ex.Message;
            throw new ConfigException($"{source} line {ex.Start.Line}, column {ex.Start.Column}: {inner}");
        }

        config ??= new QuellConfig();
        Validate(config, source);
        return config;
    }

    private static void Validate(QuellConfig config, string source)
    {
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new ConfigException($"{source}: {message}");
            }
        }

        Require(config.Limits.MaxBodyBytes > 0, "limits.max_body_bytes must be > 0");
        Require(config.Limits.MaxJsonDepth is > 2 and <= 256, "limits.max_json_depth must be between 3 and 256");
        Require(config.Queue.Capacity > 0, "queue.capacity must be > 0");
        Require(config.Queue.MaxBatch > 0, "queue.max_batch must be > 0");
        foreach (var (name, f) in config.Features)
        {
            Require(f.RetentionDays >= 0, $"features.{name}.retention_days must be >= 0");
        }

        IncidentConfigResolver.Errors(config).ToList().ForEach(e => Require(false, e));
        config.OtlpLogs.Validate().ToList().ForEach(e => Require(false, e));
        config.Alertmanager.Validate().ToList().ForEach(e => Require(false, e));
        foreach (var runbook in config.Runbooks)
        {
            Runbooks.RunbookCatalog.Validate(runbook);
        }

        foreach (var (model, p) in config.Prices)
        {
            Require(p.InputPerMillion >= 0 && p.OutputPerMillion >= 0 && (p.CachedInputPerMillion ?? 0) >= 0, $"prices.{model}: prices must be >= 0");
        }
    }
}

/// <summary>A configuration file that cannot be used, with where and why.</summary>
public sealed class ConfigException(string message) : Exception(message);
