using Twofold.Cli;
using Twofold.Models;
using Twofold.Pipeline;
using Twofold.Ranking;
using Twofold.Tests.Support;
using Twofold.World;

namespace Twofold.Tests.Pipeline;

public class ModelBundleTests
{
    [Fact]
    public void Train_dispatch_and_feed_share_one_bundle_and_the_matched_item_reaches_the_users_feed()
    {
        using var dir = new TempDirectory();
        WorldGenerator.Generate(new WorldConfig { Users = 900, Creators = 90, Days = 12, Seed = 8 }, dir.Combine("w"));
        File.WriteAllText(dir.Combine("options.json"), """
            {
              "two_tower": { "epochs": 1, "embedding_dim": 8, "hidden_dim": 16, "output_dim": 8 },
              "ranker": { "epochs": 1, "max_samples": 20000, "embedding_dim": 8 },
              "activity": { "iterations": 10, "min_history_days": 3, "training_days": 5 }
            }
            """);
        Assert.Equal(0, TwofoldCommandLine.Build().Parse(["train", dir.Combine("w"), "--out", dir.Combine("b"), "--config", dir.Combine("options.json")]).Invoke());
        Assert.Equal(CommandErrors.Failure, TwofoldCommandLine.Build().Parse(["train", dir.Combine("w"), "--out", dir.Combine("b")]).Invoke());

        var ledger = dir.Combine("ledger.db");
        int item = 40, user;
        using (var session = ServingSession.Open(dir.Combine("b"), ledger))
        {
            Assert.Equal(900, session.Bundle.Manifest.Users);
            var dispatch = session.Pipeline.CreatorSide!.Dispatch(session.Day, item);
            Assert.NotEmpty(dispatch.Users);
            Assert.All(dispatch.Users, u => Assert.NotNull(u.Source));
            user = dispatch.Users[0].User;
        }
        // A second process: the bundle loads from disk, the ledger remembers the dispatch, the feed boosts D_u.
        using (var session = ServingSession.Open(dir.Combine("b"), ledger))
        {
            Assert.True(session.Pipeline.CreatorSide!.Dispatch(session.Day, item).AlreadyDispatched);
            var feed = session.Pipeline.Feed.Feed(session.Day, user, 10);
            Assert.Contains(feed, e => e.Item == item && e.FromCreatorSide);
        }
        Assert.Equal(0, TwofoldCommandLine.Build().Parse(["feed", dir.Combine("b"), "--user", "3", "--k", "5"]).Invoke());
        Assert.Equal(CommandErrors.Failure, TwofoldCommandLine.Build().Parse(["dispatch", dir.Combine("b"), "--item", "999999"]).Invoke());
        Assert.Equal(CommandErrors.Failure, TwofoldCommandLine.Build().Parse(["feed", dir.Combine("nothing"), "--user", "1"]).Invoke());
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(0, false)]
    public void The_manifest_reports_the_two_towers_recall_only_when_days_were_held_out_for_it(int validationDays, bool reported)
    {
        using var dir = new TempDirectory();
        WorldGenerator.Generate(new WorldConfig { Users = 400, Creators = 40, Days = 8, Seed = 5 }, dir.Combine("w"));
        using var bundle = ModelBundle.Train(Twofold.Data.Dataset.Open(dir.Combine("w")), new BundleOptions
        {
            TwoTower = new TwoTowerOptions { Epochs = 1, EmbeddingDim = 8, HiddenDim = 16, OutputDim = 8, ValidationDays = validationDays },
            Ranker = new FeedbackModelOptions { Epochs = 1, MaxSamples = 5_000, EmbeddingDim = 8 },
            TrainActivity = false,
        });
        var validation = bundle.Manifest.Validation;
        Assert.Equal(reported, validation.ContainsKey("two_tower_best_recall"));
        if (reported) Assert.InRange(validation["two_tower_best_recall"], 0, 1);
        Assert.InRange(validation["population_interaction_rate"], 0, 1);
        Assert.DoesNotContain(validation.Values, double.IsNaN); // a figure not measured is left out, not written as NaN
    }
}
