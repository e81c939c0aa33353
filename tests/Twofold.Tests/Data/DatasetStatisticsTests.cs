using Twofold.Cli;
using Twofold.Data;
using Twofold.Domain;
using Twofold.Tests.Support;

namespace Twofold.Tests.Data;

public class DatasetStatisticsTests
{
    private const long Day = 86_400_000L;

    private static Dataset Small(TempDirectory dir)
    {
        using var writer = DatasetWriter.Create(dir.Combine("ds"));
        // Day 0: user 0 sees items 0 and 1 (likes item 0); day 1: users 0 and 1 see item 0.
        writer.Events.Append(new Interaction(new UserId(0), new ItemId(0), 10, 20_000, 10_000, Feedback.Click | Feedback.Like));
        writer.Events.Append(new Interaction(new UserId(0), new ItemId(1), 20, 40_000, 4_000, Feedback.Click));
        writer.Events.Append(new Interaction(new UserId(0), new ItemId(0), Day + 5, 20_000, 2_000, Feedback.None));
        writer.Events.Append(new Interaction(new UserId(1), new ItemId(0), Day + 6, 20_000, 0, Feedback.None));
        return writer.Commit("test",
            [new User(new UserId(0), "a"), new User(new UserId(1), "b"), new User(new UserId(2), "c")],
            [new Creator(new CreatorId(0), "x")],
            [new Item(new ItemId(0), "v0", new CreatorId(0), 0, 20_000, "", []), new Item(new ItemId(1), "v1", new CreatorId(0), 0, 40_000, "", [])]);
    }

    [Fact]
    public void Statistics_count_what_the_log_holds()
    {
        using var dir = new TempDirectory();
        var s = DatasetStatistics.Compute(Small(dir));
        Assert.Equal(4, s.Interactions);
        Assert.Equal(4 / 6.0, s.Density, 12);
        Assert.Equal(1.5, s.MeanActiveUsersPerDay, 12);
        Assert.Equal(0.5, s.FeedbackRates["click"], 12);
        Assert.Equal(0.25, s.FeedbackRates["like"], 12);
        Assert.Equal(4_000, s.MeanWatchMs, 12);
        Assert.Equal(3, s.InteractionsPerUser.Max);
        Assert.Equal(0, s.InteractionsPerUser.Min);
        Assert.Equal(3, s.InteractionsPerItem.Max);
        Assert.Equal(2, s.ItemsPerCreator.Max);
    }

    [Fact]
    public void The_stats_command_prints_the_figures_and_rejects_a_missing_dataset()
    {
        using var dir = new TempDirectory();
        Small(dir);
        Assert.Equal(0, TwofoldCommandLine.Build().Parse(["data", "stats", dir.Combine("ds")]).Invoke());
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        try
        {
            Assert.Equal(CommandErrors.Failure, TwofoldCommandLine.Build().Parse(["data", "stats", dir.Combine("nope")]).Invoke());
        }
        finally
        {
            Console.SetError(previous);
        }
        Assert.Contains("not a dataset", error.ToString());
    }
}
