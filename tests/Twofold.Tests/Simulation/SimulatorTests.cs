using Twofold.CreatorSide;
using Twofold.Data;
using Twofold.Domain;
using Twofold.Retrieval;
using Twofold.Simulation;
using Twofold.World;

namespace Twofold.Tests.Simulation;

public class SimulatorTests
{
    private static readonly WorldConfig SmallWorld = new() { Users = 600, Creators = 60, Seed = 4 };

    /// <summary>
    /// A platform for tests of the loop: it shows each visitor the arm's newest items (optionally some of another
    /// arm's, to check that the simulator refuses it) and matches each new item to the arm's first users.
    /// </summary>
    private sealed class NewestItemsPlatform(PlatformContext context, bool leak = false) : IArmPlatform
    {
        private static readonly RetrievalSource Source = new(RetrievalKind.NewItems, Side.User);

        public IReadOnlyList<(int User, int Item)> StartDay(int day, IReadOnlyList<int> newItems) =>
            newItems.SelectMany(i => context.Assignment.UsersOf(context.Arm).Take(3).Select(u => (u, i))).ToList();

        public IReadOnlyList<FeedEntry> Feed(int day, int user, int length)
        {
            var world = context.World;
            var feed = new List<FeedEntry>();
            for (var i = world.Items.Count - 1; i >= 0 && feed.Count < length; i--)
                if (leak || context.Assignment.CreatorArm(world.Items.Creator[i]) == context.Arm)
                    feed.Add(new FeedEntry(i, 0, Source, false));
            return feed;
        }

        public void EndDay(int day, InteractionBatch impressions)
        {
        }

        public void Dispose()
        {
        }
    }

    [Fact]
    public void A_run_records_every_arm_every_day_and_is_deterministic()
    {
        SimulationResult Run() => Simulator.Run(SmallWorld, warmUpDays: 3, days: 4, ["a", "b"], (_, context) => new NewestItemsPlatform(context));
        var first = Run();
        var second = Run();

        Assert.Equal(2, first.Days.Length);
        Assert.All(first.Days, days => Assert.Equal(4, days.Count));
        for (var a = 0; a < 2; a++)
            for (var d = 0; d < 4; d++)
                Assert.Equal(first.Days[a][d] with { ExposuresBySource = null!, MatchedPerUser = null! },
                    second.Days[a][d] with { ExposuresBySource = null!, MatchedPerUser = null! });

        var day = first.Days[0][1];
        Assert.Equal(300, day.Users);
        Assert.True(day.Visitors > 0 && day.Impressions >= day.Visitors);
        Assert.Equal(day.Impressions, day.ExposuresBySource["new-items"]);
        Assert.Equal(day.Users, day.MatchedPerUser.Sum());
        Assert.Equal(3 * day.NewItems, day.Dispatched);
        Assert.Equal(300, first.Users.Count(u => u.Arm == 0));
        Assert.NotEmpty(first.NewItems);
    }

    [Theory]
    [InlineData("history")]
    [InlineData("cfd")]
    [InlineData("simuline")]
    [InlineData("lbr")]
    [InlineData("suggestion-following")]
    public void Every_creator_behaviour_runs_in_the_loop_deterministically(string model)
    {
        var world = SmallWorld with { CreatorBehaviour = new CreatorBehaviourConfig { Model = model } };
        SimulationResult Run() => Simulator.Run(world, warmUpDays: 3, days: 4, ["a", "b"], (_, context) => new NewestItemsPlatform(context));
        var first = Run();
        var second = Run();
        Assert.Equal(first.Creators, second.Creators);
        Assert.Equal(first.NewItems, second.NewItems);
        Assert.True(first.Creators.Sum(c => c.Posts) > 0);
    }

    [Fact]
    public void A_platform_that_shows_another_arms_items_is_stopped()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            Simulator.Run(SmallWorld, 2, 2, ["a", "b"], (_, context) => new NewestItemsPlatform(context, leak: true)));
        Assert.Contains("another arm", error.Message);
    }
}
