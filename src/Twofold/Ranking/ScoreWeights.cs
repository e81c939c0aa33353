namespace Twofold.Ranking;

/// <summary>
/// Coefficients of the integrated score: α for the user side (f_ui = Σ α_m s^m_ui, eq. 9) and β for the creator side
/// (g_ui = Σ β_m s^m_ui / θ_u, eq. 10). Tasks without a coefficient weigh 0.
/// </summary>
public sealed record ScoreWeights(IReadOnlyDictionary<FeedbackTask, double> Coefficients)
{
    /// <summary>
    /// A user-side default: watch time and effective views dominate, explicit engagement counts too.
    /// </summary>
    public static ScoreWeights UserSideDefault { get; } = new(new Dictionary<FeedbackTask, double>
    {
        [FeedbackTask.WatchTime] = 1.0,
        [FeedbackTask.EffectiveView] = 0.5,
        [FeedbackTask.Like] = 2.0,
        [FeedbackTask.Comment] = 3.0,
        [FeedbackTask.Follow] = 5.0,
        [FeedbackTask.Share] = 3.0,
    });

    /// <summary>
    /// A creator-side default: what creators can see (likes, comments, follows, profile visits) weighs most; watch
    /// time, which creators cannot sense, weighs little (DualRec §3.3.2).
    /// </summary>
    public static ScoreWeights CreatorSideDefault { get; } = new(new Dictionary<FeedbackTask, double>
    {
        [FeedbackTask.WatchTime] = 0.1,
        [FeedbackTask.Like] = 3.0,
        [FeedbackTask.Comment] = 5.0,
        [FeedbackTask.Follow] = 8.0,
        [FeedbackTask.ProfileVisit] = 1.0,
        [FeedbackTask.Share] = 3.0,
    });

    public double Of(FeedbackTask task) => Coefficients.GetValueOrDefault(task);

    public void Validate()
    {
        foreach (var (task, weight) in Coefficients)
            if (!double.IsFinite(weight)) throw new ArgumentException($"The coefficient of {task} must be a finite number, not {weight}.");
    }
}
