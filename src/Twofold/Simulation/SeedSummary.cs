using MathNet.Numerics.Distributions;

namespace Twofold.Simulation;

/// <summary>
/// A treatment arm's change against the control across repeated seeds: the relative change of each seed's run, their
/// mean and the 95% Student-t interval of the mean (mean ± t₀.₉₇₅,ₙ₋₁ · sd/√n). Each seed is a new world, a new arm
/// assignment and new platform training, so this interval covers what the bootstrap over one run's users and creators
/// cannot: the variation between worlds and assignments.
/// </summary>
public sealed record SeedComparison(string Metric, string Control, string Treatment, IReadOnlyList<double> Changes, double Mean, double Lower, double Upper)
{
    public bool Significant => Lower > 0 || Upper < 0;
}

/// <summary>The runs of one configuration under several seeds, and every comparison across them.</summary>
public sealed record SeedSummary(IReadOnlyList<long> Seeds, IReadOnlyList<SeedComparison> AcrossSeeds, IReadOnlyList<SimulationSummary> Runs)
{
    public static SeedSummary From(IReadOnlyList<long> seeds, IReadOnlyList<SimulationSummary> runs, double confidence = 0.95)
    {
        if (runs.Count < 2 || seeds.Count != runs.Count) throw new ArgumentException("Intervals across seeds need at least two runs, one per seed.");
        var comparisons = new List<SeedComparison>();
        var count = runs[0].Comparisons.Count;
        if (runs.Any(r => r.Comparisons.Count != count)) throw new ArgumentException("Every seed's run must make the same comparisons.");
        var t = StudentT.InvCDF(0, 1, runs.Count - 1, 1 - (1 - confidence) / 2);
        for (var k = 0; k < count; k++)
        {
            var first = runs[0].Comparisons[k];
            var names = runs.Select(r => r.Comparisons[k].Metric).Distinct().ToList();
            // ExpoReach thresholds are scaled to each run's DAU, so E can differ by a unit or two between seeds.
            var metric = names.Count == 1 ? first.Metric : $"{first.Metric} (E by seed: {string.Join(", ", runs.Select(r => r.Comparisons[k].Metric.Split(' ')[0]))})";
            var changes = runs.Select(r => r.Comparisons[k].Difference.RelativeChange).ToList();
            var finite = changes.Where(double.IsFinite).ToList();
            if (finite.Count < 2)
            {
                comparisons.Add(new SeedComparison(metric, first.Control, first.Treatment, changes, double.NaN, double.NaN, double.NaN));
                continue;
            }
            var mean = finite.Average();
            var sd = Math.Sqrt(finite.Sum(c => (c - mean) * (c - mean)) / (finite.Count - 1));
            var half = (finite.Count == runs.Count ? t : StudentT.InvCDF(0, 1, finite.Count - 1, 1 - (1 - confidence) / 2)) * sd / Math.Sqrt(finite.Count);
            comparisons.Add(new SeedComparison(metric, first.Control, first.Treatment, changes, mean, mean - half, mean + half));
        }
        return new SeedSummary(seeds, comparisons, runs);
    }
}
