using System.Security.Cryptography;
using System.Text;

namespace Quell.Security;

/// <summary>Generates and hashes API key secrets: <c>qk_</c> and 40 base62 characters (238 random bits).</summary>
public static class ApiKeySecret
{
    /// <summary>Fixed prefix so secret scanners (GitHub, gitleaks, trufflehog rules) can recognise leaked keys.</summary>
    public const string Prefix = "qk_";

    /// <summary>Random characters after the prefix; 40 base62 characters carry about 238 bits.</summary>
    public const int RandomLength = 40;

    /// <summary>Shortest secret accepted from an operator (QUELL_ADMIN_KEY); shorter ones are too guessable for a bare hash.</summary>
    public const int MinimumLength = 32;

    /// <summary>Longest credential read from a header; anything longer is refused before hashing.</summary>
    public const int MaximumLength = 256;

    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string New() => Prefix + RandomNumberGenerator.GetString(Alphabet, RandomLength);

    /// <summary>A random id for a key's record, not secret.</summary>
    public static string NewId() => "key_" + RandomNumberGenerator.GetString(Alphabet, 12);

    /// <summary>Lower-case hex SHA-256. A bare hash is enough: the secrets carry far more entropy than any search can cover.</summary>
    public static string Hash(ReadOnlySpan<char> secret)
    {
        Span<byte> utf8 = stackalloc byte[MaximumLength * 3];
        var length = Encoding.UTF8.GetBytes(secret, utf8);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..length], digest);
        return Convert.ToHexStringLower(digest);
    }

    /// <summary>What a list shows of a key: the prefix and the first six random characters.</summary>
    public static string Display(string secret) =>
        secret.StartsWith(Prefix, StringComparison.Ordinal) && secret.Length >= Prefix.Length + 6
            ? secret[..(Prefix.Length + 6)]
            : secret[..Math.Min(4, secret.Length)];
}
