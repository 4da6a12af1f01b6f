namespace Quell.Simulation;

/// <summary>A clock the simulator moves forward; everything in a demo or backtest reads simulated time from it.</summary>
public sealed class SimulationClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    /// <summary>Moves the clock to <paramref name="now"/>; never backwards.</summary>
    public void AdvanceTo(DateTimeOffset now)
    {
        long current;
        do
        {
            current = Interlocked.Read(ref _ticks);
            if (now.UtcTicks <= current)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _ticks, now.UtcTicks, current) != current);
    }
}
