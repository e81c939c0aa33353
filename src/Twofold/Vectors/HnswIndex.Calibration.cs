namespace Twofold.Vectors;

public sealed unsafe partial class HnswIndex
{
    private GraphCalibration? _calibration;

    /// <summary>The graph's measured recall (from <see cref="Build"/> or the last <see cref="Calibrate"/>), or null if never measured.</summary>
    public GraphCalibration? Calibration => Volatile.Read(ref _calibration);

    /// <summary>
    /// Measures recall@<paramref name="k"/> of graph search (at <see cref="HnswOptions.EfSearch"/>) against the exact
    /// answer, using <paramref name="queries"/> live points drawn with <paramref name="seed"/> as queries, with no
    /// filter, with half the points admitted, and at <see cref="HnswOptions.ExactScanBelow"/>; keeps the result for
    /// <see cref="SearchStrategy.Auto"/>. <see cref="Build"/> calls it; call it again after many inserts or deletes.
    /// </summary>
    /// <remarks>k is capped at a quarter of the live points so that small indexes are not measured on their whole content.</remarks>
    public GraphCalibration Calibrate(int queries, int k = 200, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(queries);
        Validation.CheckK(k);
        _lock.EnterReadLock();
        try
        {
            if (Count == 0) throw new InvalidOperationException("Cannot calibrate an empty index.");
            int kEff = Math.Max(1, Math.Min(k, Count / 4));
            int ef = Math.Max(kEff, Options.EfSearch);
            var random = new Random(seed);
            var queryIds = new int[queries];
            for (int j = 0; j < queries; j++) queryIds[j] = RandomLiveId(random);
            var fractions = new[] { Options.ExactScanBelow, 0.5, 1.0 }
                .Where(f => f > 0 && f >= Options.ExactScanBelow).Distinct().Order().ToArray();
            var points = new List<(double, double)>();
            foreach (double fraction in fractions)
            {
                var filter = fraction < 1 ? RandomFilter(fraction, random) : null;
                double recall = 0;
                foreach (int id in queryIds)
                {
                    float* q = Vector(id);
                    var exact = ExactScan(q, kEff, filter);
                    if (exact.Length == 0) { recall += 1; continue; }
                    var truth = new HashSet<int>(exact.Select(n => n.Id));
                    recall += GraphSearch(q, kEff, filter, ef).Count(n => truth.Contains(n.Id)) / (double)exact.Length;
                }
                points.Add((fraction, recall / queries));
            }
            var calibration = new GraphCalibration(queries, kEff, ef, points);
            Volatile.Write(ref _calibration, calibration);
            return calibration;
        }
        finally { _lock.ExitReadLock(); }
    }

    private int RandomLiveId(Random random)
    {
        while (true)
        {
            int id = random.Next(_nodeCount);
            if (!IsDeletedUnchecked(id)) return id;
        }
    }

    private IdFilter RandomFilter(double fraction, Random random)
    {
        var filter = new IdFilter(_nodeCount);
        for (int i = 0; i < _nodeCount; i++) if (random.NextDouble() < fraction) filter.Set(i);
        return filter;
    }

    /// <summary>Whether the calibration (if any) says graph search keeps <see cref="HnswOptions.MinGraphRecall"/> at <paramref name="fraction"/> admitted.</summary>
    private bool GraphRecallSuffices(double fraction) =>
        Volatile.Read(ref _calibration) is not { } calibration || calibration.RecallAt(fraction) >= Options.MinGraphRecall;
}
