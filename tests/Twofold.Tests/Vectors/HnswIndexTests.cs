using Twofold.Tests.Support;
using Twofold.Vectors;
using Xunit.Abstractions;
using static Twofold.Tests.Vectors.VectorTestSupport;

namespace Twofold.Tests.Vectors;

/// <summary>
/// Recall assertions use fixed seeds; the measured values (printed) sit well above the asserted bounds, so the
/// tests are deterministic and cannot flake.
/// </summary>
public class HnswIndexTests(ITestOutputHelper output)
{
    private const int N = 10000, D = 32, K = 200, Queries = 25;

    private static readonly Lazy<(float[] Rows, float[] Queries, HnswIndex Index)> Normalised = new(() => Make(true));
    private static readonly Lazy<(float[] Rows, float[] Queries, HnswIndex Index)> Unnormalised = new(() => Make(false));

    private static (float[], float[], HnswIndex) Make(bool normalised)
    {
        var rows = SyntheticEmbeddings.Clustered(N, D, seed: normalised ? 101 : 102, normalised: normalised);
        var queries = SyntheticEmbeddings.Clustered(Queries, D, seed: normalised ? 201 : 202, normalised: normalised);
        return (rows, queries, HnswIndex.Build(rows, D, new HnswOptions { Seed = 7 }));
    }

    private double MeanRecall(float[] rows, float[] queries, HnswIndex index, IdFilter? filter, SearchStrategy strategy = SearchStrategy.Auto, int? ef = null)
    {
        double sum = 0;
        for (int j = 0; j < Queries; j++)
        {
            var q = Row(queries, D, j);
            var result = index.Search(q, K, filter, strategy, ef);
            if (filter is not null) Assert.All(result, r => Assert.True(filter.Contains(r.Id)));
            sum += Recall(NaiveTopK(rows, D, q, K, filter is null ? null : filter.Contains), result);
        }
        return sum / Queries;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Recall_at_200_unfiltered_and_with_selective_filters(bool normalised)
    {
        var (rows, queries, index) = normalised ? Normalised.Value : Unnormalised.Value;
        double unfiltered = MeanRecall(rows, queries, index, null);
        output.WriteLine($"normalised={normalised} unfiltered recall {unfiltered:F4}");
        Assert.True(unfiltered >= 0.95, $"recall {unfiltered}");
        foreach (double fraction in new[] { 0.5, 0.1, 0.01 })
        {
            var filter = RandomFilter(N, fraction, seed: 300 + (int)(fraction * 100));
            double auto = MeanRecall(rows, queries, index, filter);
            double graph = MeanRecall(rows, queries, index, filter, SearchStrategy.Graph);
            output.WriteLine($"normalised={normalised} fraction {fraction}: auto ({index.ChooseStrategy(filter)}) {auto:F4}, graph only {graph:F4}");
            Assert.True(auto >= 0.95, $"recall {auto} at fraction {fraction}");
        }
    }

    [Fact]
    public void Inner_product_graph_with_kept_pruned_links_beats_the_transform_and_plain_pruning_on_unnormalised_data()
    {
        var (rows, queries, index) = Unnormalised.Value;
        var transformed = HnswIndex.Build(rows, D, new HnswOptions { Seed = 7, MipsTransform = true });
        var pruned = HnswIndex.Build(rows, D, new HnswOptions { Seed = 7, KeepPrunedConnections = false });
        double ours = MeanRecall(rows, queries, index, null, SearchStrategy.Graph, ef: 200);
        double viaTransform = MeanRecall(rows, queries, transformed, null, SearchStrategy.Graph, ef: 200);
        double viaPruned = MeanRecall(rows, queries, pruned, null, SearchStrategy.Graph, ef: 200);
        output.WriteLine($"ef=200 unnormalised: kept pruned links {ours:F4}, MIPS transform {viaTransform:F4}, pruned only {viaPruned:F4}");
        Assert.True(ours >= 0.95, $"recall {ours}");
        Assert.True(ours > viaTransform + 0.1 && ours > viaPruned, $"{ours} vs {viaTransform} and {viaPruned}");
    }
}
