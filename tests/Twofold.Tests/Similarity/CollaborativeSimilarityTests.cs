using Twofold.Data;
using Twofold.Domain;
using Twofold.Graph;
using Twofold.Similarity;

namespace Twofold.Tests.Similarity;

public class CollaborativeSimilarityTests
{
    private static InteractionGraph Graph(int users, int items, IEnumerable<(int User, int Item)> likes)
    {
        var batch = new InteractionBatch([]);
        var t = 0;
        foreach (var (u, i) in likes) batch.Add(new Interaction(new UserId(u), new ItemId(i), t++, 0, 0, Feedback.Like));
        return InteractionGraph.Empty(users, items, GraphOptions.Default).Append(batch, users, items);
    }

    // u0 and u1 like i0 and i1; u2 likes i0 and i2. Every user has two items, so each weighs 1/log2(3).
    private static readonly InteractionGraph Tiny = Graph(3, 3, [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 2)]);

    [Fact]
    public void Cosine_matches_the_hand_computed_scores()
    {
        var s = CollaborativeSimilarity.Compute(Tiny, Side.Item, new CollaborativeOptions());
        var w = 1 / Math.Log2(3);
        Assert.Equal([1, 2], s.Neighbors(0).ToArray());
        Assert.Equal(2 * w / (Math.Sqrt(3) * Math.Sqrt(2)), s.Scores(0)[0], 5);
        Assert.Equal(w / Math.Sqrt(3), s.Scores(0)[1], 5);
        Assert.Equal([0], s.Neighbors(2).ToArray());
    }

    [Fact]
    public void Swing_matches_the_hand_computed_scores()
    {
        var s = CollaborativeSimilarity.Compute(Tiny, Side.Item, new CollaborativeOptions(CollaborativeMeasure.Swing));
        // Only the pair {u0, u1} shares another item than i0: 1 / (√2·√2·(1 + |{i0, i1}|)).
        Assert.Equal([1], s.Neighbors(0).ToArray());
        Assert.Equal(1 / 6.0, s.Scores(0)[0], 5);
        Assert.Empty(s.Neighbors(2).ToArray());
    }

    [Theory]
    [InlineData(CollaborativeMeasure.Cosine)]
    [InlineData(CollaborativeMeasure.Swing)]
    public void User_similarity_is_item_similarity_of_the_transposed_graph(CollaborativeMeasure measure)
    {
        var random = new Random(3);
        var likes = Enumerable.Range(0, 600).Select(_ => (random.Next(40), random.Next(60))).ToList();
        var graph = Graph(40, 60, likes);
        var transposed = Graph(60, 40, likes.Select(l => (l.Item2, l.Item1)));
        var options = new CollaborativeOptions(measure, TopK: 10);
        var users = CollaborativeSimilarity.Compute(graph, Side.User, options);
        var usersAsItems = CollaborativeSimilarity.Compute(transposed, Side.Item, options);
        for (var u = 0; u < 40; u++)
        {
            Assert.Equal(usersAsItems.Neighbors(u).ToArray(), users.Neighbors(u).ToArray());
            Assert.Equal(usersAsItems.Scores(u).ToArray(), users.Scores(u).ToArray());
        }
        Assert.True(users.Neighbors(0).Length == 10);
    }

    [Theory]
    [InlineData(CollaborativeMeasure.Cosine)]
    [InlineData(CollaborativeMeasure.Swing)]
    public void A_short_list_is_the_prefix_of_the_full_ranking_ties_to_the_lower_id(CollaborativeMeasure measure)
    {
        // Few distinct weights (every user likes 3 or 4 items), so many scores tie and the id order decides which are kept.
        var random = new Random(11);
        var likes = Enumerable.Range(0, 80).SelectMany(u => Enumerable.Range(0, 3 + u % 2).Select(_ => (u, random.Next(30)))).ToList();
        var graph = Graph(80, 30, likes);
        var full = CollaborativeSimilarity.Compute(graph, Side.Item, new CollaborativeOptions(measure, TopK: 1_000));
        var top = CollaborativeSimilarity.Compute(graph, Side.Item, new CollaborativeOptions(measure, TopK: 4));
        var ties = 0;
        for (var i = 0; i < 30; i++)
        {
            var all = full.Neighbors(i).ToArray();
            var scores = full.Scores(i).ToArray();
            for (var r = 1; r < all.Length; r++)
            {
                Assert.True(scores[r - 1] >= scores[r], $"item {i} rank {r}");
                if (scores[r - 1] == scores[r]) ties++;
            }
            Assert.Equal(all.Take(4).ToArray(), top.Neighbors(i).ToArray());
            Assert.Equal(scores.Take(4).ToArray(), top.Scores(i).ToArray());
        }
        Assert.True(ties > 10, $"{ties} ties");
    }

    [Fact]
    public void Neighbour_lists_survive_save_and_load_and_a_truncated_file_is_rejected()
    {
        var s = CollaborativeSimilarity.Compute(Tiny, Side.Item, new CollaborativeOptions());
        var bytes = new MemoryStream();
        s.Save(bytes);
        var loaded = NeighborLists.Load(new MemoryStream(bytes.ToArray()), "sim.bin");
        Assert.Equal(s.Scores(0).ToArray(), loaded.Scores(0).ToArray());
        Assert.Equal(s.Neighbors(1).ToArray(), loaded.Neighbors(1).ToArray());
        var error = Assert.Throws<InvalidDataException>(() => NeighborLists.Load(new MemoryStream(bytes.ToArray()[..^3]), "sim.bin"));
        Assert.Contains("sim.bin", error.Message);
    }
}
