namespace Twofold.CreatorSide;

/// <summary>
/// How well an activity predictor picks tomorrow's visitors on held-out days, against the baselines "random" and
/// "visited yesterday" (and, for a synthetic world, the true visit probabilities). Figures are means over the days.
/// </summary>
/// <param name="VisitRate">Fraction of users who visited (= the visit rate of a random pick, the "random" baseline).</param>
/// <param name="Auc">ROC AUC of the predicted probabilities.</param>
/// <param name="YesterdayAuc">ROC AUC of the 0/1 score "visited yesterday".</param>
/// <param name="TopK">Visit rate of the k users ranked highest, k = the number of actual visitors that day.</param>
/// <param name="Fractions">Visit rate of the top fraction of users, by each ranking.</param>
/// <param name="ActiveSet">The predicted-active set under <see cref="Rule"/>: its size, hit rate and recall.</param>
/// <param name="YesterdaySet">The set "visited yesterday" as an active set (DualRec's hit rate without prediction).</param>
/// <param name="OracleAuc">AUC of the world's true visit probabilities, when known (the ceiling).</param>
public sealed record ActivityReport(
    DateOnly FirstDate,
    DateOnly LastDate,
    int Days,
    int Users,
    double VisitRate,
    double Auc,
    double YesterdayAuc,
    RankingHitRates TopK,
    IReadOnlyList<FractionHitRates> Fractions,
    string Rule,
    ActiveSetFigures ActiveSet,
    ActiveSetFigures YesterdaySet,
    double? OracleAuc);

/// <summary>Visit rates of the users picked by each ranking (random = the day's visit rate).</summary>
public sealed record RankingHitRates(double Model, double Yesterday, double Random, double? Oracle);

/// <summary>Visit rates of the top <see cref="Fraction"/> of users by each ranking.</summary>
public sealed record FractionHitRates(double Fraction, RankingHitRates Rates);

/// <summary>An active set: the fraction of users in it, the fraction of them who visited (hit rate), and the fraction of visitors it holds (recall).</summary>
public sealed record ActiveSetFigures(double Size, double HitRate, double Recall);
