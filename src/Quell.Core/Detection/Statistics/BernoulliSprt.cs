namespace Quell.Detection.Statistics;

/// <summary>Outcome of a sequential test so far.</summary>
public enum SprtDecision
{
    Continue,
    AcceptNull,
    AcceptAlternative,
}

/// <summary>
/// Wald's sequential probability ratio test between two Bernoulli rates: H0 p = p0 against H1 p = p1, with
/// error rates α and β. Decides with the fewest samples on average of any test with those error rates.
/// </summary>
public struct BernoulliSprt
{
    private readonly double _successStep;
    private readonly double _failureStep;
    private readonly double _upper;
    private readonly double _lower;

    public BernoulliSprt(double p0, double p1, double alpha = 0.05, double beta = 0.05)
    {
        P0 = Math.Clamp(p0, 1e-4, 1 - 1e-4);
        P1 = Math.Clamp(p1, 1e-4, 1 - 1e-4);
        _successStep = Math.Log(P1 / P0);
        _failureStep = Math.Log((1 - P1) / (1 - P0));
        _upper = Math.Log((1 - beta) / alpha);
        _lower = Math.Log(beta / (1 - alpha));
    }

    public double P0 { get; }
    public double P1 { get; }

    /// <summary>Log-likelihood ratio of H1 over H0 so far.</summary>
    public double LogLikelihoodRatio { get; private set; }
    public int Samples { get; private set; }
    public int Successes { get; private set; }

    public SprtDecision Update(bool success)
    {
        Samples++;
        if (success)
        {
            Successes++;
        }

        LogLikelihoodRatio += success ? _successStep : _failureStep;
        if (LogLikelihoodRatio >= _upper)
        {
            return SprtDecision.AcceptAlternative;
        }

        return LogLikelihoodRatio <= _lower ? SprtDecision.AcceptNull : SprtDecision.Continue;
    }

    /// <summary>Wald's approximation of the expected sample number when H1 is true.</summary>
    public readonly double ExpectedSamplesUnderAlternative(double alpha = 0.05, double beta = 0.05)
    {
        var drift = (P1 * _successStep) + ((1 - P1) * _failureStep);
        return (((1 - beta) * Math.Log((1 - beta) / alpha)) + (beta * Math.Log(beta / (1 - alpha)))) / drift;
    }

    public void Restart()
    {
        LogLikelihoodRatio = 0;
        Samples = 0;
        Successes = 0;
    }
}
