using Twofold.Evaluation;

namespace Twofold.Simulation;

/// <summary>
/// Everything a run recorded: per-arm daily metrics, and per-agent totals for the confidence intervals
/// (bootstrap over creators and users).
/// </summary>
public sealed class SimulationResult
{
    internal SimulationResult(IReadOnlyList<string> arms, int exposureWindowDays)
    {
        Arms = arms;
        ExposureWindowDays = exposureWindowDays;
        Days = arms.Select(_ => new List<ArmDayMetrics>()).ToArray();
    }

    public IReadOnlyList<string> Arms { get; }

    /// <summary>Per arm, one entry per simulated day.</summary>
    public List<ArmDayMetrics>[] Days { get; }

    /// <summary>ExpoReach counts a new item's exposures in its first this many days.</summary>
    public int ExposureWindowDays { get; }

    /// <summary>New items of the simulated days (uploaded early enough for a full window): arm, creator, exposures in the window.</summary>
    public List<(int Arm, int Creator, int Exposures)> NewItems { get; } = [];

    /// <summary>Per creator: arm, days with at least one post, items posted, and the likes, comments and follows received during the simulated days.</summary>
    public List<(int Arm, int ActiveDays, int Posts, long Likes, long Comments, long Follows)> Creators { get; } = [];

    /// <summary>Per user: arm, days active, watch seconds and likes given during the simulated days.</summary>
    public List<(int Arm, int ActiveDays, double WatchSeconds, long Likes)> Users { get; } = [];
}
