using Twofold.Evaluation;
using Twofold.Simulation;

namespace Twofold.Tests.Simulation;

public class SeedSummaryTests
{
    private static SimulationSummary Run(string expoMetric, double expoChange, double likesChange) =>
        new([10], [], [
            new ArmComparison(expoMetric, "base", "dualrec", new ArmDifference(1, 1 + expoChange, expoChange, expoChange - 0.5, expoChange + 0.5)),
            new ArmComparison("likes per active user-day", "base", "dualrec", new ArmDifference(1, 1 + likesChange, likesChange, -1, 1)),
        ]);

    [Fact]
    public void The_interval_across_seeds_is_the_student_t_interval_of_the_seeds_changes()
    {
        var summary = SeedSummary.From([1, 2, 3], [Run("ExpoReach-10 (items per creator)", 0.1, -0.01), Run("ExpoReach-10 (items per creator)", 0.2, 0.02),
            Run("ExpoReach-10 (items per creator)", 0.3, -0.02)]);
        var expo = summary.AcrossSeeds[0];
        Assert.Equal([0.1, 0.2, 0.3], expo.Changes);
        Assert.Equal(0.2, expo.Mean, 12);
        // sd = 0.1, t(0.975, 2) = 4.302653, half-width = 4.302653 · 0.1 / √3
        Assert.Equal(0.2 - 0.2484138, expo.Lower, 6);
        Assert.Equal(0.2 + 0.2484138, expo.Upper, 6);
        Assert.False(expo.Significant);
        Assert.Equal("ExpoReach-10 (items per creator)", expo.Metric);

        var consistent = SeedSummary.From([1, 2, 3, 4], [Run("a", 0.10, 0), Run("a", 0.12, 0), Run("a", 0.11, 0), Run("a", 0.13, 0)]);
        Assert.True(consistent.AcrossSeeds[0].Significant);
        Assert.InRange(consistent.AcrossSeeds[0].Lower, 0.09, 0.115);
    }

    [Fact]
    public void Thresholds_that_differ_between_seeds_are_named_and_one_seed_is_refused()
    {
        var summary = SeedSummary.From([1, 2], [Run("ExpoReach-10 (items per creator)", 0.1, 0), Run("ExpoReach-11 (items per creator)", 0.2, 0)]);
        Assert.Contains("E by seed: ExpoReach-10, ExpoReach-11", summary.AcrossSeeds[0].Metric);
        Assert.Throws<ArgumentException>(() => SeedSummary.From([1], [Run("a", 0.1, 0)]));
    }
}
