namespace Twofold.Simulation;

/// <summary>A phase of a simulated day, for progress display and the time-by-phase benchmark.</summary>
public enum SimulationPhase
{
    WarmUp,
    Creators,
    Dispatch,
    Feeds,
    Refresh,
}

/// <summary>Progress of a run: the day (negative during warm-up) and the phase just finished, with its duration.</summary>
public readonly record struct SimulationProgress(int Day, int Days, SimulationPhase Phase, TimeSpan Elapsed);
