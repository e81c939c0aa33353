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

    [Fact]
    public void Extending_the_lists_by_uploads_gives_each_new_item_the_lists_a_full_computation_gives_it()
    {
        var random = new Random(9);
        var items = Enumerable.Range(0, 400).Select(i => I(i, i % 7 == 3 ? null : Enumerable.Range(0, 6).Select(_ => (float)random.NextDouble() - 0.5f).ToArray())).ToList();
        var before = ContentSimilarity.Compute(items[..390], topK: 5);
        var extended = ContentSimilarity.Extend(before, items, topK: 5, rows: null, out _);
        Assert.Equal(400, extended.NodeCount);
        for (var i = 0; i < 390; i++) Assert.Equal(before.Neighbors(i).ToArray(), extended.Neighbors(i).ToArray());
        // Item 399 is the last upload: a full computation over the catalogue at that moment is the same search.
        var full = ContentSimilarity.Compute(items, topK: 5);
        Assert.Equal(full.Neighbors(399).ToArray(), extended.Neighbors(399).ToArray());
        Assert.Equal(full.Scores(399).ToArray(), extended.Scores(399).ToArray());
        Assert.Empty(extended.Neighbors(395).ToArray()); // no embedding, no neighbours
        Assert.Throws<ArgumentException>(() => ContentSimilarity.Extend(full, items[..10], topK: 5, rows: null, out _));
    }

    [Fact]
    public void Above_the_exact_size_uploads_are_inserted_into_the_graph_and_found_by_later_uploads()
    {
        var random = new Random(11);
        float[] Vector() => [.. Enumerable.Range(0, 8).Select(_ => (float)random.NextDouble() - 0.5f)];
        var items = Enumerable.Range(0, 3000).Select(i => I(i, Vector())).ToList();
        var before = ContentSimilarity.ComputeGrowable(items[..2800], topK: 10, out var rows, exactUpTo: 1000);
        // Uploads one at a time, as a service receives them; the last is a near copy of the first upload.
        var lists = before;
        items[2999] = I(2999, [.. items[2800].ContentEmbedding!.Select(x => x + 1e-4f)]);
        for (var n = 2801; n <= 3000; n++) lists = ContentSimilarity.Extend(lists, items[..n], topK: 10, rows, out rows);
        Assert.Equal(3000, rows.ItemCount);
        Assert.True(rows.SearchesGraph);
        Assert.Equal(2800, lists.Neighbors(2999)[0]); // an upload is found by the uploads after it

        var exact = ContentSimilarity.Compute(items, topK: 10); // the full, exact computation at the end
        var found = 0;
        for (var i = 2801; i < 3000; i++) found += lists.Neighbors(i).ToArray().Intersect(exact.Neighbors(i).ToArray()).Count();
        // Each upload saw only the items before it, so the exact lists at the end are a slightly different target.
        Assert.True(found >= 0.9 * 199 * 10, $"recall@10 of the extended lists {found / 1990.0:F3}");
        for (var i = 0; i < 2800; i++) Assert.Equal(before.Neighbors(i).ToArray(), lists.Neighbors(i).ToArray());

        // A grow from an instance the graph has outgrown copies and scans exactly from then on.
        ContentSimilarity.ComputeGrowable(items[..2800], topK: 10, out var first, exactUpTo: 1000);
        var later = first.Grow(items[..2900]);
        Assert.True(later.SearchesGraph);
        var branch = first.Grow(items[..2850]);
        Assert.False(branch.SearchesGraph);
        Assert.False(first.SearchesGraph);
        Assert.Equal(ContentSimilarity.Compute(items[..2850], topK: 10).Neighbors(2849).ToArray(), branch.Similar(items[2849], 10).Neighbors);
    }
}
