using Twofold.CreatorSide;
using Twofold.Domain;
using Twofold.Pipeline;
using Twofold.Ranking;
using Twofold.Retrieval;
using Twofold.Storage;
using Twofold.Vectors;

namespace Twofold.Tests.CreatorSide;

public class CombinedRecommenderTests
{
    private static readonly ScoreWeights LikeOnly = new(new Dictionary<FeedbackTask, double> { [FeedbackTask.Like] = 1 });

    private static CombinedRecommender Build(InMemoryAvailabilityStore store, double lambda, int knownItems = int.MaxValue)
    {
        // 50 items on a line; the user tower prefers high ids, the user-side model too (f = item/100);
        // the creator-side model likes item 3 a lot (g = 0.9) and others little.
        var items = Enumerable.Range(0, 50).SelectMany(i => new[] { 1f, i / 50f }).ToArray();
        var index = new FlatIndex(items, 2);
        var twoTower = new EmbeddingRetrieval(Side.User, _ => [1f, 1f], (q, k, filter) => index.Search(q, k, filter));
        return new CombinedRecommender([twoTower], new FormulaPredictor((_, i) => i / 100f, knownItems), new FormulaPredictor((_, i) => i == 3 ? 0.9f : 0.1f, knownItems),
            bias: null, store, new CombinedOptions(lambda, QuotaPerSource: 10) { Alpha = LikeOnly, Beta = LikeOnly });
    }

    [Fact]
    public void Creator_side_matches_join_the_feed_with_their_boost()
    {
        var store = new InMemoryAvailabilityStore();
        store.OpenDay(0, 5, [7]);
        store.Reserve(0, item: 3, [7], 1);

        var feed = Build(store, lambda: 1.0).Feed(0, user: 7, k: 5);
        // Item 3: f = 0.03 + 1.0 × 0.9 = 0.93 beats the retrieved items 49, 48, ... (f ≤ 0.49).
        Assert.Equal(3, feed[0].Item);
        Assert.True(feed[0].FromCreatorSide);
        Assert.Equal("creator-side", feed[0].Source.ToString());
        Assert.Equal(0.93f, feed[0].Score, 5);
        Assert.Equal([49, 48, 47, 46], feed.Skip(1).Select(e => e.Item));

        var unboosted = Build(store, lambda: 0).Feed(0, user: 7, k: 5);
        Assert.DoesNotContain(3, unboosted.Select(e => e.Item));
    }

    [Fact]
    public void Matches_of_items_uploaded_after_the_recommenders_catalogue_wait_for_a_grown_one()
    {
        // The store is shared by every catalogue of a growing service: D_u can hold item 50 (just uploaded and
        // dispatched) while a feed is still served from the 50-item catalogue, whose models cannot score it.
        var store = new InMemoryAvailabilityStore();
        store.OpenDay(0, 5, [7]);
        store.Reserve(0, item: 3, [7], 1);
        store.Reserve(0, item: 50, [7], 1);

        var feed = Build(store, lambda: 1.0, knownItems: 50).Feed(0, user: 7, k: 5);
        Assert.Equal([3, 49, 48, 47, 46], feed.Select(e => e.Item));
        var grown = Build(store, lambda: 1.0, knownItems: 51).Feed(0, user: 7, k: 5);
        Assert.Contains(50, grown.Select(e => e.Item));
    }

    [Fact]
    public void The_item_filter_restricts_every_source()
    {
        var store = new InMemoryAvailabilityStore();
        store.OpenDay(0, 5, [7]);
        store.Reserve(0, item: 3, [7], 1);
        var arm = new IdFilter(50);
        foreach (var i in new[] { 10, 11, 12 }) arm.Set(i);
        var feed = Build(store, 1.0).Feed(0, 7, k: 10, itemFilter: arm);
        Assert.Equal([12, 11, 10], feed.Select(e => e.Item));
        Assert.Throws<ArgumentOutOfRangeException>(() => Build(store, 1.0).Feed(0, 7, k: 0));
    }

    [Fact]
    public void Feeds_of_many_users_are_each_users_feed_alone()
    {
        // A catalogue large enough for the quantised item search, whose batched search serves the many-user call.
        const int d = 64, itemCount = ItemVectors.QuantisedFrom + 500, userCount = 9;
        var items = ItemVectors.Build(SyntheticEmbeddings.Clustered(itemCount, d, seed: 5), d, new bool[itemCount]);
        var userRows = SyntheticEmbeddings.Clustered(userCount, d, seed: 6, clusters: 3, noise: 1.5);
        var twoTower = new EmbeddingRetrieval(Side.User, u => userRows.AsSpan(u * d, d).ToArray(), items.Search, items.SearchMany);
        var store = new InMemoryAvailabilityStore();
        store.OpenDay(0, 5, Enumerable.Range(0, userCount).ToList());
        store.Reserve(0, item: 3, [1, 4], 2);
        CombinedRecommender Recommender(int threads) => new([twoTower], new FormulaPredictor((u, i) => (i * 7 + u) % 101 / 100f),
            new FormulaPredictor((_, i) => i == 3 ? 0.9f : 0.1f), bias: null, store,
            new CombinedOptions(1.0, QuotaPerSource: 50) { Alpha = LikeOnly, Beta = LikeOnly, Threads = threads });
        var feed = Recommender(threads: 2);

        var users = Enumerable.Range(0, userCount).Reverse().ToArray();
        var lengths = users.Select(u => 5 + u).ToArray();
        var many = feed.Feeds(0, users, lengths);
        for (var p = 0; p < users.Length; p++)
            Assert.Equal(feed.Feed(0, users[p], lengths[p]), many[p]);
        Assert.Contains(many[Array.IndexOf(users, 4)], e => e.Item == 3 && e.FromCreatorSide);

        // On the caller's thread alone (one slice of users), the same feeds.
        var alone = Recommender(threads: 1).Feeds(0, users, lengths);
        for (var p = 0; p < users.Length; p++) Assert.Equal(many[p], alone[p]);
        Assert.Throws<ArgumentException>(() => Recommender(threads: 0));
    }
}
