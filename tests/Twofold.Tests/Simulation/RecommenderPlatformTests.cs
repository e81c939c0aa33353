using Twofold.Models;
using Twofold.Ranking;
using Twofold.Simulation;
using Twofold.Tests.Support;
using Twofold.World;

namespace Twofold.Tests.Simulation;

public class RecommenderPlatformTests
{
    [Fact]
    public void Base_and_DualRec_run_side_by_side_and_only_DualRec_matches_items_within_Q()
    {
        using var dir = new TempDirectory();
        var options = new PlatformOptions
        {
            RetrainEveryDays = 2,
            Bundle = new Twofold.Pipeline.BundleOptions
            {
                TwoTower = new TwoTowerOptions { Epochs = 1, EmbeddingDim = 16, HiddenDim = 32, OutputDim = 16 },
                Ranker = new FeedbackModelOptions { Epochs = 1, MaxSamples = 30_000, EmbeddingDim = 8 },
                Activity = new Twofold.CreatorSide.ActivityOptions { Iterations = 10, MinHistoryDays = 3, TrainingDays = 5 },
            },
        };
        var strategies = new[] { StrategyConfig.Named("base"), StrategyConfig.Named("dualrec") };
        var result = Simulator.Run(new WorldConfig { Users = 800, Creators = 80, Seed = 9 }, warmUpDays: 8, days: 3,
            strategies.Select(s => s.Name).ToList(),
            (arm, context) => new RecommenderPlatform(context, strategies[arm], options, dir.Combine($"arm{arm}")));

        Assert.All(result.Days[0], d => Assert.Equal(0, d.Dispatched));
        Assert.Contains(result.Days[1], d => d.Dispatched > 0);
        foreach (var day in result.Days[1])
        {
            Assert.Equal(0, day.MatchedPerUser.Skip(11).Sum()); // nobody holds more than Q = 10
            Assert.True(day.Impressions > 0);
        }
        Assert.Contains(result.Days[1], d => d.ExposuresBySource.ContainsKey("creator-side"));
        Assert.Contains(result.Days[0], d => d.ExposuresBySource.ContainsKey("new-items"));
        var summary = SimulationSummary.From(result, resamples: 200);
        Assert.Equal(2, summary.Arms.Count);
        Assert.NotEmpty(summary.Comparisons);
    }
}
