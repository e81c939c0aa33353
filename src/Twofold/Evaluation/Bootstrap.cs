namespace Twofold.Evaluation;

/// <summary>A relative difference between two arms with its bootstrap confidence interval.</summary>
/// <param name="Control">The control arm's mean per unit.</param>
/// <param name="Treatment">The treatment arm's mean per unit.</param>
/// <param name="RelativeChange">Treatment / control − 1.</param>
public readonly record struct ArmDifference(double Control, double Treatment, double RelativeChange, double Lower, double Upper)
{
    /// <summary>True when the interval excludes 0.</summary>
    public bool Significant => Lower > 0 || Upper < 0;
}

/// <summary>
/// Percentile bootstrap over the units of each arm (creators for creator metrics, users for user metrics): each arm
/// is resampled with replacement on its own, the relative change of the means is recomputed, and the 2.5th and 97.5th
/// percentiles bound the 95% interval. Deterministic for a seed.
/// </summary>
public static class Bootstrap
{
    public static ArmDifference RelativeChange(IReadOnlyList<double> control, IReadOnlyList<double> treatment, int resamples = 1000, int seed = 1,
        double confidence = 0.95)
    {
        if (control.Count == 0 || treatment.Count == 0) throw new ArgumentException("Each arm needs at least one unit.");
        if (resamples < 100) throw new ArgumentOutOfRangeException(nameof(resamples), resamples, "Use at least 100 resamples.");
        var random = new Random(seed);
        var changes = new double[resamples];
        for (var b = 0; b < resamples; b++)
        {
            var c = ResampledMean(control, random);
            var t = ResampledMean(treatment, random);
            changes[b] = c == 0 ? double.NaN : t / c - 1;
        }
        var finite = changes.Where(double.IsFinite).Order().ToArray();
        var controlMean = control.Average();
        var treatmentMean = treatment.Average();
        var change = controlMean == 0 ? double.NaN : treatmentMean / controlMean - 1;
        if (finite.Length == 0) return new ArmDifference(controlMean, treatmentMean, change, double.NaN, double.NaN);
        var tail = (1 - confidence) / 2;
        return new ArmDifference(controlMean, treatmentMean, change,
            finite[(int)Math.Floor(tail * (finite.Length - 1))], finite[(int)Math.Ceiling((1 - tail) * (finite.Length - 1))]);
    }

    private static double ResampledMean(IReadOnlyList<double> values, Random random)
    {
        double sum = 0;
        for (var k = 0; k < values.Count; k++) sum += values[random.Next(values.Count)];
        return sum / values.Count;
    }
}
