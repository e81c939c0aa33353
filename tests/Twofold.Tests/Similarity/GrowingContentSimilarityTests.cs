using Twofold.Domain;
using Twofold.Similarity;

namespace Twofold.Tests.Similarity;

public class GrowingContentSimilarityTests
{
    private static List<Item> Catalogue(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i => new Item(new ItemId(i), $"v{i}", new CreatorId(0), 0, 0, "", [],
            i % 17 == 5 ? null : Enumerable.Range(0, 8).Select(_ => (float)random.NextDouble() - 0.5f).ToArray())).ToList();
    }

    [Fact]
    public void Up_to_the_exact_size_it_equals_computing_the_whole_catalogue()
    {
        var items = Catalogue(600, 1);
        var growing = new GrowingContentSimilarity(topK: 5);
        foreach (var size in new[] { 0, 200, 200, 450, 600 })
        {
            var lists = growing.Update(items.Take(size).ToList());
            var whole = ContentSimilarity.Compute(items.Take(size).ToList(), topK: 5);
            Assert.Equal(size, lists.NodeCount);
            for (var i = 0; i < size; i++)
            {
                Assert.Equal(whole.Neighbors(i).ToArray(), lists.Neighbors(i).ToArray());
                Assert.Equal(whole.Scores(i).ToArray(), lists.Scores(i).ToArray());
            }
        }
        Assert.Throws<ArgumentException>(() => growing.Update(items.Take(10).ToList()));
    }

    [Fact]
    public void Past_the_exact_size_growth_finds_nearly_the_exact_neighbours_of_new_and_old_items()
    {
        var items = Catalogue(3000, 2);
        var growing = new GrowingContentSimilarity(topK: 10, exactUpTo: 500);
        growing.Update(items.Take(1000).ToList());
        growing.Update(items.Take(2000).ToList());
        var lists = growing.Update(items);
        var exact = ContentSimilarity.Compute(items, topK: 10);
        double found = 0, expected = 0;
        for (var i = 0; i < items.Count; i += 7)
        {
            found += lists.Neighbors(i).ToArray().Intersect(exact.Neighbors(i).ToArray()).Count();
            expected += exact.Neighbors(i).Length;
            var scores = lists.Scores(i).ToArray();
            Assert.Equal(scores.OrderDescending().ToArray(), scores); // best first
            Assert.DoesNotContain(i, lists.Neighbors(i).ToArray());
        }
        // New items enter old items' lists: recall is counted over old (first 1,000) and new items alike.
        Assert.True(found >= 0.9 * expected, $"recall@10 after growing {found / expected:F3}");
        Assert.Empty(lists.Neighbors(5).ToArray()); // no embedding, no neighbours
    }
}
