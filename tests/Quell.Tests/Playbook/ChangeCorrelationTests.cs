using Quell.Changes;
using Quell.Investigation;
using Quell.Simulation;
using Quell.Simulation.Scenarios;

namespace Quell.Tests.Playbook;

public sealed class ChangeCorrelationTests
{
    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (var seed = 1; seed <= 24; seed++)
        {
            data.Add(seed);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Rank_RandomizedSyntheticIncident_TrueCauseFirst(int seed)
    {
        var incident = SyntheticIncidents.Create(seed);
        var ranked = ChangeCorrelator.Rank(incident.Subject, incident.Slices, incident.Changes);
        var top = ranked[0];
        Assert.True(top.Change?.Id == incident.CauseId, $"seed {seed} ({incident.Subject.Signal}): ranked {string.Join(", ", ranked.Take(4).Select(c => $"{c.Change?.Id ?? c.Dimension + "=" + c.Value}:{c.Score:0.00}"))}");
        Assert.True(top.Share > 0.6, $"share {top.Share:0.00}");
    }

    [Fact]
    public void Rank_QualityRegression_SentenceNamesShareVersionTimeAndAuthor()
    {
        var incident = Enumerable.Range(1, 24).Select(SyntheticIncidents.Create).First(i => i.Subject.Category == "quality" && i.Changes.Single(c => c.Id == "cause").Kind == "prompt_version");
        var top = ChangeCorrelator.Rank(incident.Subject, incident.Slices, incident.Changes)[0];
        Assert.Matches(@"^\d+% of failing evals since 14:02 are on prompt prompt_version-new, deployed \d\d:\d\d by ci \(cause\)$", top.Sentence);
    }

    [Fact]
    public void Rank_CostCreepFromSimulator_RanksPromptChangeFirst()
    {
        var onset = new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);
        var scenario = new CostCreepScenario(onset, TimeSpan.FromHours(6));
        var events = new AppSimulator(new SimulationOptions { Seed = 5, Duration = TimeSpan.FromHours(12), RequestsPerSecond = 0.5 }, [scenario]).Run().ToList();
        var calls = events.OfType<SimulatedCall>().Select(c => c.Call).Where(c => c.Feature == scenario.Feature && c.Timestamp >= onset.AddHours(-6) && c.Timestamp < onset.AddHours(2)).ToList();
        var changes = events.OfType<SimulatedChange>().Select(SyntheticIncidents.ToChange).ToList();
        changes.Add(new ChangeEvent { Id = "chg-unrelated", Timestamp = onset.AddMinutes(-2), Kind = "model_version", Scope = new Dictionary<string, string> { ["feature"] = "research_agent" }, To = "gpt-4o-2024-11-20", Author = "ci" });
        var subject = new InvestigationSubject("cost", "input_tokens_per_call", scenario.Feature, onset);

        var ranked = ChangeCorrelator.Rank(subject, DimensionSlices.FromCalls(calls, onset, AnomalyMetric.InputTokens), changes);
        Assert.Equal(scenario.CauseChangeId, ranked[0].Change?.Id);
        Assert.Equal("prompt_version", ranked[0].Dimension);
    }

    [Fact]
    public void Rank_QualityRegressionFromSimulator_RanksModelVersionChangeFirst()
    {
        var onset = new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero);
        var scenario = new QualityRegressionScenario(onset, TimeSpan.FromHours(6));
        var events = new AppSimulator(new SimulationOptions { Seed = 9, Duration = TimeSpan.FromHours(14), RequestsPerSecond = 0.3, EvalInterval = TimeSpan.FromMinutes(20) }, [scenario]).Run().ToList();
        var evals = events.OfType<SimulatedEvalResult>().Select(SyntheticIncidents.ToEval).Where(e => e.Feature == scenario.Feature).ToList();
        var changes = events.OfType<SimulatedChange>().Select(SyntheticIncidents.ToChange).ToList();
        var subject = new InvestigationSubject("quality", "eval_pass_rate", scenario.Feature, onset);

