using Twofold.Data;
using Twofold.Domain;
using Twofold.Graph;
using Twofold.Tests.Support;

namespace Twofold.Tests.Graph;

public class InteractionGraphTests
{
    private const long Day = 86_400_000L;

    private static InteractionBatch Batch(params Interaction[] rows)
    {
        var batch = new InteractionBatch([]);
        foreach (var row in rows) batch.Add(row);
        return batch;
    }

    private static Interaction I(int user, int item, long time, Feedback feedback = Feedback.Like) =>
        new(new UserId(user), new ItemId(item), time, 0, 0, feedback);

    [Fact]
    public void Histories_hold_positive_edges_both_ways_newest_first_without_repeats()
    {
        var graph = InteractionGraph.Empty(3, 4, GraphOptions.Default).Append(Batch(
            I(0, 1, 10), I(0, 2, 30), I(0, 1, 40), I(1, 1, 20), I(2, 3, 5, Feedback.Click)), 3, 4);

        Assert.Equal([1, 2], graph.History(Side.User).Neighbors(0).ToArray());
        Assert.Equal([40L, 30L], graph.UserToItems.Times(0).ToArray());
        Assert.Equal([0, 1], graph.History(Side.Item).Neighbors(1).ToArray());
        Assert.Equal(0, graph.UserToItems.Degree(2)); // a click alone is not positive by default
        Assert.Equal(3, graph.UserToItems.EdgeCount);
        Assert.Equal(3, graph.ItemToUsers.EdgeCount);
    }

    [Fact]
    public void The_positive_definition_window_and_recency_cut_apply()
    {
        var rows = Batch(I(0, 0, 0), I(0, 1, 5 * Day), I(0, 2, 9 * Day), I(0, 3, 10 * Day, Feedback.Click), I(1, 3, 10 * Day));
        var clicks = InteractionGraph.Empty(2, 4, new GraphOptions(Feedback.Click)).Append(rows, 2, 4);
        Assert.Equal([3], clicks.UserToItems.Neighbors(0).ToArray());

        var window = InteractionGraph.Empty(2, 4, GraphOptions.Default with { WindowDays = 6 }).Append(rows, 2, 4);
        Assert.Equal([2, 1], window.UserToItems.Neighbors(0).ToArray());

        var cut = InteractionGraph.Empty(2, 4, GraphOptions.Default with { MaxPerNode = 1 }).Append(rows, 2, 4);
        Assert.Equal([2], cut.UserToItems.Neighbors(0).ToArray());
        Assert.Equal([1], cut.ItemToUsers.Neighbors(3).ToArray());
    }

    [Fact]
    public void Appending_day_by_day_equals_building_from_the_whole_log()
    {
        var random = new Random(7);
        var options = GraphOptions.Default with { WindowDays = 5, MaxPerNode = 6 };
        using var dir = new TempDirectory();
        var incremental = InteractionGraph.Empty(50, 80, options);
        using (var writer = EventLogWriter.Open(dir.Path))
        {
            for (var day = 0; day < 12; day++)
            {
                var batch = new InteractionBatch([]);
                for (var k = 0; k < 300; k++)
                {
                    var row = I(random.Next(50), random.Next(80), day * Day + random.Next(1000), (Feedback)(1 << random.Next(7)));
                    batch.Add(row);
                    writer.Append(row);
                }
                incremental = incremental.Append(batch, 50, 80);
            }
            writer.Complete();
        }
        var rebuilt = InteractionGraph.Build(EventLog.Open(dir.Path), 50, 80, options);
        foreach (var side in new[] { Side.User, Side.Item })
            for (var n = 0; n < rebuilt.History(side).NodeCount; n++)
            {
                Assert.Equal(rebuilt.History(side).Neighbors(n).ToArray(), incremental.History(side).Neighbors(n).ToArray());
                Assert.Equal(rebuilt.History(side).Times(n).ToArray(), incremental.History(side).Times(n).ToArray());
            }
        Assert.True(rebuilt.UserToItems.EdgeCount > 100);
    }

    [Fact]
    public void Growing_keeps_every_edge_and_adds_empty_nodes_like_appending_nothing()
    {
        var graph = InteractionGraph.Empty(3, 4, GraphOptions.Default).Append(Batch(I(0, 1, 10), I(0, 3, 30), I(2, 3, 20)), 3, 4);
        var grown = graph.GrowTo(5, 9);
        var appended = graph.Append(new InteractionBatch([]), 5, 9);
        Assert.Equal(5, grown.UserToItems.NodeCount);
        Assert.Equal(9, grown.ItemToUsers.NodeCount);
        foreach (var side in new[] { Side.User, Side.Item })
            for (var n = 0; n < appended.History(side).NodeCount; n++)
            {
                Assert.Equal(appended.History(side).Neighbors(n).ToArray(), grown.History(side).Neighbors(n).ToArray());
                Assert.Equal(appended.History(side).Times(n).ToArray(), grown.History(side).Times(n).ToArray());
            }
        Assert.Same(graph, graph.GrowTo(3, 4));
        Assert.Throws<ArgumentException>(() => graph.GrowTo(2, 4));
    }

    [Fact]
    public void Out_of_range_ids_and_bad_options_are_rejected()
    {
        var graph = InteractionGraph.Empty(2, 2, GraphOptions.Default);
        Assert.Throws<ArgumentException>(() => graph.Append(Batch(I(5, 0, 0)), 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => graph.UserToItems.Neighbors(2).Length);
        Assert.Throws<ArgumentException>(() => (GraphOptions.Default with { MaxPerNode = 0 }).Validate());
    }
}

public class InteractionGraphFileTests
{
    [Fact]
    public void A_saved_graph_loads_identical_and_a_truncated_file_is_rejected()
    {
        using var dir = new TempDirectory();
        var batch = new InteractionBatch([]);
        var random = new Random(1);
        for (var k = 0; k < 500; k++) batch.Add(new Interaction(new UserId(random.Next(20)), new ItemId(random.Next(30)), k, 0, 0, Feedback.Like));
        var graph = InteractionGraph.Empty(20, 30, GraphOptions.Default with { MaxPerNode = 7 }).Append(batch, 20, 30);
        var path = dir.Combine("graph.bin");
        graph.Save(path);
        var loaded = InteractionGraph.Load(path);
        Assert.Equal(graph.Options, loaded.Options);
        Assert.Equal(graph.NewestTimeMs, loaded.NewestTimeMs);
        for (var u = 0; u < 20; u++) Assert.Equal(graph.UserToItems.Neighbors(u).ToArray(), loaded.UserToItems.Neighbors(u).ToArray());
        for (var i = 0; i < 30; i++) Assert.Equal(graph.ItemToUsers.Times(i).ToArray(), loaded.ItemToUsers.Times(i).ToArray());

        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^5]);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => InteractionGraph.Load(path)).Message);
    }
}
