namespace Twofold.Evaluation;

/// <summary>
/// One experiment arm's figures for one simulated day (DualRec §5: creator-side metrics and user-side guardrails).
/// </summary>
/// <param name="NewItems">Items uploaded today by the arm's creators.</param>
/// <param name="NewItemsExposed">New items (uploaded today) shown at least once today: new-item coverage.</param>
/// <param name="ActiveCreators">Daily Active Creators: creators who posted at least one item today.</param>
/// <param name="Dispatched">(user, item) matches the creator side made today.</param>
/// <param name="DispatchedVisited">Matches whose user visited today (the hit rate's numerator).</param>
/// <param name="ExposuresBySource">Impressions by the retrieval source they are attributed to.</param>
/// <param name="MatchedPerUser">|D_u| histogram: entry n counts users with n matches today (last entry: n or more).</param>
public sealed record ArmDayMetrics(
    int Day,
    int Users,
    int Visitors,
    long Impressions,
    double WatchSeconds,
    long Likes,
    long Comments,
    long Follows,
    int NewItems,
    int NewItemsExposed,
    int ActiveCreators,
    long Dispatched,
    long DispatchedVisited,
    IReadOnlyDictionary<string, long> ExposuresBySource,
    IReadOnlyList<long> MatchedPerUser)
{
    public double DailyActiveUsers => Visitors;
    public double WatchSecondsPerActiveUser => Visitors == 0 ? 0 : WatchSeconds / Visitors;
    public double LikesPerActiveUser => Visitors == 0 ? 0 : Likes / (double)Visitors;
    public double NewItemCoverage => NewItems == 0 ? 0 : NewItemsExposed / (double)NewItems;
    public double HitRate => Dispatched == 0 ? 0 : DispatchedVisited / (double)Dispatched;
}
