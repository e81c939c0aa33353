using Twofold.Data;
using Twofold.Domain;
using Twofold.Graph;
using Twofold.Models;
using Twofold.Ranking;
using Twofold.Similarity;
using Twofold.Vectors;

namespace Twofold.Bench.Dispatch;

/// <summary>
/// A seeded stand-in for a model bundle trained on a large world, built in seconds instead of hours: the same types
/// and sizes the creator side reads (interaction graph, collaborative and content similarity lists, two-tower user and
/// item embeddings, the creator-side multi-task ranker with extra item features, θ_u), filled with synthetic values.
/// </summary>
/// <remarks>
/// What is not real: nothing was trained. The ranker's weights are its initialisation, the embeddings come from
/// <see cref="SyntheticEmbeddings"/>, and the similarity lists link users (items) of the same taste cluster with
/// decreasing scores. The cost of a dispatch depends on the sizes (candidates per source, history lengths,
/// embedding width, network shape), not on the values, so it is what a trained bundle of these sizes would cost;
/// which users win does not mean anything.
/// </remarks>
public sealed class DispatchWorld : IDisposable
{
    public const int Clusters = 256;
    public const int SimilarityTopK = 20;

    private DispatchWorld(int users, int items, int dimension, InteractionGraph graph, NeighborLists userSimilarity, NeighborLists itemSimilarity,
        float[] userEmbeddings, float[] itemEmbeddings, FeedbackModel ranker, UserBias bias)
    {
        Users = users;
        Items = items;
        Dimension = dimension;
        Graph = graph;
        UserSimilarity = userSimilarity;
        ItemSimilarity = itemSimilarity;
        UserEmbeddings = userEmbeddings;
        ItemEmbeddings = itemEmbeddings;
        Ranker = ranker;
        Bias = bias;
    }

    public int Users { get; }
    public int Items { get; }
    public int Dimension { get; }
    public InteractionGraph Graph { get; }
    public NeighborLists UserSimilarity { get; }

    /// <summary>Item similarity; serves as both content and collaborative S^I.</summary>
    public NeighborLists ItemSimilarity { get; }

    public float[] UserEmbeddings { get; }
    public float[] ItemEmbeddings { get; }

    /// <summary>The creator-side ranker (MMoE defaults, sample augmentation and extra item features).</summary>
    public FeedbackModel Ranker { get; }

    public UserBias Bias { get; }

    /// <param name="meanHistory">Mean number of items in a user's history (H^U).</param>
    public static DispatchWorld Generate(int users, int items, int dimension, int meanHistory, int seed, Action<string> progress)
    {
        var random = new Random(seed);
        int ClusterOf(int node) => node % Clusters;

        progress("interactions");
        // Each user engages with items of its own taste cluster, popular ones (low rank in the cluster) far more often.
        var itemsPerCluster = items / Clusters;
        var batch = new InteractionBatch([], users * meanHistory);
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks / TimeSpan.TicksPerMillisecond;
        for (var u = 0; u < users; u++)
        {
            var count = 1 + (int)(-Math.Log(1 - random.NextDouble()) * (meanHistory - 1));
            for (var k = 0; k < count; k++)
            {
                var rank = (int)(itemsPerCluster * Math.Pow(random.NextDouble(), 2));
                var item = rank * Clusters + ClusterOf(u);
                if (item >= items) item = random.Next(items);
                var feedback = random.NextDouble() < 0.15 ? Feedback.Like | Feedback.EffectiveView : Feedback.EffectiveView;
                batch.Add(new Interaction(new UserId(u), new ItemId(item), start + random.NextInt64(30L * 86_400_000), 20_000, 15_000, feedback));
            }
        }
        progress("graph");
        var graph = InteractionGraph.Empty(users, items, GraphOptions.Default).Append(batch, users, items);
        progress("user bias");
        var bias = UserBias.FromBatches([batch], users);

        progress("similarity lists");
        var userSimilarity = SameClusterNeighbours(users, random);
        var itemSimilarity = SameClusterNeighbours(items, random);

        progress("embeddings");
        var (userEmbeddings, itemEmbeddings) = Embeddings(users, items, dimension, seed);

        progress("ranker");
        var options = new FeedbackModelOptions { SampleAugmentation = true, ExtraFeatures = true };
        const int genres = 20;
        var creators = Math.Max(1, items / 4);
        var recentOffsets = new int[items + 1];
        var recentUsers = new List<int>(items * options.RecentUsers);
        for (var i = 0; i < items; i++)
        {
            foreach (var v in graph.ItemToUsers.Neighbors(i)[..Math.Min(options.RecentUsers, graph.ItemToUsers.Degree(i))]) recentUsers.Add(v);
            recentOffsets[i + 1] = recentUsers.Count;
        }
        var similar = new float[items * ItemFeatureTable.SimilarStatistics];
        for (var k = 0; k < similar.Length; k++) similar[k] = (float)(random.NextDouble() - 0.5);
        var table = new ItemFeatureTable(
            Enumerable.Range(0, genres).Select(g => $"g{g}").ToArray(),
            Enumerable.Range(0, items).Select(_ => random.Next(creators)).ToArray(),
            Enumerable.Range(0, items).Select(_ => random.Next(genres)).ToArray(),
            Enumerable.Range(0, items).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(),
            Enumerable.Range(0, items).Select(i => graph.ItemToUsers.Degree(i)).ToArray(),
            similar, recentOffsets, [.. recentUsers], Enumerable.Range(0, items).Select(i => graph.ItemToUsers.Degree(i)).ToArray());
        var config = FeedbackModel.NetworkConfig(options, users, items, creators, genres);
        var ranker = new FeedbackModel(options, users, creators, table, new MultiTaskNetwork(config, options.Seed));
        return new DispatchWorld(users, items, dimension, graph, userSimilarity, itemSimilarity, userEmbeddings, itemEmbeddings, ranker, bias);
    }

    public void Dispose() => Ranker.Dispose();

    /// <summary>The world's two-tower embeddings alone (users, items), as <see cref="Generate"/> makes them for the same arguments.</summary>
    public static (float[] Users, float[] Items) Embeddings(int users, int items, int dimension, int seed) =>
        (SyntheticEmbeddings.Clustered(users, dimension, seed + 1, clusters: Clusters), SyntheticEmbeddings.Clustered(items, dimension, seed + 2, clusters: Clusters));

    /// <summary>For each node, <see cref="SimilarityTopK"/> other nodes of its cluster with scores falling from 0.9.</summary>
    private static NeighborLists SameClusterNeighbours(int nodes, Random random)
    {
        var perCluster = (nodes + Clusters - 1) / Clusters;
        var perNode = new (int[], float[])[nodes];
        for (var n = 0; n < nodes; n++)
        {
            var neighbours = new int[SimilarityTopK];
            var scores = new float[SimilarityTopK];
            for (var k = 0; k < SimilarityTopK; k++)
            {
                int other;
                do other = random.Next(perCluster) * Clusters + n % Clusters;
                while (other >= nodes || other == n);
                neighbours[k] = other;
                scores[k] = 0.9f - 0.8f * k / SimilarityTopK;
            }
            perNode[n] = (neighbours, scores);
        }
        return NeighborLists.FromPerNode(perNode);
    }
}
