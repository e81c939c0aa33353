namespace Twofold.Vectors;

/// <summary>How a filtered search is answered.</summary>
public enum SearchStrategy
{
    /// <summary>
    /// Graph search when the filter admits at least <see cref="HnswOptions.ExactScanBelow"/> of the points and the
    /// index's <see cref="GraphCalibration"/> (when it has one) shows at least <see cref="HnswOptions.MinGraphRecall"/>
    /// at that fraction; otherwise an exact scan of the admitted ids.
    /// </summary>
    Auto,

    /// <summary>Always walk the graph (admitted ids only enter the results).</summary>
    Graph,

    /// <summary>Always scan the admitted ids exactly.</summary>
    Exact,
}

/// <summary>How the graph decides which points are neighbours while it is built.</summary>
public enum LinkMetric
{
    /// <summary>Link by inner product (an ip-NSW graph); with kept pruned connections it keeps recall when norms vary.</summary>
    InnerProduct,

    /// <summary>Link by the angle between points (cosine), ignoring norms.</summary>
    Cosine,

    /// <summary>
    /// Link by L2 distance after the MIPS-to-cosine transform (Bachrach et al., 2014): append √(M² − ‖x‖²), M the
    /// largest norm, so every point has norm M; queries get 0, so their inner products are unchanged.
    /// </summary>
    MipsTransform,
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
    /// Lowest graph recall@k (as measured by the index's <see cref="GraphCalibration"/>) at which
    /// <see cref="SearchStrategy.Auto"/> still walks the graph; below it, searches scan exactly. 0 disables the check.
    /// </summary>
    public double MinGraphRecall { get; init; } = 0.95;

    /// <summary>
    /// Points sampled as queries when <see cref="HnswIndex.Build"/> calibrates the graph (0: do not calibrate, Auto
    /// then routes by the admitted fraction alone). About 0.01 s per query at N = 200,000.
    /// </summary>
    public int CalibrationQueries { get; init; } = 48;

    /// <summary>
    /// After the selection heuristic, fill a node's free link slots with the best pruned candidates (the paper's
    /// keepPrunedConnections). With norms that vary, an inner-product graph needs it to keep its recall; with
    /// (near-)constant norms it only costs time. Null (default) decides at <see cref="HnswIndex.Build"/>: on when the
    /// norms' coefficient of variation exceeds 0.05, and on for an index that starts empty.
    /// </summary>
    public bool? KeepPrunedConnections { get; init; }

    /// <summary>
    /// Layer-0 link slots given to the most similar points by direction (score / norm) rather than by inner product,
    /// so points of moderate norm keep in-links in an inner-product graph.
    /// </summary>
    public int CosineLinks { get; init; }

    /// <summary>
    /// The similarity that decides which points are linked while building (searches always rank by inner product).
    /// Default <see cref="LinkMetric.InnerProduct"/>; docs/ann.md compares the three on unnormalised data.
    /// </summary>
    public LinkMetric LinkMetric { get; init; } = LinkMetric.InnerProduct;

    internal void Validate()
    {
        if (M < 2 || M > 128) throw new ArgumentOutOfRangeException(nameof(M), M, "M must be in [2, 128].");
        if (EfConstruction < 1) throw new ArgumentOutOfRangeException(nameof(EfConstruction), EfConstruction, "EfConstruction must be positive.");
        if (EfSearch < 1) throw new ArgumentOutOfRangeException(nameof(EfSearch), EfSearch, "EfSearch must be positive.");
        if (CosineLinks < 0 || CosineLinks > M) throw new ArgumentOutOfRangeException(nameof(CosineLinks), CosineLinks, "CosineLinks must be in [0, M].");
        if (!Enum.IsDefined(LinkMetric)) throw new ArgumentOutOfRangeException(nameof(LinkMetric), LinkMetric, "Unknown link metric.");
        if (!(MinGraphRecall >= 0 && MinGraphRecall <= 1)) throw new ArgumentOutOfRangeException(nameof(MinGraphRecall), MinGraphRecall, "MinGraphRecall must be in [0, 1].");
        if (CalibrationQueries < 0) throw new ArgumentOutOfRangeException(nameof(CalibrationQueries), CalibrationQueries, "CalibrationQueries must not be negative.");
        if (!(ExactScanBelow >= 0 && ExactScanBelow <= 1)) throw new ArgumentOutOfRangeException(nameof(ExactScanBelow), ExactScanBelow, "ExactScanBelow must be in [0, 1].");
    }
}
