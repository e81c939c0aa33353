using Twofold.Evaluation;

namespace Twofold.Simulation;

/// <summary>One arm's figures over the simulated days.</summary>
/// <param name="ExpoReach">Per threshold E (see <see cref="SimulationSummary.Thresholds"/>): share of the arm's new items reaching E exposures within the window.</param>
/// <param name="UserSideRetrievalCoverage">Figure 8: share of new items the user-side two-tower retrieval restricted to new items returned on their upload day (null when not probed).</param>
/// <param name="CreatorSideMatchCoverage">Figure 8: share of new items the creator side matched to at least one user (null for a user-side-only arm).</param>
public sealed record ArmSummary(
    string Arm,
    IReadOnlyList<double> ExpoReach,
    double DailyActiveCreators,
    double NewItemCoverage,
    double HitRate,
    double DailyActiveUsers,
    double WatchSecondsPerActiveUser,
    double LikesPerActiveUser,
    long Dispatched,
    IReadOnlyDictionary<string, double> ExposureShareBySource,
    double? UserSideRetrievalCoverage = null,
    double? CreatorSideMatchCoverage = null);

/// <summary>A treatment arm's change against the control arm on one metric, with its 95% bootstrap interval.</summary>
public sealed record ArmComparison(string Metric, string Control, string Treatment, ArmDifference Difference);

/// <summary>
/// The summary of a run: per-arm figures and every arm's change against the first arm (the control), with bootstrap
/// intervals over creators (creator metrics) and users (user guardrails).
/// </summary>
public sealed record SimulationSummary(IReadOnlyList<int> Thresholds, IReadOnlyList<ArmSummary> Arms, IReadOnlyList<ArmComparison> Comparisons)
{
    /// <summary>
    /// ExpoReach thresholds scaled to the population: E is a fixed share (0.5%, 2% and 5%) of the control arm's mean daily
    /// active users, standing in for DualRec's 1K and 10K exposures on a platform of 100M users.
    /// </summary>
    public static readonly double[] ThresholdShares = [0.005, 0.02, 0.05];

    /// <summary>What the bootstrap intervals of one run do not cover (see docs/dualrec.md, "The likes guardrail").</summary>
    public const string SplitCaveat =
        "The bootstrap resamples users (or creators) within this run's co-diverted split and holds the split fixed; user-side " +
        "guardrails also depend on which creators an arm's users can be shown, which varies between splits by more than these " +
        "intervals admit (an A/A comparison of two identical arms can differ by 30%). Judge guardrails by intervals across seeds (--seeds 3 or more).";

    /// <param name="coverage">Per arm, the platform's retrieval coverage by day (<see cref="RecommenderPlatform.Coverage"/>); null when not recorded.</param>
    public static SimulationSummary From(SimulationResult result, int resamples = 1000, int seed = 1,
        IReadOnlyList<IReadOnlyList<RetrievalCoverageDay>>? coverage = null)
    {
        var meanVisitors = result.Days[0].Average(d => (double)d.Visitors);
        var thresholds = ThresholdShares.Select(s => Math.Max(1, (int)Math.Ceiling(s * meanVisitors))).Distinct().ToList();
        var arms = Enumerable.Range(0, result.Arms.Count).Select(a => WithCoverage(Summarise(result, a, thresholds), coverage?[a])).ToList();
        var comparisons = new List<ArmComparison>();
        // Items reaching each threshold, per creator.
        var reaching = thresholds.ToDictionary(e => e, e =>
        {
            var counts = new double[result.Creators.Count];
            foreach (var item in result.NewItems)
                if (item.Exposures >= e) counts[item.Creator]++;
            return counts;
        });
        for (var a = 1; a < result.Arms.Count; a++)
        {
            void Compare(string metric, IReadOnlyList<double> control, IReadOnlyList<double> treatment) =>
                comparisons.Add(new ArmComparison(metric, result.Arms[0], result.Arms[a], Bootstrap.RelativeChange(control, treatment, resamples, seed)));
            foreach (var e in thresholds)
                Compare($"ExpoReach-{e} (items per creator)", PerCreator(result, 0, c => reaching[e][c]), PerCreator(result, a, c => reaching[e][c]));
            var days = result.Days[0].Count;
            Compare("DAC (active days per creator)", PerCreator(result, 0, c => result.Creators[c].ActiveDays / (double)days),
                PerCreator(result, a, c => result.Creators[c].ActiveDays / (double)days));
            Compare("likes received per creator", PerCreator(result, 0, c => result.Creators[c].Likes), PerCreator(result, a, c => result.Creators[c].Likes));
            Compare("comments received per creator", PerCreator(result, 0, c => result.Creators[c].Comments), PerCreator(result, a, c => result.Creators[c].Comments));
            Compare("watch seconds per active user-day", PerActiveUser(result, 0, u => u.WatchSeconds / u.ActiveDays), PerActiveUser(result, a, u => u.WatchSeconds / u.ActiveDays));
            Compare("likes per active user-day", PerActiveUser(result, 0, u => u.Likes / (double)u.ActiveDays), PerActiveUser(result, a, u => u.Likes / (double)u.ActiveDays));
        }
        return new SimulationSummary(thresholds, arms, comparisons);
    }

