using Twofold.CreatorSide;
using Twofold.Data;
using Twofold.Domain;
using Twofold.Ranking;
using Twofold.Retrieval;
using Twofold.Storage;
using Twofold.Tests.Support;
using Twofold.Vectors;

namespace Twofold.Tests.CreatorSide;

/// <summary>A prediction model given by a formula, for tests about the pipeline around the model.</summary>
internal sealed class FormulaPredictor(Func<int, int, float> like, int knownItems = int.MaxValue) : IFeedbackPredictor
{
    public IReadOnlyList<FeedbackTask> Tasks { get; } = [FeedbackTask.Like];

    public int Items => knownItems;

    public float[] Predict(ReadOnlySpan<int> users, ReadOnlySpan<int> items)
    {
        var scores = new float[users.Length];
        for (var p = 0; p < scores.Length; p++)
        {
            // As a trained model does: ids beyond its items are refused.
            if (items[p] >= knownItems) throw new ArgumentException($"Expected ids in [0, {knownItems}), actual items[{p}] = {items[p]}.", nameof(items));
            scores[p] = like(users[p], items[p]);
        }
        return scores;
    }
}

/// <summary>A store that keeps the rules but answers each new reservation's users in reverse, breaking the contract's order.</summary>
internal sealed class ReversingStore(IAvailabilityStore inner) : IAvailabilityStore
{
    public void OpenDay(int day, int capacity, IReadOnlyCollection<int> activeUsers) => inner.OpenDay(day, capacity, activeUsers);

    public Reservation Reserve(int day, int item, IReadOnlyList<int> candidates, int limit)
    {
        var reservation = inner.Reserve(day, item, candidates, limit);
        return reservation with { Users = reservation.Users.Reverse().ToList() };
    }

    public IReadOnlyList<int> MatchedItems(int day, int user) => inner.MatchedItems(day, user);
    public IReadOnlyList<int> ReservedUsers(int day, int item) => inner.ReservedUsers(day, item);
    public bool IsAvailable(int day, int user) => inner.IsAvailable(day, user);
    public void Dispose() => inner.Dispose();
}

public class CreatorSideRecommenderTests
{
    private const int Users = 100;
    private static readonly ScoreWeights LikeOnly = new(new Dictionary<FeedbackTask, double> { [FeedbackTask.Like] = 1 });

    private static (CreatorSideRecommender Recommender, InMemoryAvailabilityStore Store) Build(DispatchOptions options, UserBias? bias = null, bool clustered = false)
    {
        // Users embed on a line: user u's vector is (1, u/100); items (1, 1) prefer high ids through two-tower,
        // while the model prefers low ids, so the ranking step visibly reorders what retrieval found.
        var embeddings = Enumerable.Range(0, Users).SelectMany(u => new[] { 1f, u / 100f }).ToArray();
        // Clustered: 4 clusters of the line, one probed; the search probes on while the probed clusters hold fewer than
        // the candidates it re-scores, so it finds what the exact scan finds here.
        var available = new AvailableUsers(Users, embeddings, 2,
            clustered ? new ClusteredSearchOptions { From = 1, Clusters = 4, Probes = 1 } : options.UserSearch);
        Assert.Equal(clustered, available.Embeddings is ClusteredVectorSet);
        var twoTower = EmbeddingRetrieval.OverCompactedSet(Side.Item, _ => [1f, 1f], available.Embeddings!);
        var store = new InMemoryAvailabilityStore();
        var recommender = new CreatorSideRecommender([twoTower], new FormulaPredictor((u, _) => 1f - u / 200f), bias, store, available,
            options with { Beta = LikeOnly });
        return (recommender, store);
    }

