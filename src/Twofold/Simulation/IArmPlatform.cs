using Twofold.CreatorSide;
using Twofold.Data;

namespace Twofold.Simulation;

/// <summary>
/// The platform one experiment arm runs: everything a strategy decides (which users a new item is matched with,
/// what a visiting user sees, what it learns at night), seen from the simulator.
/// </summary>
public interface IArmPlatform : IDisposable
{
    /// <summary>Morning of <paramref name="day"/>: the arm's creators have uploaded <paramref name="newItems"/>.</summary>
    /// <returns>The (user, item) matches the creator side made for the new items (empty for a user-side-only strategy).</returns>
    IReadOnlyList<(int User, int Item)> StartDay(int day, IReadOnlyList<int> newItems);

    /// <summary>The feed of a visiting user of the arm: at most <paramref name="length"/> entries, best first.</summary>
    IReadOnlyList<FeedEntry> Feed(int day, int user, int length);

    /// <summary>
    /// The feeds of several visiting users of the arm, each what <see cref="Feed"/> would give; a platform that can
    /// serve a batch faster (batched ranking) overrides this. Feeds of the same day must not depend on each other's order.
    /// </summary>
    IReadOnlyList<FeedEntry>[] Feeds(int day, ReadOnlySpan<int> users, ReadOnlySpan<int> lengths)
    {
        var feeds = new IReadOnlyList<FeedEntry>[users.Length];
        for (var p = 0; p < users.Length; p++) feeds[p] = Feed(day, users[p], lengths[p]);
        return feeds;
    }

    /// <summary>Night of <paramref name="day"/>: the arm's impressions of the day, for whatever the platform refreshes.</summary>
    void EndDay(int day, InteractionBatch impressions);
}
