namespace Twofold.Vectors;

/// <summary>How a filtered search is answered.</summary>
public enum SearchStrategy
{
    /// <summary>Graph search when the filter admits at least <see cref="HnswOptions.ExactScanBelow"/> of the points, otherwise an exact scan of the admitted ids.</summary>
    Auto,

    /// <summary>Always walk the graph (admitted ids only enter the results).</summary>
    Graph,

    /// <summary>Always scan the admitted ids exactly.</summary>
    Exact,
}

/// <summary>Parameters of an <see cref="HnswIndex"/> (defaults measured in bench/README.md, section Vectors).</summary>
public sealed record HnswOptions
{
    /// <summary>Links per node on the upper layers; layer 0 keeps up to 2·M.</summary>
    public int M { get; init; } = 16;

    /// <summary>Breadth of the candidate list while inserting.</summary>
    public int EfConstruction { get; init; } = 100;

    /// <summary>Default breadth of the candidate list while searching (raised to k when k is larger).</summary>
    public int EfSearch { get; init; } = 400;

    /// <summary>Seed of the level generator: the same seed and insertion order give the same graph.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// Admitted fraction below which <see cref="SearchStrategy.Auto"/> scans the admitted ids exactly instead of walking
    /// the graph. The default is the switch point measured at N = 200,000, d = 64 (docs/ann.md).
    /// </summary>
    public double ExactScanBelow { get; init; } = 0.2;

    /// <summary>
    /// After the selection heuristic, fill a node's free link slots with the best pruned candidates (the paper's
    /// keepPrunedConnections). On by default: with it, an inner-product graph keeps its recall on unnormalised data.
    /// </summary>
    public bool KeepPrunedConnections { get; init; } = true;

    /// <summary>
    /// Build the graph in the MIPS-to-cosine transformed space (append √(M² − ‖x‖²), queries get 0). Off by default:
    /// measured on clustered data with log-normal norms, it loses recall against the inner-product graph with kept
    /// pruned connections (docs/ann.md has the numbers), because it squeezes most points into a narrow cap.
    /// </summary>
    public bool MipsTransform { get; init; }

    internal void Validate()
    {
        if (M < 2 || M > 128) throw new ArgumentOutOfRangeException(nameof(M), M, "M must be in [2, 128].");
        if (EfConstruction < 1) throw new ArgumentOutOfRangeException(nameof(EfConstruction), EfConstruction, "EfConstruction must be positive.");
        if (EfSearch < 1) throw new ArgumentOutOfRangeException(nameof(EfSearch), EfSearch, "EfSearch must be positive.");
        if (!(ExactScanBelow >= 0 && ExactScanBelow <= 1)) throw new ArgumentOutOfRangeException(nameof(ExactScanBelow), ExactScanBelow, "ExactScanBelow must be in [0, 1].");
    }
}
