using Twofold.Domain;
using Twofold.Similarity;

namespace Twofold.Tests.Similarity;

public class ContentSimilarityTests
{
    private static Item I(int id, float[]? embedding) => new(new ItemId(id), $"v{id}", new CreatorId(0), 0, 0, "", [], embedding);

    [Fact]
    public void Neighbours_are_by_cosine_excluding_the_item_and_items_without_embeddings()
    {
        var items = new[]
        {
            I(0, [1, 0, 0]),
            I(1, [10, 1, 0]),   // close to 0 in direction, far in length
            I(2, null),
            I(3, [0, 1, 0]),
            I(4, [-1, 0, 0]),
        };
        var s = ContentSimilarity.Compute(items, topK: 2);
        Assert.Equal([1, 3], s.Neighbors(0).ToArray());
        Assert.Equal(10 / MathF.Sqrt(101), s.Scores(0)[0], 5);
        Assert.Empty(s.Neighbors(2).ToArray());
        Assert.DoesNotContain(2, s.Neighbors(4).ToArray());
        Assert.DoesNotContain(4, s.Neighbors(4).ToArray());
    }

    [Fact]
    public void The_graph_path_for_large_catalogues_finds_the_exact_neighbours()
    {
        var random = new Random(5);
        var items = Enumerable.Range(0, 3000).Select(i => I(i, Enumerable.Range(0, 8).Select(_ => (float)random.NextDouble() - 0.5f).ToArray())).ToList();
        var graph = ContentSimilarity.Compute(items, topK: 10, exactUpTo: 1000);
        var exact = ContentSimilarity.Compute(items, topK: 10);
        var found = 0;
        for (var i = 0; i < items.Count; i += 10) found += graph.Neighbors(i).ToArray().Intersect(exact.Neighbors(i).ToArray()).Count();
        Assert.True(found >= 0.95 * 300 * 10, $"recall@10 of the graph path {found / 3000.0:F3}");
        Assert.Throws<ArgumentException>(() => ContentSimilarity.Compute([I(0, [1, 0]), I(1, [1, 0, 0])], 1));
        Assert.Throws<ArgumentException>(() => ContentSimilarity.Compute([I(0, [0, 0])], 1));
    }
}
