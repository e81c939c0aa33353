namespace Twofold.Domain;

/// <summary>
/// One impression of an item to a user with everything the user did with it. Source-specific extra signals
/// (for example KuaiRand's <c>is_rand</c>) travel beside it as named columns of the event log; see
/// <see cref="Twofold.Data.InteractionBatch.ExtraColumns"/>.
/// </summary>
/// <param name="TimeMs">When the impression happened, Unix epoch milliseconds (UTC).</param>
/// <param name="DurationMs">The item's duration; 0 when unknown.</param>
/// <param name="WatchMs">How long the user watched; 0 when unknown.</param>
public readonly record struct Interaction(
    UserId User,
    ItemId Item,
    long TimeMs,
    int DurationMs,
    int WatchMs,
    Feedback Feedback)
{
    public bool Has(Feedback kind) => (Feedback & kind) == kind;
}
