using Quell.Yaml;
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
        catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException or InvalidOperationException)
        {
            // The YAML reader rejects some malformed scalars (an escape that is half a surrogate pair) without a position.
            throw new ConfigException($"{source}: not readable as YAML: {ex.Message}");
        }

        config ??= new QuellConfig();
        NestedDefaults.Apply(config, new QuellConfig(), yaml);
        if (EmptySections.Find(config) is { Count: > 0 } empty)
        {
            var locate = YamlKeyLocator.Create(yaml);
            throw new ConfigException(empty.Select(e => locate(e) is { } at ? $"{source}:{at.Line}:{at.Column}: {e}" : $"{source}: {e}").ToList());
        }

        Validate(config, source, yaml);
        return config;
    }

    /// <summary>Every problem in <paramref name="config"/>, each starting with the YAML path of its key; empty when usable.</summary>
    public static IReadOnlyList<string> Errors(QuellConfig config)
    {
        var errors = new List<string>();
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }

        var l = config.Limits;
        Require(l.MaxBodyBytes > 0, "limits.max_body_bytes must be > 0");
        Require(l.MaxJsonDepth is > 2 and <= 256, "limits.max_json_depth must be between 3 and 256");
        Require(l.MaxConcurrentBodies > 0, "limits.max_concurrent_bodies must be > 0");
        Require(l.MaxBytesInFlight >= l.MaxBodyBytes, "limits.max_bytes_in_flight must be at least limits.max_body_bytes");
        Require(l.MaxLabelChars > 0 && l.MaxContentChars > 0 && l.MaxTextChars > 0, "limits.max_label_chars, max_content_chars and max_text_chars must be > 0");
        Require(l.MaxTokensPerCall > 0, "limits.max_tokens_per_call must be > 0");
        Require(l.MaxCostUsdPerCall > 0 && double.IsFinite(l.MaxCostUsdPerCall), "limits.max_cost_usd_per_call must be a positive number");
        Require(l.MaxAge > TimeSpan.Zero && l.MaxDuration > TimeSpan.Zero && l.MaxFutureSkew >= TimeSpan.Zero, "limits.max_age and limits.max_duration must be > 0, limits.max_future_skew >= 0");
        Require(config.Queue.Capacity > 0, "queue.capacity must be > 0");
        Require(config.Queue.MaxBatch > 0, "queue.max_batch must be > 0");
        Require(config.Queue.RetryAfterSeconds > 0, "queue.retry_after_seconds must be > 0");
        foreach (var (name, f) in config.Features)
        {
            Require(f.RetentionDays >= 0, $"features.{name}.retention_days must be >= 0");
        }

        errors.AddRange(Detection.DetectionRulesValidation.Validate(config.Detection).Select(e => e.StartsWith("detection.", StringComparison.Ordinal) ? e : "detection." + e));
        errors.AddRange(IncidentConfigResolver.Errors(config));
        errors.AddRange(config.OtlpLogs.Validate());
        errors.AddRange(config.Alertmanager.Validate());
        errors.AddRange(config.Security.Validate());
        foreach (var runbook in config.Runbooks)
        {
            try
            {
                Runbooks.RunbookCatalog.Validate(runbook);
            }
            catch (ConfigException ex)
            {
                errors.Add(ex.Message);
            }
        }

        foreach (var (model, p) in config.Prices)
        {
            Require(p.InputPerMillion >= 0 && p.OutputPerMillion >= 0 && (p.CachedInputPerMillion ?? 0) >= 0, $"prices.{model}: prices must be >= 0");
        }

        return errors;
    }

    private static void Validate(QuellConfig config, string source, string yaml)
    {
        var errors = Errors(config);
        if (errors.Count > 0)
        {
            var locate = YamlKeyLocator.Create(yaml);
            throw new ConfigException(errors.Select(e => locate(e) is { } at ? $"{source}:{at.Line}:{at.Column}: {e}" : $"{source}: {e}").ToList());
        }
    }
}
