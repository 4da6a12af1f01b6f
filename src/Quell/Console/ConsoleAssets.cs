using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;

namespace Quell.WebConsole;

/// <summary>
/// The console's built files (index.html and content-hashed assets), embedded in the quell assembly so the
/// console works offline from any working directory. Each file is held in memory with a gzip copy and an ETag.
/// </summary>
public sealed class ConsoleAssets
{
    /// <summary>Prefix of the embedded resources' logical names (see Quell.csproj).</summary>
    public const string ResourcePrefix = "console/";

    private readonly Dictionary<string, ConsoleAsset> _files;

    private ConsoleAssets(Dictionary<string, ConsoleAsset> files) => _files = files;

    /// <summary>The page every console route answers with; null when the assembly was built without the console.</summary>
    public ConsoleAsset? Index => _files.GetValueOrDefault("index.html");

    public IReadOnlyCollection<string> Names => _files.Keys;

    public ConsoleAsset? Find(string name) => _files.GetValueOrDefault(name);

    public static ConsoleAssets Load(Assembly? assembly = null)
    {
        assembly ??= typeof(ConsoleAssets).Assembly;
        var files = new Dictionary<string, ConsoleAsset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var name = resource[ResourcePrefix.Length..].Replace('\\', '/');
            files[name] = ConsoleAsset.Create(name, buffer.ToArray());
        }

        return new ConsoleAssets(files);
    }
}

/// <summary>One console file: bytes, a gzip copy when that is smaller, its media type and a strong ETag.</summary>
public sealed record ConsoleAsset(string Name, byte[] Content, byte[]? Gzip, string ContentType, string ETag)
{
    public static ConsoleAsset Create(string name, byte[] content)
    {
        var type = Path.GetExtension(name) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".svg" => "image/svg+xml",
            ".png" => "image/png",
            ".ico" => "image/x-icon",
            ".json" => "application/json",
            ".woff2" => "font/woff2",
            _ => "application/octet-stream",
        };
        byte[]? gzip = null;
        if (type.StartsWith("text/", StringComparison.Ordinal) || type is "image/svg+xml" or "application/json")
        {
            using var packed = new MemoryStream();
            using (var z = new GZipStream(packed, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                z.Write(content);
            }

            gzip = packed.Length < content.Length ? packed.ToArray() : null;
        }

        return new ConsoleAsset(name, content, gzip, type, $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"");
    }
}
