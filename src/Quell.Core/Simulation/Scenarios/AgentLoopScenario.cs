using Quell.Calls;

namespace Quell.Simulation.Scenarios;

/// <summary>A tool change makes some agent runs call the same tool with the same arguments over and over.</summary>
public sealed class AgentLoopScenario(DateTimeOffset onset, TimeSpan duration, string feature = "research_agent", double loopingShare = 0.2, int loopLength = 60) : ScenarioBase(onset, duration)
{
    private const string ChangeId = "chg-tool-read-page-v2";

    /// <summary>The most model calls a healthy research run makes (one plan step and up to seven tool rounds).</summary>
    public const int NormalMaxCalls = 8;
    private readonly HashSet<string> _looping = new(StringComparer.Ordinal);
    private readonly HashSet<string> _decided = new(StringComparer.Ordinal);

    public override string Name => "agent_loop";

    public override string Category => "cost";

    public override string Feature => feature;

    public override string Description => $"{loopingShare:P0} of {feature} runs loop on read_page ({loopLength} identical calls)";

    public override (string Dimension, string Value)? ExpectedAttribution => ("feature", feature);

    public override string? CauseChangeId => ChangeId;

    public override string DamageUnit => $"looping calls past the {NormalMaxCalls}th of a run";

    public override IEnumerable<SimulatedEvent> Tick(DateTimeOffset now, Random random) =>
        ChangeAtOnset(now, ChangeId, "deploy", "read_page v1", "read_page v2", "deploy read_page tool v2 (returns a redirect page)", "ci");

    protected override void ShapeActive(CallDraft call, Random random)
    {
        if (call.Feature.Name != feature)
        {
            return;
        }

        if (_decided.Add(call.TraceId) && random.NextDouble() < loopingShare)
        {
            _looping.Add(call.TraceId);
        }

        if (_looping.Contains(call.TraceId))
        {
            call.ToolCalls.Clear();
            call.ToolCalls.Add(new ToolCallRecord("read_page", "redirect-loop-0001"));
            call.LoopRepeat = loopLength;

            // A healthy run makes at most eight calls; every call past that is runaway spend.
            if (call.StepInTrace >= NormalMaxCalls)
            {
                Hit(call);
            }
        }
    }
}