    private static ArmSummary Summarise(SimulationResult result, int arm, IReadOnlyList<int> thresholds)
    {
        var days = result.Days[arm];
        var items = result.NewItems.Where(i => i.Arm == arm).ToList();
        var impressions = days.Sum(d => d.Impressions);
        var bySource = days.SelectMany(d => d.ExposuresBySource).GroupBy(p => p.Key)
            .ToDictionary(g => g.Key, g => impressions == 0 ? 0 : g.Sum(p => p.Value) / (double)impressions);
        var dispatched = days.Sum(d => d.Dispatched);
        return new ArmSummary(result.Arms[arm],
            thresholds.Select(e => items.Count == 0 ? 0 : items.Count(i => i.Exposures >= e) / (double)items.Count).ToList(),
            days.Average(d => (double)d.ActiveCreators),
            days.Sum(d => d.NewItems) == 0 ? 0 : days.Sum(d => (double)d.NewItemsExposed) / days.Sum(d => d.NewItems),
            dispatched == 0 ? 0 : days.Sum(d => (double)d.DispatchedVisited) / dispatched,
            days.Average(d => (double)d.Visitors),
            days.Sum(d => d.Visitors) == 0 ? 0 : days.Sum(d => d.WatchSeconds) / days.Sum(d => d.Visitors),
            days.Sum(d => d.Visitors) == 0 ? 0 : days.Sum(d => (double)d.Likes) / days.Sum(d => d.Visitors),
            dispatched, bySource);
    }

    private static ArmSummary WithCoverage(ArmSummary arm, IReadOnlyList<RetrievalCoverageDay>? days)
    {
        if (days is null) return arm;
        var newItems = days.Sum(d => (double)d.NewItems);
        if (newItems == 0) return arm;
        var probed = days.Any(d => d.RetrievedUserSide > 0);
        var matched = days.Any(d => d.MatchedCreatorSide > 0);
        return arm with
        {
            UserSideRetrievalCoverage = probed ? days.Sum(d => d.RetrievedUserSide) / newItems : null,
            CreatorSideMatchCoverage = matched ? days.Sum(d => d.MatchedCreatorSide) / newItems : null,
        };
    }

    private static List<double> PerCreator(SimulationResult result, int arm, Func<int, double> value) =>
        Enumerable.Range(0, result.Creators.Count).Where(c => result.Creators[c].Arm == arm).Select(value).ToList();

    private static List<double> PerActiveUser(SimulationResult result, int arm, Func<(int Arm, int ActiveDays, double WatchSeconds, long Likes), double> value) =>
        result.Users.Where(u => u.Arm == arm && u.ActiveDays > 0).Select(value).ToList();
}
