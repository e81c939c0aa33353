using Twofold.Domain;

namespace Twofold.Ranking;

/// <summary>The feedback a ranking model predicts, s^m_ui for m = 1..M (DualRec §3.3).</summary>
public enum FeedbackTask
{
    Like,
    Comment,
    Follow,
    Share,
    ProfileVisit,
    EffectiveView,
    /// <summary>Expected watch time as a fraction of the item's duration, clipped to [0, 1].</summary>
    WatchTime,
}

public static class FeedbackTasks
{
    public static readonly IReadOnlyList<FeedbackTask> All = Enum.GetValues<FeedbackTask>();

    /// <summary>The binary feedback flag a task predicts; <see cref="Feedback.None"/> for watch time.</summary>
    public static Feedback Flag(this FeedbackTask task) => task switch
    {
        FeedbackTask.Like => Feedback.Like,
        FeedbackTask.Comment => Feedback.Comment,
        FeedbackTask.Follow => Feedback.Follow,
        FeedbackTask.Share => Feedback.Share,
        FeedbackTask.ProfileVisit => Feedback.ProfileVisit,
        FeedbackTask.EffectiveView => Feedback.EffectiveView,
        _ => Feedback.None,
    };

    /// <summary>The training label of a task for one impression.</summary>
    public static float Label(this FeedbackTask task, in Interaction interaction) => task == FeedbackTask.WatchTime
        ? interaction.DurationMs > 0 ? Math.Clamp(interaction.WatchMs / (float)interaction.DurationMs, 0f, 1f) : 0f
        : interaction.Has(task.Flag()) ? 1f : 0f;
}
