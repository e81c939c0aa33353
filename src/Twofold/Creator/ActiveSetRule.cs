namespace Twofold.CreatorSide;

/// <summary>
/// How activity scores become the predicted-active set a_u = 1 that <see cref="IAvailabilityStore.OpenDay"/> takes:
/// every user whose probability reaches a threshold, or the top fraction of users by probability.
/// </summary>
/// <remarks>
/// The default, probability ≥ 0.5, predicts a visit when one is more likely than not, so the dispatched users'
/// hit rate stays above one half; lower the threshold (or use a top fraction) for a larger audience.
/// </remarks>
public sealed record ActiveSetRule
{
    public const double DefaultThreshold = 0.5;

    private ActiveSetRule(double? threshold, double? topFraction)
    {
        Threshold = threshold;
        TopFraction = topFraction;
    }

    /// <summary>Users with probability ≥ this are active (null when the rule is a top fraction).</summary>
    public double? Threshold { get; }

    /// <summary>This fraction of users, highest probability first, is active (null when the rule is a threshold).</summary>
    public double? TopFraction { get; }

    public static ActiveSetRule Default { get; } = AtLeast(DefaultThreshold);

    public static ActiveSetRule AtLeast(double threshold)
    {
        if (!double.IsFinite(threshold) || threshold < 0 || threshold > 1)
            throw new ArgumentException($"The activity threshold must be a probability in [0, 1] (got {threshold}).", nameof(threshold));
        return new ActiveSetRule(threshold, null);
    }

    public static ActiveSetRule Top(double fraction)
    {
        if (!double.IsFinite(fraction) || fraction <= 0 || fraction > 1)
            throw new ArgumentException($"The active fraction must be in (0, 1] (got {fraction}).", nameof(fraction));
        return new ActiveSetRule(null, fraction);
    }

    /// <summary>The users predicted active under this rule, in ascending id order. Ties at a top-fraction cut go to lower ids.</summary>
    public int[] Select(ReadOnlySpan<float> scores)
    {
        if (Threshold is { } threshold)
        {
            var active = new List<int>();
            for (var u = 0; u < scores.Length; u++)
                if (scores[u] >= threshold) active.Add(u);
            return active.ToArray();
        }
        var k = (int)Math.Round(TopFraction!.Value * scores.Length);
        var top = ActivityRanking.TopK(scores, k);
        Array.Sort(top);
        return top;
    }

    public override string ToString() => Threshold is { } t ? $"probability >= {t:0.###}" : $"top {TopFraction:P1}";
}
