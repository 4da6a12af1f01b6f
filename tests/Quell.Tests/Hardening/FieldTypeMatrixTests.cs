using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Quell.Configuration;
using Quell.Ingest;
using Quell.Tests.Server;
using Xunit.Abstractions;

namespace Quell.Tests.Hardening;

/// <summary>
/// Exhaustive companion of the random fuzzer: every field of every JSON body the server accepts (and the body
/// itself) is given every wrong JSON type in turn — object, array, null, bool, string, huge and negative numbers,
/// deep nesting — on a real host. None may answer a 5xx, and the accepted data must read back unchanged.
/// </summary>
public sealed class FieldTypeMatrixTests(ITestOutputHelper output)
{
    /// <summary>The values each slot receives: one of every JSON type, plus the numbers and shapes that broke decoders.</summary>
    public static readonly string[] WrongTypes =
    [
        "{}", "{\"a\":{\"b\":1}}", "[]", "[{}]", "[null]", "null", "true", "false", "\"x\"", "\"\"", "0", "-1", "0.5", "1e400", "-1e400",
        "4611686018427387904", "18446744073709551616", "1.7976931348623157e308",
        new string('[', 70) + new string(']', 70),
        string.Concat(Enumerable.Repeat("{\"a\":", 70)) + "1" + new string('}', 70),
    ];

    [Fact]
    public async Task AnyJsonBody_EveryFieldGivenEveryWrongType_NeverAnswers5xx()
    {
        var config = new QuellConfig
        {
            Limits = new IngestLimits { MaxBodyBytes = 2 * 1024 * 1024 },
            Playbook = new PlaybookConfig { OutboundAttemptTimeout = TimeSpan.FromMilliseconds(200), ReplayDeadline = TimeSpan.FromMilliseconds(500) },
        };
        await using var server = await QuellTestServer.StartAsync(config);
        var http = server.Client;
        var now = DateTimeOffset.UtcNow;
        var incident = await InputFuzzTests.SeedAsync(http, now);
        var before = await InputFuzzTests.SnapshotAsync(http, now);
        var failures = new List<string>();
        var sent = 0;
        foreach (var target in InputFuzzTests.Targets(now, incident).Where(t => t.Json))
        {
            foreach (var body in Variants(target.Seed))
            {
                using var request = target.Build(Encoding.UTF8.GetBytes(body));
                using var response = await http.SendAsync(request);
                sent++;
                if ((int)response.StatusCode >= 500)
                {
                    failures.Add($"{target.Name} -> {(int)response.StatusCode}: {Shorten(body)} :: {Shorten(await response.Content.ReadAsStringAsync())}");
                }
            }
        }

        output.WriteLine($"field-type matrix: {sent} requests, {failures.Count} 5xx");
        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} answered 5xx:\n" + string.Join('\n', failures.Take(40)));
        using var health = await http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(before, await InputFuzzTests.SnapshotAsync(http, now));
    }

    /// <summary>The seed with one slot (or the whole body) replaced by each wrong type.</summary>
    internal static IEnumerable<string> Variants(byte[] seed)
    {
        var lines = Encoding.UTF8.GetString(seed).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var value in WrongTypes)
        {
            yield return value;
        }

        var root = JsonNode.Parse(lines[0])!;
        var slots = new List<string>();
        Collect(root, "$", slots);
        foreach (var path in slots)
        {
            foreach (var value in WrongTypes)
            {
                var copy = JsonNode.Parse(lines[0])!;
                const string marker = "__quell_matrix_slot__";
                Replace(copy, path, JsonValue.Create(marker));
                yield return copy.ToJsonString().Replace("\"" + marker + "\"", value, StringComparison.Ordinal);
            }
        }
    }

    private static void Collect(JsonNode node, string path, List<string> slots)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o)
                {
                    slots.Add(path + "." + k);
                    if (v is not null)
                    {
                        Collect(v, path + "." + k, slots);
                    }
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    slots.Add(path + "[" + i + "]");
                    if (a[i] is { } v)
                    {
                        Collect(v, path + "[" + i + "]", slots);
                    }
                }

                break;
        }
    }

    private static void Replace(JsonNode root, string path, JsonNode value)
    {
        // Walk the path written by Collect: ".name" or "[index]" steps after "$".
        var node = root;
        var steps = Steps(path[1..]).ToList();
        for (var i = 0; i < steps.Count; i++)
        {
            var (name, index) = steps[i];
            var last = i == steps.Count - 1;
            if (name is not null)
            {
                if (last)
                {
                    node.AsObject()[name] = value;
                    return;
                }

                node = node.AsObject()[name]!;
            }
            else
            {
                if (last)
                {
                    node.AsArray()[index] = value;
                    return;
                }

                node = node.AsArray()[index]!;
            }
        }
    }

    private static IEnumerable<(string? Name, int Index)> Steps(string path)
    {
        var i = 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                yield return (path[(i + 1)..end], -1);
                i = end;
            }
            else
            {
                var end = path.IndexOf(']', i);
                yield return (null, int.Parse(path[(i + 1)..end], System.Globalization.CultureInfo.InvariantCulture));
                i = end + 1;
            }
        }
    }

    private static string Shorten(string s) => s.Length <= 240 ? s : s[..240] + "…";
}