        var ranked = ChangeCorrelator.Rank(subject, DimensionSlices.FromEvals(evals, onset), changes);
        Assert.Equal(scenario.CauseChangeId, ranked[0].Change?.Id);
    }

    [Fact]
    public void Proximity_ChangeLongAfterOnset_NearZero()
    {
        var onset = DateTimeOffset.UnixEpoch.AddDays(1);
        var options = new CorrelationOptions();
        Assert.Equal(1, ChangeCorrelator.Proximity(onset.AddMinutes(5), onset, options));
        Assert.True(ChangeCorrelator.Proximity(onset.AddHours(-2), onset, options) is > 0.36 and < 0.38);
        Assert.True(ChangeCorrelator.Proximity(onset.AddHours(1), onset, options) < 0.05);
    }

    [Fact]
    public void TextDiff_PromptChanged_LinesAndWordsMarked()
    {
        var lines = TextDiff.Lines("You are helpful.\nAnswer briefly.\nCite sources.", "You are helpful.\nAnswer in detail.\nCite sources.\nInclude the full policy.");
        Assert.Equal([' ', '-', '+', ' ', '+'], lines.Select(l => l.Op));
        var words = TextDiff.Words("answer briefly please", "answer in detail please");
        Assert.Equal("  answer\n- briefly\n+ in\n+ detail\n  please", TextDiff.Render(words));
    }

    [Fact]
    public void RetrievalDiff_SourceVanished_Reported()
    {
        static Calls.CallRecord Call(int i, params string[] docs) => new() { Id = $"c{i}", Timestamp = DateTimeOffset.UnixEpoch, Retrieved = docs.Select(d => new Calls.RetrievedDocument(d, "t1")).ToList() };
        var before = new[] { Call(1, "kb:a", "policy:b"), Call(2, "kb:c", "policy:b") };
        var after = new[] { Call(3, "kb:a"), Call(4, "kb:c", "web:x") };
        var diff = RetrievalDiff.Compare(before, after);
        Assert.Equal("policy", Assert.Single(diff.VanishedSources).Name);
        Assert.Equal("web", Assert.Single(diff.AppearedSources).Name);
        Assert.Equal(2, diff.VanishedDocuments.Single().Count);
        Assert.Equal(2, diff.BeforeDocsPerCall);
        Assert.Equal(1.5, diff.AfterDocsPerCall);
    }

    /// <summary>
    /// A rate signal decides late: the onset estimate lands 15 minutes after the model version change, so 40 eval cases
    /// on the new version (25 % failing) fall in the before window. Measured against that "baseline" the new version
    /// carries no excess; measured against the version it replaced (7 % failing) it carries all of it.
    /// </summary>
    [Fact]
    public void Rank_OnsetEstimateAfterTheChange_NewVersionIsHeldToTheVersionItReplaced()
    {
        var onset = new DateTimeOffset(2026, 11, 9, 11, 11, 0, TimeSpan.Zero);
        var subject = new InvestigationSubject("quality", "negative_feedback_rate", "support_chat", onset);
        DimensionSlice[] slices =
        [
            new("model_version", "gpt-4o-mini-2024-07-18", 200, 14, 0, 0),
            new("model_version", "gpt-4o-mini-2025-01-31", 40, 10, 80, 14),
            new("prompt_version", "support-v7", 240, 24, 80, 14),
            new("model", "gpt-4o-mini", 240, 24, 80, 14),
        ];
        ChangeEvent Change(string id, DateTimeOffset at, string kind, string feature, string? from, string to) => new()
        {
            Id = id, Timestamp = at, Kind = kind, Scope = new Dictionary<string, string> { ["feature"] = feature }, From = from, To = to, Author = "platform-team",
            Description = id,
        };
        ChangeEvent[] changes =
        [
            Change("chg-prompt-revert", onset.AddHours(-38), "prompt_version", "support_chat", "support-v8", "support-v7"),
            Change("chg-tool-v2", onset.AddHours(-44), "deploy", "research_agent", "read_page v1", "read_page v2"),
            Change("chg-model", onset.AddMinutes(-15), "model_version", "support_chat", "gpt-4o-mini-2024-07-18", "gpt-4o-mini-2025-01-31"),
        ];

        var ranked = ChangeCorrelator.Rank(subject, slices, changes);

        Assert.Equal("chg-model", ranked[0].Change?.Id);
        Assert.Equal(1.0, ranked[0].Share, 6);
        Assert.True(ChangeCorrelator.Explains(ranked[0]));
        Assert.Equal("100% of failing evals since 11:11 are on model gpt-4o-mini-2025-01-31, deployed 10:56 by platform-team (chg-model)", ranked[0].Sentence);
        Assert.All(ranked.Skip(1).Where(c => c.Kind == "change"), c => Assert.False(ChangeCorrelator.Explains(c), c.Change?.Id));
    }

    [Fact]
    public void Rank_ChangeLongBeforeTheOnset_ItsValueKeepsItsOwnBaseline()
    {
        // The version moved a day ago and has failed 25 % ever since: it is the baseline, not the anomaly.
        var onset = new DateTimeOffset(2026, 11, 9, 11, 11, 0, TimeSpan.Zero);
        var subject = new InvestigationSubject("quality", "eval_pass_rate", "support_chat", onset);
        DimensionSlice[] slices =
        [
            new("model_version", "gpt-4o-mini-2024-07-18", 40, 3, 0, 0),
            new("model_version", "gpt-4o-mini-2025-01-31", 200, 50, 80, 20),
        ];
        ChangeEvent[] changes =
        [
            new() { Id = "chg-old", Timestamp = onset.AddHours(-20), Kind = "model_version", Scope = new Dictionary<string, string> { ["feature"] = "support_chat" }, From = "gpt-4o-mini-2024-07-18", To = "gpt-4o-mini-2025-01-31" },
        ];

        var ranked = ChangeCorrelator.Rank(subject, slices, changes);

        Assert.Equal(0, ranked.Single(c => c.Change?.Id == "chg-old").Share, 6);
        Assert.DoesNotContain(ranked, ChangeCorrelator.Explains);
    }

    /// <summary>
    /// The eval signal put the onset an hour before the model version change (10:00 against 10:56). The new version did
    /// not exist before the onset and carries all the excess, so the anomaly cannot predate the change: it ranks first
    /// at full proximity, and an unrelated deploy after the onset still counts for nothing.
    /// </summary>
    [Fact]
    public void Rank_OnsetEstimateBeforeTheChange_ChangeWhoseNewValueCarriesTheExcessRanksFirst()
    {
        var onset = new DateTimeOffset(2026, 11, 9, 10, 0, 0, TimeSpan.Zero);
        var subject = new InvestigationSubject("quality", "eval_pass_rate", "support_chat", onset);
        DimensionSlice[] slices =
        [
            new("model_version", "gpt-4o-mini-2024-07-18", 200, 14, 30, 2),
            new("model_version", "gpt-4o-mini-2025-01-31", 0, 0, 100, 23),
            new("prompt_version", "support-v7", 200, 14, 130, 25),
        ];
        ChangeEvent[] changes =
        [
            new() { Id = "chg-model", Timestamp = onset.AddMinutes(56), Kind = "model_version", Scope = new Dictionary<string, string> { ["feature"] = "support_chat" }, From = "gpt-4o-mini-2024-07-18", To = "gpt-4o-mini-2025-01-31", Author = "platform-team" },
            new() { Id = "chg-deploy", Timestamp = onset.AddMinutes(30), Kind = "deploy", Scope = new Dictionary<string, string> { ["feature"] = "support_chat" }, To = "web v3", Author = "ci" },
            new() { Id = "chg-other-model", Timestamp = onset.AddMinutes(40), Kind = "model_version", Scope = new Dictionary<string, string> { ["feature"] = "support_chat" }, From = "gpt-4o-mini-2025-01-31", To = "gpt-4o-mini-2024-07-18", Author = "ci" },
        ];

        var ranked = ChangeCorrelator.Rank(subject, slices, changes);

        Assert.Equal("chg-model", ranked[0].Change?.Id);
        Assert.Equal(1.0, ranked[0].Proximity, 6);
        Assert.Equal(1.0, ranked[0].Share, 6);
        Assert.True(ChangeCorrelator.Explains(ranked[0]));
        Assert.False(ChangeCorrelator.Explains(ranked.Single(c => c.Change?.Id == "chg-deploy")));
        Assert.False(ChangeCorrelator.Explains(ranked.Single(c => c.Change?.Id == "chg-other-model")));
    }
}
