using Twofold.CreatorSide;
using Twofold.Domain;
using Twofold.Pipeline;
using Twofold.Retrieval;
using Twofold.Storage;
using Twofold.Tests.Support;
using Twofold.Vectors;
using Twofold.World;

namespace Twofold.Tests.Pipeline;

/// <summary>
/// An upload without a content embedding takes its creator's mean two-tower embedding (else its genre's), so such
/// uploads no longer all reach the users a zero vector reaches; an item with neither has no embedding and the
/// two-tower searches pass it by.
/// </summary>
public class ItemEmbeddingFallbackTests
{
    [Fact]
    public void Uploads_without_content_take_their_creators_mean_embedding_and_reach_users_of_their_own()
    {
        using var dir = new TempDirectory();
        var (dataset, bundle) = SmallBundle.Train(dir, new WorldConfig { Users = 400, Creators = 40, Days = 8, Seed = 5 }, rankerSamples: 5_000);
        using var disposeBundle = bundle;
        var catalogue = dataset.ReadItems().ToList();
        var tower = bundle.TwoTower;
        var d = tower.Dimension;
        var creators = catalogue.Take(tower.ItemCount).Select(i => i.Creator.Value).Distinct().Take(2).ToArray();
        Item Upload(int id, int creator) => new(new ItemId(id), $"up{id}", new CreatorId(creator), 0, 15_000, catalogue[0].Genre, []);
        var grown = catalogue.Append(Upload(catalogue.Count, creators[0])).Append(Upload(catalogue.Count + 1, creators[1])).ToList();

        using var store = new InMemoryAvailabilityStore();
        var dispatch = DispatchOptions.Version(5);
        var start = new DualRecPipeline(bundle, catalogue, store, dispatch, new CombinedOptions());
        start.CreatorSide!.OpenDay(30_000, Enumerable.Range(0, 400).ToArray());
        var served = new DualRecPipeline(bundle, grown, store, dispatch, new CombinedOptions(), grownFrom: start);
        using var scratch = new InMemoryAvailabilityStore();
        var afresh = new DualRecPipeline(bundle, grown, scratch, dispatch, new CombinedOptions());

        float[] Row(DualRecPipeline pipeline, int item) => pipeline.ItemEmbeddings.Span.Slice(item * d, d).ToArray();
        for (var k = 0; k < 2; k++)
        {
            var item = catalogue.Count + k;
            var own = Enumerable.Range(0, tower.ItemCount).Where(i => catalogue[i].Creator.Value == creators[k]).ToList();
            var mean = new float[d];
            foreach (var i in own)
                for (var c = 0; c < d; c++) mean[c] += tower.Embedding(Side.Item, i)[c] / own.Count;
            Assert.Equal(mean, Row(served, item), new ToleranceComparer(1e-5f));
            Assert.Equal(Row(afresh, item), Row(served, item));
        }

        // The two-tower users of each upload: its own, not those of a zero vector (which were every such upload's).
        var available = served.CreatorSide!.Available;
        List<int> UsersOf(Func<int, float[]?> embedding) =>
            [.. EmbeddingRetrieval.OverCompactedSet(Side.Item, embedding, available.Embeddings!).Retrieve(0, 50, available.Filter).Select(c => c.Id)];
        var zeroUsers = UsersOf(_ => new float[d]);
        var first = UsersOf(_ => Row(served, catalogue.Count));
        var second = UsersOf(_ => Row(served, catalogue.Count + 1));
        Assert.NotEqual(zeroUsers, first);
        Assert.NotEqual(zeroUsers, second);
        Assert.NotEqual(first, second);
        Assert.Contains(served.CreatorSide.Dispatch(30_000, catalogue.Count).Users, u => u.Source?.Kind == RetrievalKind.TwoTower);

        // A creator without trained items falls back to the genre's mean; neither known: no embedding.
        var fallback = ItemEmbeddingFallback.Build(tower, catalogue);
        var genre = catalogue[0].Genre;
        var ofGenre = Enumerable.Range(0, tower.ItemCount).Where(i => catalogue[i].Genre == genre).ToList();
        var genreMean = new float[d];
        foreach (var i in ofGenre)
            for (var c = 0; c < d; c++) genreMean[c] += tower.Embedding(Side.Item, i)[c] / ofGenre.Count;
        var row = new float[d];
        Assert.True(fallback.TryFill(Upload(0, 1_000_000), row));
        Assert.Equal(genreMean, row, new ToleranceComparer(1e-5f));
        Assert.False(fallback.TryFill(Upload(0, 1_000_000) with { Genre = "no such genre" }, row));
    }

    [Fact]
    public void Rows_without_an_embedding_are_passed_over_by_the_item_search()
    {
        // Four rows of dimension 2; row 1 is missing (a zero row that would otherwise beat the negative ones).
        float[] rows = [1, 0, 0, 0, -1, 0, -2, 0];
        var vectors = ItemVectors.Build(rows, 2, [false, true, false, false]);
        Assert.False(vectors.HasEmbedding(1));
        Assert.Equal([0, 2, 3], vectors.Search([1, 0], 3, null).Select(n => n.Id));
        Assert.Equal([0, 2], vectors.Search([1, 0], 2, null).Select(n => n.Id));

        // Grown: row 4 has no embedding, row 5 has one.
        var grown = vectors.Grow(6, (item, row) =>
        {
            if (item == 4) return false;
            row[0] = 0.5f;
            return true;
        });
        Assert.False(grown.HasEmbedding(4));
        Assert.True(grown.HasEmbedding(5));
        Assert.Equal([0, 5, 2], grown.Search([1, 0], 3, null).Select(n => n.Id));
        var filter = new IdFilter(6);
        foreach (var id in new[] { 1, 3, 4 }) filter.Set(id);
        Assert.Equal([3], grown.Search([1, 0], 3, filter).Select(n => n.Id));
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(float value) => 0;
    }
}
