using System.Text;
using System.Text.Json.Nodes;
using CsCheck;

namespace Quell.Tests.Hardening;

/// <summary>
/// Generates hostile variants of valid payloads: byte-level damage (flips, cuts, splices, invalid UTF-8) and
/// structural damage (a leaf or key replaced by an extreme value: huge numbers, NaN, lone surrogates, year 1,
/// 1970, megabyte strings, enormous durations, empty batches, deep nesting).
/// </summary>
public static class InputMutator
{
    /// <summary>Values that broke, or could break, a decoder or a range rule.</summary>
    public static readonly string[] Extremes =
    [
        "1e400", "-1e400", "1e308", "-1", "0", "4611686018427387904", "9223372036854775807", "18446744073709551616", "NaN", "\"NaN\"", "Infinity",
        "\"\\ud800\"", "\"\\udc00x\"", "\"a\\ud800\\u0041\"", "\"\\u0000\"", "\"0001-01-01T00:00:00Z\"", "\"1970-01-01T00:00:00Z\"", "\"9999-12-31T23:59:59Z\"",
        "\"9999999d\"", "\"100000000d\"", "\"-5m\"", "\"1e400s\"", "\"\"", "null", "true", "[]", "{}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
        "\"banana\"", "\"S9\"", "\"firing\"", "\"a=~(a+)+$\"", "0.5", "1.7976931348623157e308", "-0",
    ];

    private static readonly byte[][] Junk = [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x00], "\\u"u8.ToArray(), "\\ud800"u8.ToArray(), "\""u8.ToArray(), "\n"u8.ToArray(), "}"u8.ToArray(), "["u8.ToArray()];

    /// <summary>A mutation of <paramref name="seed"/>: one to three operations chosen by the generator.</summary>
    public static Gen<byte[]> Of(byte[] seed, bool json) =>
        Gen.Int[0, 99].Array[1, 4].Select(Gen.ULong, (ops, salt) => Apply(seed, json, ops, salt));

    private static byte[] Apply(byte[] seed, bool json, int[] ops, ulong salt)
    {
        var random = new Random((int)(salt ^ (salt >> 32)));
        var bytes = seed;
        foreach (var op in ops)
        {
            bytes = op switch
            {
                < 45 when json => TryStructural(bytes, random) ?? ByteLevel(bytes, random, op),
                _ => ByteLevel(bytes, random, op),
            };
        }

        return bytes;
    }

    private static byte[]? TryStructural(byte[] bytes, Random random)
    {
        try
        {
            return Structural(bytes, random);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or ArgumentException or FormatException)
        {
            return null; // Not JSON any more after an earlier byte-level mutation.
        }
    }

    private static byte[]? Structural(byte[] bytes, Random random)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(bytes);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or ArgumentException)
        {
            return null;
        }

        if (root is null)
        {
            return null;
        }

        var slots = new List<(JsonNode Parent, object Key)>();
        Collect(root, slots);
        if (slots.Count == 0)
        {
            return null;
        }

        var (parent, key) = slots[random.Next(slots.Count)];
        var value = random.Next(10) switch
        {
            0 => "\"" + new string('x', random.Next(2) == 0 ? 600 : 1_100_000) + "\"",
            _ => Extremes[random.Next(Extremes.Length)],
        };
        var marker = "\"__quell_fuzz_" + random.Next() + "__\"";
        var placeholder = JsonValue.Create(marker.Trim('"'));
        if (parent is JsonObject o)
        {
            if (random.Next(8) == 0)
            {
                o.Remove((string)key);
            }
            else
            {
                o[(string)key] = placeholder;
            }
        }
        else if (parent is JsonArray a)
        {
            a[(int)key] = placeholder;
        }

        var text = root.ToJsonString().Replace(marker, value, StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(text);
    }

    private static void Collect(JsonNode node, List<(JsonNode, object)> slots)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o.ToList())
                {
                    slots.Add((o, k));
                    if (v is not null)
                    {
                        Collect(v, slots);
                    }
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    slots.Add((a, i));
                    if (a[i] is { } v)
                    {
                        Collect(v, slots);
                    }
                }

                break;
        }
    }

    private static byte[] ByteLevel(byte[] bytes, Random random, int op)
    {
        if (bytes.Length == 0)
        {
            return Junk[random.Next(Junk.Length)];
        }

        var list = new List<byte>(bytes);
        var at = random.Next(list.Count);
        switch (op % 7)
        {
            case 0:
                list[at] ^= (byte)(1 << random.Next(8));
                break;
            case 1:
                list.InsertRange(at, Junk[random.Next(Junk.Length)]);
                break;
            case 2:
                list.RemoveRange(at, Math.Min(list.Count - at, 1 + random.Next(16)));
                break;
            case 3:
                return [.. list.Take(at)];
            case 4:
                var from = random.Next(list.Count);
                var len = Math.Min(list.Count - from, 1 + random.Next(64));
                list.InsertRange(at, list.GetRange(from, len));
                break;
            case 5:
                list[at] = (byte)random.Next(256);
                break;
            default:
                list.InsertRange(at, Encoding.UTF8.GetBytes(Extremes[random.Next(Extremes.Length)]));
                break;
        }

        return [.. list];
    }
}
