namespace Twofold.Similarity;

/// <summary>Which collaborative similarity to compute.</summary>
public enum CollaborativeMeasure
{
    /// <summary>Cosine of the nodes' history sets, each shared context weighted down by its activity.</summary>
    Cosine,
    /// <summary>Swing (Yang et al., 2020): co-occurring pairs of contexts count less the more they overlap elsewhere.</summary>
    Swing,
}

/// <summary>Settings of <see cref="CollaborativeSimilarity"/>.</summary>
/// <param name="TopK">Neighbours kept per node.</param>
/// <param name="MaxContextsPerNode">Histories longer than this are cut to their most recent part (bounds the cost of hubs).</param>
/// <param name="MaxNodesPerContext">Contexts (e.g. users, for item similarity) with longer histories are cut likewise.</param>
/// <param name="PopularityExponent">
/// Cosine normalisation |A|^(1−p)·|B|^p: 0.5 is plain cosine; larger values push popular neighbours down.
/// </param>
/// <param name="SwingAlpha">Swing's smoothing constant α in 1/(α + |overlap|).</param>
public sealed record CollaborativeOptions(
    CollaborativeMeasure Measure = CollaborativeMeasure.Cosine,
    int TopK = 50,
    int MaxContextsPerNode = 200,
    int MaxNodesPerContext = 200,
    double PopularityExponent = 0.5,
    double SwingAlpha = 1.0)
{
    public void Validate()
    {
        if (TopK < 1) throw new ArgumentException($"CollaborativeOptions.TopK must be at least 1, not {TopK}.");
        if (MaxContextsPerNode < 1 || MaxNodesPerContext < 1) throw new ArgumentException("CollaborativeOptions history caps must be at least 1.");
        if (PopularityExponent is < 0 or > 1) throw new ArgumentException($"CollaborativeOptions.PopularityExponent must lie in [0, 1], not {PopularityExponent}.");
        if (SwingAlpha <= 0) throw new ArgumentException($"CollaborativeOptions.SwingAlpha must be positive, not {SwingAlpha}.");
    }
}
