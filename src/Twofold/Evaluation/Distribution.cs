namespace Twofold.Evaluation;

/// <summary>
/// Summary of a non-negative count per entity (interactions per user, exposures per item, ...): quantiles,
/// concentration (Gini) and the share held by the top 1%.
/// </summary>
public sealed record Distribution(long Entities, double Mean, long Min, long P50, long P90, long P99, long Max, double Gini, double Top1PercentShare)
{
    public static Distribution Of(ReadOnlySpan<long> counts)
    {
        if (counts.Length == 0) return new Distribution(0, 0, 0, 0, 0, 0, 0, 0, 0);
        var sorted = counts.ToArray();
        Array.Sort(sorted);
        double total = 0;
        foreach (var c in sorted)
        {
            if (c < 0) throw new ArgumentException("Counts must be non-negative.", nameof(counts));
            total += c;
        }
        var top = Math.Max(1, sorted.Length / 100);
        double topSum = 0;
        for (var i = sorted.Length - top; i < sorted.Length; i++) topSum += sorted[i];
        return new Distribution(sorted.Length, total / sorted.Length, sorted[0], Quantile(sorted, 0.5), Quantile(sorted, 0.9),
            Quantile(sorted, 0.99), sorted[^1], GiniOfSorted(sorted, total), total == 0 ? 0 : topSum / total);
    }

    /// <summary>The Gini coefficient of non-negative values: 0 when all are equal, towards 1 when one holds everything.</summary>
    public static double GiniOf(ReadOnlySpan<long> values)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        double total = 0;
        foreach (var v in sorted) total += v;
        return GiniOfSorted(sorted, total);
    }

    // G = Σ_i (2i − n − 1) x_(i) / (n Σ x), with x sorted ascending and i from 1.
    private static double GiniOfSorted(long[] sorted, double total)
    {
        if (sorted.Length == 0 || total == 0) return 0;
        double weighted = 0;
        var n = sorted.Length;
        for (var i = 0; i < n; i++) weighted += (2.0 * (i + 1) - n - 1) * sorted[i];
        return weighted / (n * total);
    }

    private static long Quantile(long[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Floor(q * sorted.Length))];
}
