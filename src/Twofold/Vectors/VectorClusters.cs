using TorchSharp;
using Twofold.Models;
using static TorchSharp.torch;

namespace Twofold.Vectors;

/// <summary>
/// k-means clusters of a fixed set of vectors (Lloyd's algorithm on a seeded sample, then every vector assigned to
/// its nearest centroid): the coarse partition of a <see cref="ClusteredVectorSet"/>. Trained once per set of vectors
/// (a bundle's user embeddings), not per day.
/// </summary>
/// <remarks>
/// The assignment step is a matrix product (rows × centroids, then an argmax of x·c − ‖c‖²/2, which is the nearest
/// centroid in Euclidean distance): 64 GFLOP for the final assignment at a million users and a thousand clusters.
/// libtorch's GEMM (MKL) blocks it in registers and caches, reusing each loaded row for many centroids; a loop of
/// System.Numerics.Tensors dot products would reload both vectors for every pair. The centroid update (sums per
/// cluster) is one pass in plain C#.
/// Deterministic for a seed: the sample, the initial centroids and the re-seeding of empty clusters come from one
/// seeded generator, and the products are the same for the same inputs and thread count.
/// </remarks>
public sealed class VectorClusters
{
    /// <summary>Rows scored against the centroids per product: bounds the score block at 16,384 × clusters floats.</summary>
    private const int Chunk = 16_384;

    private VectorClusters(int dimension, float[] centroids, int[] assignment)
    {
        Dimension = dimension;
        Centroids = centroids;
        Assignment = assignment;
        Count = centroids.Length / dimension;
    }

    public int Dimension { get; }

    /// <summary>Number of clusters.</summary>
    public int Count { get; }

    /// <summary>Row-major centroids (clusters × dimension).</summary>
    public float[] Centroids { get; }

    /// <summary>The cluster of each vector the clusters were trained for.</summary>
    public int[] Assignment { get; }

    // ‖c‖²/2 per centroid for Nearest, computed on its first call (a benign race: every thread computes the same values).
    private float[]? _halfNorms;

    /// <summary>
    /// The cluster of a vector the clusters were not trained on: its nearest centroid in Euclidean distance (the
    /// largest x·c − ‖c‖²/2, as the training's assignment), the lowest index on a tie.
    /// </summary>
    public int Nearest(ReadOnlySpan<float> vector)
    {
        Validation.CheckVector(vector, Dimension, nameof(vector));
        var halfNorms = _halfNorms ??= [.. Enumerable.Range(0, Count).Select(c => 0.5f * VectorKernels.Dot(Centroid(c), Centroid(c)))];
        int best = 0;
        float bestScore = float.NegativeInfinity;
        for (int c = 0; c < Count; c++)
        {
            float score = VectorKernels.Dot(vector, Centroid(c)) - halfNorms[c];
            if (score > bestScore) (best, bestScore) = (c, score);
        }
        return best;
    }

    private ReadOnlySpan<float> Centroid(int cluster) => Centroids.AsSpan(cluster * Dimension, Dimension);

    /// <summary>A sensible number of clusters for <paramref name="vectors"/> vectors: about √n (1,000 at a million), at least 1.</summary>
    public static int DefaultCount(int vectors) => Math.Max(1, (int)Math.Round(Math.Sqrt(vectors)));

    /// <summary>
    /// Clusters the row-major <paramref name="rows"/>: <paramref name="iterations"/> Lloyd steps on a sample of
    /// <paramref name="samplePerCluster"/> rows per cluster (all rows when fewer), then every row assigned.
    /// </summary>
    public static VectorClusters Train(ReadOnlySpan<float> rows, int dimension, int clusters, int seed, int iterations = 10, int samplePerCluster = 64)
    {
        int count = Validation.CheckMatrix(rows, dimension, nameof(rows));
        ArgumentOutOfRangeException.ThrowIfLessThan(clusters, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        ArgumentOutOfRangeException.ThrowIfLessThan(samplePerCluster, 1);
        if (count == 0) throw new ArgumentException("There are no vectors to cluster.", nameof(rows));
        clusters = Math.Min(clusters, count);
        TorchRuntime.EnsureLoaded();
        var random = new Random(seed);

        // The sample: a seeded partial shuffle of the row numbers.
        int sampleSize = (int)Math.Min(count, (long)clusters * samplePerCluster);
        var order = Enumerable.Range(0, count).ToArray();
        for (int i = 0; i < sampleSize; i++)
        {
            int j = random.Next(i, count);
            (order[i], order[j]) = (order[j], order[i]);
        }
        var sample = new float[(long)sampleSize * dimension];
        for (int i = 0; i < sampleSize; i++) rows.Slice(order[i] * dimension, dimension).CopyTo(sample.AsSpan(i * dimension, dimension));

        // Initial centroids: the first `clusters` sampled rows (distinct rows, in seeded random order).
        var centroids = sample.AsSpan(0, clusters * dimension).ToArray();
        var sampleAssignment = new int[sampleSize];
        for (int iteration = 0; iteration < iterations; iteration++)
        {
            Assign(sample, dimension, centroids, sampleAssignment);
            Update(sample, dimension, sampleAssignment, centroids, random);
        }
        var assignment = new int[count];
        Assign(rows, dimension, centroids, assignment);
        return new VectorClusters(dimension, centroids, assignment);
    }

    /// <summary>Nearest centroid (Euclidean) of every row, in chunks of <see cref="Chunk"/> rows.</summary>
    private static void Assign(ReadOnlySpan<float> rows, int dimension, float[] centroids, int[] assignment)
    {
        int clusters = centroids.Length / dimension;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var c = tensor(centroids, [clusters, dimension]);
        // Halved by a tensor, not a scalar argument: no temporary Scalar (see docs/torch.md), as the service may build
        // these while other threads predict.
        var halfNorms = c.square().sum(1).mul_(tensor(0.5f));
        var ct = c.t().contiguous();
        int count = rows.Length / dimension;
        for (int start = 0; start < count; start += Chunk)
        {
            int n = Math.Min(Chunk, count - start);
            using var inner = NewDisposeScope();
            var x = tensor(rows.Slice(start * dimension, n * dimension).ToArray(), [n, dimension]);
            var best = mm(x, ct).sub_(halfNorms).argmax(1);
            var ids = best.data<long>();
            for (int i = 0; i < n; i++) assignment[start + i] = (int)ids[i];
        }
    }

    /// <summary>Each centroid to the mean of its rows; an empty cluster takes a random row instead.</summary>
    private static void Update(float[] rows, int dimension, int[] assignment, float[] centroids, Random random)
    {
        int clusters = centroids.Length / dimension;
        var sums = new double[centroids.Length];
        var sizes = new int[clusters];
        for (int i = 0; i < assignment.Length; i++)
        {
            int c = assignment[i];
            sizes[c]++;
            for (int t = 0; t < dimension; t++) sums[c * dimension + t] += rows[i * dimension + t];
        }
        for (int c = 0; c < clusters; c++)
        {
            if (sizes[c] == 0)
            {
                rows.AsSpan(random.Next(assignment.Length) * dimension, dimension).CopyTo(centroids.AsSpan(c * dimension, dimension));
                continue;
            }
            for (int t = 0; t < dimension; t++) centroids[c * dimension + t] = (float)(sums[c * dimension + t] / sizes[c]);
        }
    }
}