    [Fact]
    public void Each_reserved_user_keeps_its_own_score_and_source_and_a_store_out_of_candidate_order_is_reported()
    {
        var (recommender, _) = Build(new DispatchOptions { Limit = 10, Capacity = 2, QuotaPerSource = 30, UseUserBias = false });
        recommender.OpenDay(0, Enumerable.Range(0, Users).ToList());
        var dispatch = recommender.Dispatch(0, item: 1);
        // The formula model: g = 1 − u/200 for every user, whatever the item.
        Assert.All(dispatch.Users, u => Assert.Equal(1f - u.User / 200f, u.Score!.Value, 1e-6f));
        Assert.Equal(dispatch.Users.OrderByDescending(u => u.Score).Select(u => u.User), dispatch.Users.Select(u => u.User));

        var embeddings = Enumerable.Range(0, Users).SelectMany(u => new[] { 1f, u / 100f }).ToArray();
        var available = new AvailableUsers(Users, embeddings, 2, new DispatchOptions().UserSearch);
        var twoTower = EmbeddingRetrieval.OverCompactedSet(Side.Item, _ => [1f, 1f], available.Embeddings!);
        var reversing = new CreatorSideRecommender([twoTower], new FormulaPredictor((u, _) => 1f - u / 200f), null,
            new ReversingStore(new InMemoryAvailabilityStore()), available, new DispatchOptions { Limit = 10, Capacity = 2, QuotaPerSource = 30, UseUserBias = false, Beta = LikeOnly });
        reversing.OpenDay(0, Enumerable.Range(0, Users).ToList());
        var error = Assert.Throws<InvalidOperationException>(() => reversing.Dispatch(0, item: 1));
        Assert.Contains("out of the candidates' order", error.Message);
        Assert.Contains("item 1", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Items_go_to_the_best_ranked_available_users_and_full_users_leave_the_available_set(bool clustered)
    {
        var (recommender, store) = Build(new DispatchOptions { Limit = 10, Capacity = 2, QuotaPerSource = 30, UseUserBias = false }, clustered: clustered);
        var active = Enumerable.Range(0, Users).Where(u => u % 3 != 0).ToList();
        recommender.OpenDay(0, active);

        var first = recommender.Dispatch(0, item: 1);
        // Two-tower found the 30 highest available ids; the model ranks the lowest of those first.
        var retrieved = active.OrderByDescending(u => u).Take(30).ToList();
        Assert.Equal(retrieved.Order().Take(10), first.Users.Select(u => u.User));
        Assert.All(first.Users, u => Assert.Equal("two-tower-users", u.Source.ToString()));

        recommender.Dispatch(0, item: 2);
        Assert.All(first.Users, u => Assert.False(recommender.Available.Filter.Contains(u.User)));
        Assert.All(first.Users, u => Assert.False(recommender.Available.Embeddings!.Contains(u.User)));
        var third = recommender.Dispatch(0, item: 3);
        Assert.Empty(third.Users.Select(u => u.User).Intersect(first.Users.Select(u => u.User)));
        Assert.All(third.Users, u => Assert.Contains(u.User, active));

        var again = recommender.Dispatch(0, item: 1);
        Assert.True(again.AlreadyDispatched);
        Assert.Equal(first.Users.Select(u => u.User), again.Users.Select(u => u.User));
        for (var u = 0; u < Users; u++) Assert.True(store.MatchedItems(0, u).Count <= 2);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_batch_of_items_is_dispatched_within_the_cap_and_a_repeated_item_gets_its_first_users(bool clustered)
    {
        var (recommender, store) = Build(new DispatchOptions { Limit = 10, Capacity = 2, QuotaPerSource = 40, UseUserBias = false }, clustered: clustered);
        var active = Enumerable.Range(0, Users).Where(u => u % 3 != 0).ToList();
        recommender.OpenDay(0, active);

        var batch = recommender.DispatchMany(0, [1, 2, 3, 1]);
        Assert.Equal([1, 2, 3, 1], batch.Select(d => d.Item));
        Assert.All(batch.Take(3), d => Assert.Equal(10, d.Users.Count));
        Assert.All(batch.Take(3), d => Assert.False(d.AlreadyDispatched));
        Assert.True(batch[3].AlreadyDispatched);
        Assert.Equal(batch[0].Users.Select(u => u.User), batch[3].Users.Select(u => u.User));
        // The first item is ranked exactly as a single dispatch ranks it: the lowest of the 40 highest available ids.
        Assert.Equal(active.OrderByDescending(u => u).Take(40).Order().Take(10), batch[0].Users.Select(u => u.User));
        for (var u = 0; u < Users; u++)
        {
            Assert.True(store.MatchedItems(0, u).Count <= 2);
            Assert.Equal(store.IsAvailable(0, u), recommender.Available.Filter.Contains(u));
        }
        Assert.Equal(batch[1].Users.Select(u => u.User), store.ReservedUsers(0, 2));
    }

    [Fact]
    public void The_user_bias_favours_users_whose_interactions_are_rare()
    {
        using var dir = new TempDirectory();
        using (var writer = EventLogWriter.Open(dir.Path))
        {
            // Users 50..99 like everything they see; users 0..49 never do.
            for (var u = 0; u < Users; u++)
                for (var i = 0; i < 20; i++)
                    writer.Append(new Interaction(new UserId(u), new ItemId(i), i, 0, 0, u >= 50 ? Feedback.Like : Feedback.None));
            writer.Complete();
        }
        var bias = UserBias.FromLog(EventLog.Open(dir.Path), Users, smoothing: 5);
        var options = new DispatchOptions { Limit = 10, Capacity = 5, QuotaPerSource = 100 };
        var (withBias, _) = Build(options, bias);
        var (without, _) = Build(options with { UseUserBias = false });
        withBias.OpenDay(0, Enumerable.Range(0, Users).ToList());
        without.OpenDay(0, Enumerable.Range(0, Users).ToList());
        Assert.All(without.Dispatch(0, 1).Users, u => Assert.True(u.User < 10));
        // Same predictions, but θ_u is far higher for users 50..99: users 0..49 now come first.
        Assert.All(withBias.Dispatch(0, 1).Users, u => Assert.True(u.User < 50));
    }

    [Fact]
    public void Versions_are_presets_of_one_pipeline_and_bad_settings_are_refused()
    {
        Assert.False(DispatchOptions.Version(1).UseI2I2U);
        Assert.True(DispatchOptions.Version(3).UseI2I2U);
        Assert.False(DispatchOptions.Version(3).UseI2U2U);
        Assert.True(DispatchOptions.Version(5).UseUserBias);
        Assert.Throws<ArgumentOutOfRangeException>(() => DispatchOptions.Version(6));
        Assert.Throws<ArgumentException>(() => Build(new DispatchOptions { Limit = 0 }));
        Assert.Throws<ArgumentException>(() => Build(new DispatchOptions { UseUserBias = true }));
    }
}
