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
            CoverageProbeQuota = 5,
            Bundle = new Twofold.Pipeline.BundleOptions
            {
                TwoTower = new TwoTowerOptions { Epochs = 1, EmbeddingDim = 16, HiddenDim = 32, OutputDim = 16 },
                Ranker = new FeedbackModelOptions { Epochs = 1, MaxSamples = 30_000, EmbeddingDim = 8 },
                Activity = new Twofold.CreatorSide.ActivityOptions { Iterations = 10, MinHistoryDays = 3, TrainingDays = 5 },
            },
        };
        var strategies = new[] { StrategyConfig.Named("base"), StrategyConfig.Named("dualrec") };
        var platforms = new RecommenderPlatform[2];
        var result = Simulator.Run(new WorldConfig { Users = 800, Creators = 80, Seed = 9 }, warmUpDays: 8, days: 3,
            strategies.Select(s => s.Name).ToList(),
            (arm, context) => platforms[arm] = new RecommenderPlatform(context, strategies[arm], options, dir.Combine($"arm{arm}")));

        // Figure 8's coverage: the probe retrieves at most 5 new items per visit; only the creator side matches.
        for (var a = 0; a < 2; a++)
        {
            var coverage = platforms[a].Coverage;
            Assert.Equal(3, coverage.Count);
            for (var d = 0; d < 3; d++)
            {
                Assert.Equal(result.Days[a][d].NewItems, coverage[d].NewItems);
                Assert.InRange(coverage[d].RetrievedUserSide, 0, Math.Min(coverage[d].NewItems, 5 * result.Days[a][d].Visitors));
            }
            Assert.Contains(coverage, c => c.RetrievedUserSide > 0);
        }
        Assert.All(platforms[0].Coverage, c => Assert.Equal(0, c.MatchedCreatorSide));
        Assert.All(platforms[1].Coverage, c => Assert.InRange(c.MatchedCreatorSide, 0, c.NewItems));
        Assert.Contains(platforms[1].Coverage, c => c.MatchedCreatorSide > 0);
        var withCoverage = SimulationSummary.From(result, resamples: 200, coverage: platforms.Select(p => p.Coverage).ToList());
        Assert.Null(withCoverage.Arms[0].CreatorSideMatchCoverage);
        Assert.InRange(withCoverage.Arms[1].CreatorSideMatchCoverage!.Value, 0.01, 1);
        Assert.InRange(withCoverage.Arms[0].UserSideRetrievalCoverage!.Value, 0.01, 1);

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

    [Fact]
    public void A_shared_first_training_serves_every_arm_what_it_would_have_trained_itself()
    {
        var options = new PlatformOptions
        {
            RetrainEveryDays = 10,
            Bundle = new Twofold.Pipeline.BundleOptions
            {
                TwoTower = new TwoTowerOptions { Epochs = 1, EmbeddingDim = 8, HiddenDim = 16, OutputDim = 8, Threads = 1 },
                Ranker = new FeedbackModelOptions { Epochs = 1, MaxSamples = 10_000, EmbeddingDim = 8 },
                Activity = new Twofold.CreatorSide.ActivityOptions { Iterations = 5, MinHistoryDays = 3, TrainingDays = 4 },
            },
        };
        var strategies = new[] { StrategyConfig.Named("base"), StrategyConfig.Named("dualrec") };
        (string Json, long Dispatched) Run(SharedFirstTraining? shared, TempDirectory dir)
        {
            var result = Simulator.Run(new WorldConfig { Users = 400, Creators = 40, Seed = 4 }, warmUpDays: 5, days: 2,
                strategies.Select(s => s.Name).ToList(),
                (arm, context) => new RecommenderPlatform(context, strategies[arm], options, dir.Combine($"arm{arm}"), shared));
            return (System.Text.Json.JsonSerializer.Serialize(new { result.Days, result.Users, result.Creators }), result.Days[1].Sum(d => (long)d.Dispatched));
        }

        using var alone = new TempDirectory();
        using var together = new TempDirectory();
        var shared = new SharedFirstTraining(strategies, together.Combine("shared"));
        var separate = Run(null, alone);
        Assert.Equal(TimeSpan.Zero, shared.TrainingTime);
        Assert.Equal(separate, Run(shared, together));
        Assert.True(shared.TrainingTime > TimeSpan.Zero);
        Assert.True(File.Exists(together.Combine("shared", "first-bundle", Twofold.Pipeline.BundleManifest.FileName)));
        Assert.True(separate.Dispatched > 0); // the DualRec arm used its creator-side ranker and activity model
    }
}
