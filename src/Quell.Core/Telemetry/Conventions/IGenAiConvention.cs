namespace Quell.Telemetry.Conventions;

/// <summary>How a convention sees a span.</summary>
public enum SpanRole
{
    /// <summary>The span does not speak this convention.</summary>
    Foreign,

    /// <summary>The convention's wrapper or pipeline span (a workflow, a chain, the outer <c>ai.generateText</c>): not a call.</summary>
    Wrapper,

    /// <summary>A model, embedding, tool or agent call.</summary>
    Call,
}

/// <summary>One GenAI instrumentation convention's reading of a span onto a call draft.</summary>
public interface IGenAiConvention
{
    /// <summary>The convention's name, kept on the call as <c>quell.convention</c>.</summary>
    string Name { get; }

    SpanRole Classify(OtlpSpan span);

    /// <summary>Fills what the draft still lacks from this convention's attributes.</summary>
    void Apply(OtlpSpan span, CallDraft draft);
}
