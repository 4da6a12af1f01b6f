using System.Net.Http.Json;
using System.Text.Json;
using Quell.Calls;
using Quell.Configuration;
using Quell.Incidents;

namespace Quell.Tests.Postmortems;

/// <summary>Impact and affected-user figures are exact over windows holding far more calls than any read limit.</summary>
public sealed class ExactImpactTests
{
    private const int Affected = 25_000;
    private const int Users = 12_500;
    private static readonly DateTimeOffset T0 = FixAndLearnServer.Start;
    private static readonly string[] Tenants = ["acme", "globex", "initech", "umbrella", "hooli"];

    private static Task<FixAndLearnServer> StartAsync() =>
        FixAndLearnServer.StartAsync(c => c with
        {
            Postmortems = new PostmortemsConfig { CheckInterval = TimeSpan.FromDays(40) },
            ContentAlerts = new Quell.Detection.ContentAlertRules { ImmediateKinds = [], PiiLeakCalls = int.MaxValue },
        });

    /// <summary>
    /// 25,000 support_chat calls carrying a finding of <paramref name="kind"/> (users u0..u12499 over five tenants,
    /// latency i % 1000 ms, $0.25 each), plus calls that must not count: unflagged ones and flagged ones of another feature.
    /// </summary>
    private static CallRecord[] Calls(string kind, string entity, string? owner)
    {
        var calls = new List<CallRecord>(Affected + 4_000);
        for (var i = 0; i < Affected; i++)
        {
            var tenant = Tenants[i % Tenants.Length];
            calls.Add(new CallRecord
            {
                Id = $"hit-{i}",
                Timestamp = T0.AddMinutes(-3).AddMilliseconds(i * 100),
                Tenant = tenant,
                User = $"u{i % Users}",
                Feature = "support_chat",
                LatencyMs = i % 1000,
                InputTokens = 100,
                OutputTokens = 20,
                CostUsd = 0.25,
                CostSource = CostSource.Reported,

                // Every fourth call also names its own tenant as owner: that is no leak and must not be listed.
                Findings = i % 4 == 0
                    ? [new CallFinding("output", kind, entity, 0, 5, 0.9, "…", owner), new CallFinding("output", kind, entity, 6, 9, 0.9, "…", tenant)]
                    : [new CallFinding("output", kind, entity, 0, 5, 0.9, "…", owner)],
            });
        }

        for (var i = 0; i < 3_000; i++)
        {
            calls.Add(new CallRecord { Id = $"clean-{i}", Timestamp = T0.AddMinutes(1).AddMilliseconds(i), Tenant = "acme", User = $"x{i}", Feature = "support_chat", CostUsd = 1, CostSource = CostSource.Reported });
        }

        for (var i = 0; i < 1_000; i++)
        {
            calls.Add(new CallRecord
            {
                Id = $"other-{i}", Timestamp = T0.AddMinutes(1).AddMilliseconds(i), Tenant = "acme", User = $"y{i}", Feature = "planner",
                Findings = [new CallFinding("output", kind, entity, 0, 5, 0.9, "…", owner)],
            });
        }

        return [.. calls];
    }

    [Fact]
    public async Task PostmortemImpact_MoreCallsThanAnyReadLimit_CountsEveryCallExactly()
    {
        await using var s = await StartAsync();
        await s.AppendAsync(Calls("cross_tenant", "FOREIGN_DOCUMENT", "wayne"));
        var id = await s.OpenAsync(FixAndLearnServer.Signal("data", "support_chat", "fp-exact", "Cross-tenant documents in support_chat answers", ["hit-0"], signal: "cross_tenant_leak"));
        s.Time.Advance(TimeSpan.FromHours(1));
        await s.RunAsync(id, (m, i) => m.Resolve(i, "alice", "tenant filter restored"));

        var impact = (await s.GetJsonAsync($"/api/v1/postmortems/{id}")).GetProperty("impact");

        Assert.Equal(Affected, impact.GetProperty("calls").GetInt64());
        Assert.Equal(Affected, impact.GetProperty("flagged_calls").GetInt64());
        Assert.Equal(0, impact.GetProperty("error_calls").GetInt64());
        Assert.Equal(Users, impact.GetProperty("users").GetInt64());
        Assert.Equal(Tenants.Length, impact.GetProperty("tenants").GetInt64());
        Assert.Equal(Affected * 0.25, impact.GetProperty("cost_usd").GetDouble());
        Assert.Equal(Affected * 100L, impact.GetProperty("input_tokens").GetInt64());
        Assert.Equal(Affected * 20L, impact.GetProperty("output_tokens").GetInt64());

        // Nearest rank over 25 copies of 0..999 ms: the 23,750th value is 949 ms.
        Assert.Equal(949, impact.GetProperty("p95_latency_ms").GetDouble());
        Assert.Equal(["wayne"], impact.GetProperty("leaked_from_tenants").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal(Tenants.Order(StringComparer.Ordinal), impact.GetProperty("recipient_tenants").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal(Affected + (Affected / 4), impact.GetProperty("entities").GetProperty("FOREIGN_DOCUMENT").GetInt64());
        Assert.Equal(T0.AddMinutes(-3).UtcDateTime, impact.GetProperty("first_affected_at").GetDateTimeOffset().UtcDateTime);
        Assert.Equal(T0.AddMinutes(-3).AddMilliseconds((Affected - 1) * 100).UtcDateTime, impact.GetProperty("last_affected_at").GetDateTimeOffset().UtcDateTime);
    }

    [Fact]
    public async Task PiiRunbookCountAffectedUsers_MoreCallsThanAnyReadLimit_CountsEveryUser()
    {
        await using var s = await StartAsync();
        await s.AppendAsync(Calls("pii", "EMAIL_ADDRESS", null));
        s.Time.Advance(TimeSpan.FromHours(1));

        using var response = await s.Client.PostAsJsonAsync("/api/v1/runbooks/run", new { category = "data", signal = "pii_leak", feature = "support_chat", onset = T0.AddMinutes(-3) });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        using var run = JsonDocument.Parse(text);
        var count = run.RootElement.GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("step_id").GetString() == "count_affected_users");

        Assert.Equal($"{Users} users and {Tenants.Length} tenants affected over {Affected} calls (EMAIL_ADDRESS ×{Affected + (Affected / 4)})", count.GetProperty("summary").GetString());
        var data = count.GetProperty("data");
        Assert.Equal(Affected, data.GetProperty("calls").GetInt32());
        Assert.Equal(Users, data.GetProperty("users").GetArrayLength());
        Assert.Equal(100, data.GetProperty("call_ids").GetArrayLength());
        Assert.All(data.GetProperty("call_ids").EnumerateArray(), e => Assert.StartsWith("hit-", e.GetString(), StringComparison.Ordinal));
    }
}
