using Twofold.CreatorSide;
using Twofold.Data;
using Twofold.Domain;
using Twofold.Models;
using Twofold.Pipeline;
using Twofold.Ranking;
using Twofold.Storage;
using Twofold.Tests.Support;
using Twofold.Vectors;
using Twofold.World;

namespace Twofold.Tests.Pipeline;

/// <summary>
/// The user-side two-tower retrieval over a large catalogue walks the bundle's HNSW item graph for the model's items
/// and scans exactly only the items added since; the graph is saved with the bundle and checked against the model when
/// loaded.
/// </summary>
public class ItemGraphTests
{
    [Fact]
    public void The_graph_answers_for_the_models_items_and_an_exact_index_for_the_items_added_since()
    {
        const int d = 32, trained = 6_000, added = 300;
        var all = SyntheticEmbeddings.Clustered(trained + added, d, seed: 3);
        var graph = HnswIndex.Build(all.AsSpan(0, trained * d), d);
        Assert.Equal(SearchStrategy.Graph, graph.ChooseStrategy(null)); // the fast path is what is tested

        var vectors = ItemVectors.Build(all[..(trained * d)], d, new bool[trained], graph)
            .Grow(trained + added, (item, row) =>
            {
                all.AsSpan(item * d, d).CopyTo(row);
                return true;
            });
        var exact = new FlatIndex(all, d);
        var filter = new IdFilter(trained + added);
        for (var i = 0; i < trained + added; i += 2) filter.Set(i);

        double hits = 0, total = 0;
        var sawAdded = false;
        for (var q = 0; q < 40; q++)
        {
            var query = all.AsSpan((q * 157 % (trained + added)) * d, d).ToArray();
            foreach (var f in new[] { null, filter })
            {
                var found = vectors.Search(query, 50, f);
                var truth = exact.Search(query, 50, f).Select(n => n.Id).ToHashSet();
                Assert.Equal(50, found.Length);
                Assert.Equal(found.Length, found.Select(n => n.Id).Distinct().Count());
                Assert.All(found, n => Assert.True(f is null || f.Contains(n.Id)));
                Assert.True(found.Zip(found.Skip(1)).All(p => p.First.Score >= p.Second.Score));
                hits += found.Count(n => truth.Contains(n.Id));
                total += truth.Count;
                sawAdded |= found.Any(n => n.Id >= trained);
            }
        }
        Assert.True(hits / total >= 0.95, $"recall@50 {hits / total:F3}");
        Assert.True(sawAdded, "the items added after the graph are searched too");
        Assert.Throws<ArgumentException>(() => ItemVectors.Build(all[..(trained * d)], d, [.. Enumerable.Range(0, trained).Select(i => i == 5)], graph));
    }

    [Fact]
    public void A_bundle_keeps_its_item_graph_when_asked_for_one_and_refuses_one_that_does_not_fit_its_model()
    {
        using var dir = new TempDirectory();
        WorldGenerator.Generate(new WorldConfig { Users = 300, Creators = 30, Days = 6, Seed = 4 }, dir.Combine("w"));
        var dataset = Dataset.Open(dir.Combine("w"));
        var options = new BundleOptions
        {
            TwoTower = new TwoTowerOptions { Epochs = 1, EmbeddingDim = 8, HiddenDim = 16, OutputDim = 8 },
            Ranker = new FeedbackModelOptions { Epochs = 1, MaxSamples = 3_000, EmbeddingDim = 8 },
            TrainActivity = false,
            CreatorSideRanker = false,
        };
        using (var without = ModelBundle.Train(dataset, options)) Assert.Null(without.ItemGraph); // far fewer items than the default threshold
        using (var with = ModelBundle.Train(dataset, options with { ItemGraphFrom = 1 }))
        {
            Assert.NotNull(with.ItemGraph);
            Assert.Equal(with.TwoTower.ItemCount, with.ItemGraph.NodeCount);
            with.Save(dir.Combine("b"));
        }

        using (var loaded = ModelBundle.Load(dir.Combine("b")))
        {
            Assert.NotNull(loaded.ItemGraph);
            Assert.Equal(loaded.TwoTower.ItemCount, loaded.ItemGraph.NodeCount);
            using var store = new InMemoryAvailabilityStore();
            var pipeline = new DualRecPipeline(loaded, dataset.ReadItems().ToList(), store, null, new CombinedOptions());
            var user = Enumerable.Range(0, 300).First(u => pipeline.UserSideTwoTower.Retrieve(u, 20, null).Count > 0);
            var viaPipeline = pipeline.UserSideTwoTower.Retrieve(user, 20, null).Select(c => c.Id).ToList();
            var viaGraph = loaded.ItemGraph.Search(loaded.TwoTower.Embedding(Side.User, user), 20).Select(n => n.Id).ToList();
            Assert.Equal(viaGraph, viaPipeline);
        }

        // A graph of another model's items is refused, naming the file.
        HnswIndex.Build(new float[7 * 8], 8, new HnswOptions { CalibrationQueries = 0 }).Save(dir.Combine("b", "item-graph.hnsw"));
        var error = Assert.Throws<DataFormatException>(() => ModelBundle.Load(dir.Combine("b")));
        Assert.Contains("item-graph.hnsw", error.Message);
    }
}
