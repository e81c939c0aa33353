namespace Twofold.Vectors;

/// <summary>
/// Recall@<see cref="K"/> of graph search measured on an index's own points against the exact answer, at a few
/// admitted fractions. <see cref="SearchStrategy.Auto"/> reads it so that a graph which cannot deliver the recall
/// the caller asked for (<see cref="HnswOptions.MinGraphRecall"/>) is never used silently: on such data every
/// search becomes an exact scan.
/// </summary>
/// <remarks>
/// Why measure instead of predicting: graph recall for inner product depends on how widely the norms vary and how
/// the data clusters (0.92 at ef 400 on log-normal norms against 0.9997 on the unit sphere, same points otherwise;
/// bench/README.md, section Vectors), and no cheap statistic of the data predicted it well enough to route on.
/// </remarks>
/// <param name="Queries">Number of sampled points used as queries.</param>
/// <param name="K">Result size the recall is measured at.</param>
/// <param name="Ef">Candidate-list breadth the graph searches used.</param>
/// <param name="Points">Ascending admitted fractions with the recall measured at each (random filters, seeded).</param>
public sealed record GraphCalibration(int Queries, int K, int Ef, IReadOnlyList<(double Fraction, double Recall)> Points)
{
    /// <summary>
    /// The recall to expect at <paramref name="fraction"/> admitted: the one measured at the largest calibrated
    /// fraction not above it (recall falls as the filter gets more selective, so this errs on the safe side), or at
    /// the smallest one when the fraction is below all of them.
    /// </summary>
    public double RecallAt(double fraction)
    {
        double recall = Points[0].Recall;
        foreach (var (f, r) in Points)
            if (f <= fraction) recall = r;
        return recall;
    }
}
