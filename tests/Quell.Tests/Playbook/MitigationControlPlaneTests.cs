using Microsoft.Extensions.Time.Testing;
using Quell.Alerts;
using Quell.Configuration;
using Quell.Mitigations;
using Quell.Response;
using Quell.Storage.Sqlite;
using Quell.Tests.Server;

namespace Quell.Tests.Playbook;

public sealed class MitigationControlPlaneTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 14, 0, 0, TimeSpan.Zero);

    private static (MitigationControlPlane Plane, SqliteMitigationStore Store, InMemoryIncidentTimeline Timeline, FakeTimeProvider Time) Create()
    {
        var time = new FakeTimeProvider(T0);
        var store = new SqliteMitigationStore(new SqliteDatabase(Path.Combine(TempDirectory.Create(), "quell.db")));
        var timeline = new InMemoryIncidentTimeline();
        return (new MitigationControlPlane(store, timeline, time), store, timeline, time);
    }

    [Fact]
    public async Task Propose_ThenApproveThenRevoke_AuditedReportedAndVersioned()
    {
        var (plane, store, timeline, _) = Create();
        using var _1 = plane;
        var v0 = plane.Current.Version;
        var proposed = await plane.CreateAsync(new MitigationRequest { Kind = MitigationKind.LoopCap, Scope = new MitigationScope { Feature = "research_agent" }, Parameters = new MitigationParameters { MaxCallsPerTrace = 20 }, Reason = "runaway loop", IncidentId = "inc-7", CreatedBy = "alice" });
        Assert.True(proposed.Succeeded);
        Assert.Equal(MitigationState.Proposed, proposed.Mitigation!.State);
        Assert.Empty(plane.Current.Mitigations);
        Assert.True(plane.Current.Version > v0);

        var approved = await plane.ApproveAsync(proposed.Mitigation.Id, "bob");
        Assert.Equal(MitigationState.Active, approved.Mitigation!.State);
        Assert.Single(plane.Current.Mitigations);

        var again = await plane.ApproveAsync(proposed.Mitigation.Id, "bob");
        Assert.Equal(MitigationFailure.Conflict, again.Failure);

        await plane.RevokeAsync(proposed.Mitigation.Id, "carol", "fixed");
        Assert.Empty(plane.Current.Mitigations);
        Assert.Equal(MitigationFailure.NotFound, (await plane.RevokeAsync("mit-none", "x", null)).Failure);

        var audit = await store.AuditAsync(proposed.Mitigation.Id);
        Assert.Equal(["revoked", "approved", "proposed"], audit.Select(a => a.Action));
        Assert.Equal(["carol", "bob", "alice"], audit.Select(a => a.Actor));
        Assert.Equal(["mitigation_proposed", "mitigation_approved", "mitigation_revoked"], timeline.Entries.Select(e => e.Kind));
        Assert.All(timeline.Entries, e => Assert.Equal("inc-7", e.IncidentId));
    }

    [Fact]
    public async Task Approve_ConcurrentApprovals_ExactlyOneSucceeds()
    {
        var (plane, store, _, _) = Create();
        using var _1 = plane;
        var proposed = await plane.CreateAsync(new MitigationRequest { Kind = MitigationKind.Disable, Scope = new MitigationScope { Feature = "billing" }, Reason = "leak" });
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => plane.ApproveAsync(proposed.Mitigation!.Id, $"user{i}"))));
        Assert.Single(results, r => r.Succeeded);
        Assert.Equal(2, (await store.AuditAsync(proposed.Mitigation!.Id)).Count);
    }

    [Fact]
    public async Task Expiry_TimePasses_MitigationExpiresAndVersionMoves()
    {
        var (plane, store, timeline, time) = Create();
        using var _1 = plane;
        var created = await plane.CreateAsync(new MitigationRequest { Kind = MitigationKind.Disable, Scope = new MitigationScope { Feature = "billing" }, Reason = "leak", IncidentId = "inc-9", Mode = MitigationMode.Apply, ExpiresIn = TimeSpan.FromHours(1) });
        var version = plane.Current.Version;
        var waiter = plane.WaitForChangeAsync(version, TimeSpan.FromHours(2), CancellationToken.None);
        Assert.Single(plane.Current.Mitigations);

        time.Advance(TimeSpan.FromHours(1));
        var set = await waiter.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(set.Version > version);
        Assert.Empty(set.Mitigations);
        Assert.Equal(MitigationState.Expired, (await store.GetAsync(created.Mitigation!.Id))!.State);
        Assert.Equal("mitigation_expired", timeline.Entries[^1].Kind);
    }

    [Fact]
    public async Task Initialize_AfterRestart_ResumesActiveSetAndVersion()
    {
        var dir = TempDirectory.Create();
        var time = new FakeTimeProvider(T0);
        long version;
        using (var plane = new MitigationControlPlane(new SqliteMitigationStore(new SqliteDatabase(Path.Combine(dir, "quell.db"))), NullIncidentTimeline.Instance, time))
        {
            await plane.CreateAsync(new MitigationRequest { Kind = MitigationKind.Disable, Scope = new MitigationScope { Feature = "billing" }, Reason = "leak", Mode = MitigationMode.Apply });
            version = plane.Current.Version;
        }

        using var restarted = new MitigationControlPlane(new SqliteMitigationStore(new SqliteDatabase(Path.Combine(dir, "quell.db"))), NullIncidentTimeline.Instance, time);
        await restarted.InitializeAsync();
        Assert.Equal(version, restarted.Current.Version);
        Assert.Single(restarted.Current.Mitigations);
    }

    [Theory]
    [InlineData(MitigationKind.RateLimit, "parameters.rate_per_second")]
    [InlineData(MitigationKind.LoopCap, "parameters.max_calls_per_trace")]
    [InlineData(MitigationKind.BudgetCap, "parameters.daily_usd")]
    [InlineData(MitigationKind.Rollback, "scope.feature")]
    [InlineData(MitigationKind.Fallback, "parameters.fallback_model")]
    public void Validate_MissingParameter_NamesTheField(MitigationKind kind, string field)
    {
        var errors = MitigationValidator.Validate(new MitigationRequest { Kind = kind, Reason = "r" });
        Assert.Contains(errors, e => e.Field == field);
    }

    [Fact]
    public void Validate_BacktrackingOnlyPattern_Rejected()
    {
        var errors = MitigationValidator.Validate(new MitigationRequest { Kind = MitigationKind.Block, Reason = "r", Parameters = new MitigationParameters { Pattern = @"(a)\1" } });
        Assert.Contains(errors, e => e.Field == "parameters.pattern");
    }

    [Fact]
    public void Policy_RunawayLoopAlertWithRuleEnabled_ProposesLoopCapOnFeature()
    {
        var rules = AutoMitigationRule.BuiltIn.Select(r => r with { Enabled = r.Name == "runaway_loop" }).ToList();
        var policy = new MitigationPolicy(rules);
        var request = policy.Propose(Alert(AlertCategory.Cost, AlertSignals.CallsPerTrace, AlertSeverityHint.Medium));
        Assert.NotNull(request);
        Assert.Equal(MitigationKind.LoopCap, request.Kind);
        Assert.Equal(MitigationMode.Propose, request.Mode);
        Assert.Equal("research_agent", request.Scope!.Feature);
        Assert.Equal(20, request.Parameters!.MaxCallsPerTrace);
        Assert.Equal("alert-1", request.AlertId);
        Assert.Empty(MitigationValidator.Validate(request));
    }

    [Fact]
    public void Policy_RulesDisabledByDefault_ProposesNothing()
    {
        var policy = new MitigationPolicy(new PlaybookConfig().AutoMitigation);
        Assert.Null(policy.Propose(Alert(AlertCategory.Cost, AlertSignals.CallsPerTrace, AlertSeverityHint.High)));
    }

    [Fact]
    public void Policy_SpendSpikeBelowS1_NoRateLimit()
    {
        var policy = new MitigationPolicy(AutoMitigationRule.BuiltIn.Select(r => r with { Enabled = true }).ToList());
        Assert.Null(policy.Propose(Alert(AlertCategory.Cost, AlertSignals.SpendRate, AlertSeverityHint.Medium)));
        var request = policy.Propose(Alert(AlertCategory.Cost, AlertSignals.SpendRate, AlertSeverityHint.High));
        Assert.Equal(MitigationKind.RateLimit, request!.Kind);
    }

    [Fact]
    public void ConfigLoader_PlaybookSection_ParsesRulesAndRunbooks()
    {
        var config = ConfigLoader.Parse("""
            playbook:
              default_mitigation_expiry: 2h
              auto_mitigation:
                - name: runaway_loop
                  enabled: true
                  category: cost
                  signal: calls_per_trace
                  kind: loop_cap
                  mode: apply
                  parameters: { max_calls_per_trace: 12 }
              vendor_status:
                openai: http://127.0.0.1:1/api/v2/status.json
            runbooks:
              - name: my_runbook
                title: My runbook
                categories: [quality]
                steps:
                  - { id: evals, title: Check evals, kind: check, check: eval_check }
                  - { id: ask, title: Ask the team, kind: manual }
            """);
        Assert.Equal(TimeSpan.FromHours(2), config.Playbook.DefaultMitigationExpiry);
        var rule = Assert.Single(config.Playbook.AutoMitigation);
        Assert.True(rule.Enabled);
        Assert.Equal(MitigationMode.Apply, rule.Mode);
        Assert.Equal(12, rule.Parameters.MaxCallsPerTrace);
        Assert.Equal("my_runbook", Assert.Single(config.Runbooks).Name);
        Assert.Equal(2, config.Runbooks[0].Steps.Count);
    }

    internal static Alert Alert(AlertCategory category, string signal, AlertSeverityHint severity) => new()
    {
        Id = "alert-1",
        Category = category,
        Signal = signal,
        Labels = new Dictionary<string, string> { ["feature"] = "research_agent", ["provider"] = "openai" },
        Observed = 40,
        Baseline = 4,
        OnsetEstimate = T0,
        FiredAt = T0.AddMinutes(3),
        Fingerprint = "fp",
        SeverityHint = severity,
    };
}
