namespace Twofold.Simulation;

/// <summary>A phase of a simulated day, for progress display and the time-by-phase benchmark.</summary>
public enum SimulationPhase
{
    /// <summary>A day of the warm-up under the world's logging recommender.</summary>
    WarmUp,

    /// <summary>The arms' platforms were built (trained) from the warm-up history.</summary>
    Training,

    /// <summary>Visits drawn, creators posted.</summary>
    Creators,

    /// <summary>Each arm's creator side matched its new items to users.</summary>
    Dispatch,

    /// <summary>Every visitor's feed was built by their arm's platform.</summary>
    Feeds,

    /// <summary>Visitors responded to their feeds through the world's response model (and the day's tallies).</summary>
    Responses,

    /// <summary>Creators took in the day; platforms refreshed at night.</summary>
    Refresh,
}

/// <summary>
/// Progress of a run: the day (negative during warm-up), the phase just finished, the run's elapsed time and the time
/// spent in that phase (feeds and responses alternate in chunks of visitors; theirs is the sum over the chunks).
/// </summary>
public readonly record struct SimulationProgress(int Day, int Days, SimulationPhase Phase, TimeSpan Elapsed, TimeSpan PhaseTime);
