using Twofold.Domain;

namespace Twofold.Graph;

/// <summary>Which interactions become edges of the interaction graph.</summary>
/// <param name="Positive">An impression is an edge when it carries any of these feedback kinds.</param>
/// <param name="WindowDays">Keep only edges from the last this many days (relative to the newest day seen); null keeps all.</param>
/// <param name="MaxPerNode">Recency cut: keep at most this many most recent neighbours per node; null keeps all.</param>
public sealed record GraphOptions(Feedback Positive, int? WindowDays = null, int? MaxPerNode = null)
{
    /// <summary>DualRec's histories: any explicit engagement or an effective view.</summary>
    public static GraphOptions Default { get; } =
        new(Feedback.Like | Feedback.Comment | Feedback.Follow | Feedback.Share | Feedback.EffectiveView);

    public void Validate()
    {
        if (Positive == Feedback.None) throw new ArgumentException("GraphOptions.Positive must name at least one feedback kind.");
        if (WindowDays is < 1) throw new ArgumentException($"GraphOptions.WindowDays must be at least 1, not {WindowDays}.");
        if (MaxPerNode is < 1) throw new ArgumentException($"GraphOptions.MaxPerNode must be at least 1, not {MaxPerNode}.");
    }
}
