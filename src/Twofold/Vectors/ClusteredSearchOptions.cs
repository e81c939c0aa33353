namespace Twofold.Vectors;

/// <summary>
/// When and how a changing subset of vectors is searched through k-means clusters (<see cref="ClusteredVectorSet"/>)
/// instead of by the exact scan (<see cref="CompactVectorSet"/>). docs/ann.md has the recall behind the defaults.
/// </summary>
public sealed record ClusteredSearchOptions
{
    /// <summary>Populations (ids with vectors) below this are scanned exactly; the exact scan is also the reference.</summary>
    public int From { get; init; } = 200_000;

    /// <summary>Number of clusters; 0 takes <see cref="VectorClusters.DefaultCount"/> (about √n).</summary>
    public int Clusters { get; init; }

    /// <summary>Clusters scanned per query.</summary>
    public int Probes { get; init; } = 64;

    /// <summary>Seed of the k-means sample and initial centroids.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Lloyd iterations on the sample.</summary>
    public int Iterations { get; init; } = 10;

    /// <summary>Never clustered: every search is the exact scan.</summary>
    public static ClusteredSearchOptions Never { get; } = new() { From = int.MaxValue };

    public bool Applies(int population) => population >= From;

    public void Validate()
    {
        if (From < 1) throw new ArgumentException($"ClusteredSearchOptions.From must be at least 1, not {From}.");
        if (Clusters < 0) throw new ArgumentException($"ClusteredSearchOptions.Clusters cannot be negative ({Clusters}); 0 chooses about √n.");
        if (Probes < 1) throw new ArgumentException($"ClusteredSearchOptions.Probes must be at least 1, not {Probes}.");
        if (Iterations < 0) throw new ArgumentException($"ClusteredSearchOptions.Iterations cannot be negative ({Iterations}).");
    }

    /// <summary>The clustered set for <paramref name="rows"/> (ids 0 … n−1), empty: trains the clusters.</summary>
    public ClusteredVectorSet Build(ReadOnlySpan<float> rows, int dimension, float[]? quantisationScales)
    {
        Validate();
        int count = Validation.CheckMatrix(rows, dimension, nameof(rows));
        var clusters = VectorClusters.Train(rows, dimension, Clusters > 0 ? Clusters : VectorClusters.DefaultCount(count), Seed, Iterations);
        return new ClusteredVectorSet(clusters, Probes, quantisationScales);
    }
}
