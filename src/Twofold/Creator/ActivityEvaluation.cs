namespace Twofold.CreatorSide;

/// <summary>
/// Time-split evaluation of an activity predictor (DualRec §5: the hit rate of dispatched users who visit the next
/// day, 49% without activity prediction, 82% with it).
/// </summary>
public static class ActivityEvaluation
{
    /// <summary>The fractions of users at which top-ranked visit rates are reported.</summary>
    public static readonly IReadOnlyList<double> DefaultFractions = [0.05, 0.1, 0.2, 0.3, 0.5];

    /// <summary>
    /// Scores target days [<paramref name="firstDay"/>, <paramref name="endDay"/>) of <paramref name="history"/>
    /// (days the predictor was not trained on) and compares it with the baselines.
    /// </summary>
    /// <param name="seed">Breaks ties of the "visited yesterday" ranking at random.</param>
    /// <param name="oracle">The true visit probabilities of a history day, when known (synthetic worlds), else null.</param>
    public static ActivityReport Evaluate(ActivityPredictor predictor, ActivityHistory history, int firstDay, int endDay,
        ActiveSetRule? rule = null, int seed = 1, Func<int, float[]?>? oracle = null)
    {
        rule ??= ActiveSetRule.Default;
        if (firstDay < 1 || endDay > history.Days || firstDay >= endDay)
            throw new ArgumentOutOfRangeException(nameof(firstDay),
                $"Evaluation days {firstDay} .. {endDay - 1} must lie within 1 .. {history.Days - 1}: each needs a day before it and its own visits in the log.");
        var days = new List<DayFigures>();
        for (var day = firstDay; day < endDay; day++)
            days.Add(EvaluateDay(predictor.Score(history, day), history, day, rule, seed, oracle?.Invoke(day)));

        double Mean(Func<DayFigures, double> f) => days.Average(f);
        double? MeanOrNull(Func<DayFigures, double?> f) => days.All(d => f(d) is not null) ? days.Average(d => f(d)!.Value) : null;
        RankingHitRates MeanRates(Func<DayFigures, RankingHitRates> f) => new(
            Mean(d => f(d).Model), Mean(d => f(d).Yesterday), Mean(d => f(d).Random), MeanOrNull(d => f(d).Oracle));
        return new ActivityReport(history.DateOf(firstDay), history.DateOf(endDay - 1), days.Count, history.Users,
            Mean(d => d.VisitRate), Mean(d => d.Auc), Mean(d => d.YesterdayAuc), MeanRates(d => d.TopK),
            DefaultFractions.Select((f, i) => new FractionHitRates(f, MeanRates(d => d.Fractions[i]))).ToList(),
            rule.ToString(),
            new ActiveSetFigures(Mean(d => d.ActiveSet.Size), Mean(d => d.ActiveSet.HitRate), Mean(d => d.ActiveSet.Recall)),
            new ActiveSetFigures(Mean(d => d.YesterdaySet.Size), Mean(d => d.YesterdaySet.HitRate), Mean(d => d.YesterdaySet.Recall)),
            MeanOrNull(d => d.OracleAuc));
    }

    private sealed record DayFigures(double VisitRate, double Auc, double YesterdayAuc, RankingHitRates TopK,
        IReadOnlyList<RankingHitRates> Fractions, ActiveSetFigures ActiveSet, ActiveSetFigures YesterdaySet, double? OracleAuc);

    private static DayFigures EvaluateDay(float[] scores, ActivityHistory history, int day, ActiveSetRule rule, int seed, float[]? oracle)
    {
        var users = history.Users;
        var labels = new bool[users];
        var yesterday = new float[users];
        var yesterdayRanked = new float[users];
        var random = new Random(unchecked(seed * 7_919 + day));
        var visitors = 0;
        for (var u = 0; u < users; u++)
        {
            labels[u] = history.Visited(u, day);
            if (labels[u]) visitors++;
            yesterday[u] = history.Visited(u, day - 1) ? 1 : 0;
            // Yesterday's visitors first, each group in random order.
            yesterdayRanked[u] = yesterday[u] + 0.5f * (float)random.NextDouble();
        }
        var visitRate = visitors / (double)users;
        RankingHitRates At(int k) => new(
            HitRate(scores, labels, k), HitRate(yesterdayRanked, labels, k), visitRate, oracle is null ? null : HitRate(oracle, labels, k));
        var fractions = DefaultFractions.Select(f => At(Math.Max(1, (int)Math.Round(f * users)))).ToList();
        return new DayFigures(visitRate, Twofold.Evaluation.Auc.Of(scores, labels), Twofold.Evaluation.Auc.Of(yesterday, labels),
            At(Math.Max(1, visitors)), fractions, SetFigures(rule.Select(scores), labels, visitors),
            SetFigures(ActiveSetRule.AtLeast(1).Select(yesterday), labels, visitors),
            oracle is null ? null : Twofold.Evaluation.Auc.Of(oracle, labels));
    }

    private static double HitRate(float[] scores, bool[] labels, int k)
    {
        var hits = 0;
        foreach (var u in ActivityRanking.TopK(scores, k)) if (labels[u]) hits++;
        return k == 0 ? 0 : hits / (double)k;
    }

    private static ActiveSetFigures SetFigures(int[] set, bool[] labels, int visitors)
    {
        var hits = set.Count(u => labels[u]);
        return new ActiveSetFigures(set.Length / (double)labels.Length, set.Length == 0 ? 0 : hits / (double)set.Length,
            visitors == 0 ? 0 : hits / (double)visitors);
    }
}
