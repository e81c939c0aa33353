namespace Twofold.Domain;

/// <summary>
/// The binary feedback signals of one impression, as flags so that a whole impression's feedback fits in one value
/// on the hot paths. The event log stores each as its own boolean column.
/// </summary>
[Flags]
public enum Feedback : ushort
{
    None = 0,
    Click = 1 << 0,
    Like = 1 << 1,
    Comment = 1 << 2,
    Follow = 1 << 3,
    Share = 1 << 4,
    ProfileVisit = 1 << 5,
    /// <summary>The view counts as effective (e.g. watched long enough); source-specific, see the importers.</summary>
    EffectiveView = 1 << 6,
}

/// <summary>The feedback kinds with their column names, in schema order.</summary>
public static class FeedbackKinds
{
    public static readonly IReadOnlyList<(Feedback Kind, string Column)> All =
    [
        (Feedback.Click, "click"),
        (Feedback.Like, "like"),
        (Feedback.Comment, "comment"),
        (Feedback.Follow, "follow"),
        (Feedback.Share, "share"),
        (Feedback.ProfileVisit, "profile_visit"),
        (Feedback.EffectiveView, "effective_view"),
    ];
}
