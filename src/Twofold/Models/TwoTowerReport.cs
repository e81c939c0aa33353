namespace Twofold.Models;

/// <summary>One training epoch.</summary>
/// <param name="Loss">Mean training loss over the epoch's positives (sum of the trained directions).</param>
/// <param name="UserRecall">Validation recall@K with users as queries over all items; NaN without validation.</param>
/// <param name="ItemRecall">Validation recall@K with items as queries over all users (the creator side); NaN without validation.</param>
/// <param name="TrainSeconds">Wall time of the epoch's optimisation steps (validation excluded).</param>
/// <param name="ExamplesPerSecond">Training positives per second of <paramref name="TrainSeconds"/>.</param>
public sealed record TwoTowerEpoch(int Epoch, double Loss, double UserRecall, double ItemRecall, double TrainSeconds, double ExamplesPerSecond);

/// <summary>What a fit did and how well the result retrieves held-out positives, next to the simple baselines.</summary>
/// <param name="BestEpoch">The epoch whose weights the model holds (1-based; the last one without validation).</param>
/// <param name="ValidationFromDay">First held-out day (days since the Unix epoch); null without validation.</param>
/// <param name="TrainPositives">Positive interactions trained on (before the cut).</param>
/// <param name="ValidationPositives">Distinct held-out (user, item) positive pairs.</param>
/// <param name="PopularityUserRecall">Recall@K of ranking items by their training positive count.</param>
/// <param name="RandomUserRecall">Expected recall@K of a random ranking of items.</param>
/// <param name="PopularityItemRecall">Recall@K of ranking users by their training positive count (creator side).</param>
/// <param name="RandomItemRecall">Expected recall@K of a random ranking of users.</param>
public sealed record TwoTowerReport(
    IReadOnlyList<TwoTowerEpoch> Epochs,
    int BestEpoch,
    int RecallK,
    int? ValidationFromDay,
    int TrainPositives,
    int ValidationPositives,
    double PopularityUserRecall,
    double RandomUserRecall,
    double PopularityItemRecall,
    double RandomItemRecall)
{
    /// <summary>The held epoch's validation recall@K with users as queries (NaN without validation).</summary>
    public double UserRecall => Epochs.Count == 0 ? double.NaN : Epochs[BestEpoch - 1].UserRecall;

    /// <summary>The held epoch's validation recall@K with items as queries (NaN without validation).</summary>
    public double ItemRecall => Epochs.Count == 0 ? double.NaN : Epochs[BestEpoch - 1].ItemRecall;
}
