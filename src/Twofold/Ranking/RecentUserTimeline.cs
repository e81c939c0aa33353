using Twofold.Domain;

namespace Twofold.Ranking;

/// <summary>
/// Point-in-time view of H^I(i): the users who engaged with each item (any feedback of <see cref="Positive"/>), in time
/// order, so that the recent users of an item can be read as they were just before any moment. Training samples read
/// their item's users before their own time, as a test impression reads the users of the training period, so the
/// feature never contains the label it is used to predict (a user's own engagement with the item).
/// </summary>
public sealed class RecentUserTimeline
{
    /// <summary>The engagements that make a user an item's "interacting user" (the interaction graph's default).</summary>
    public const Feedback Positive = Feedback.Like | Feedback.Comment | Feedback.Follow | Feedback.Share | Feedback.EffectiveView;

    private readonly int[] _offsets;
    private readonly long[] _times;
    private readonly int[] _users;

    private RecentUserTimeline(int[] offsets, long[] times, int[] users)
    {
        _offsets = offsets;
        _times = times;
        _users = users;
    }

    public int Items => _offsets.Length - 1;

    public static RecentUserTimeline Build(FeedbackSamples samples, int items)
    {
        var offsets = new int[items + 1];
        for (var r = 0; r < samples.Count; r++)
            if ((samples.Feedback[r] & Positive) != 0) offsets[samples.Items[r] + 1]++;
        for (var i = 0; i < items; i++) offsets[i + 1] += offsets[i];
        var cursor = offsets[..items];
        var times = new long[offsets[^1]];
        var users = new int[offsets[^1]];
        for (var r = 0; r < samples.Count; r++)
        {
            if ((samples.Feedback[r] & Positive) == 0) continue;
            var slot = cursor[samples.Items[r]]++;
            times[slot] = samples.TimesMs[r];
            users[slot] = samples.Users[r];
        }
        var run = new List<(long Time, int User)>();
        for (var i = 0; i < items; i++)
        {
            // Oldest first; equal times by user, so the order never depends on the order of the log.
            run.Clear();
            for (var k = offsets[i]; k < offsets[i + 1]; k++) run.Add((times[k], users[k]));
            run.Sort();
            for (var k = 0; k < run.Count; k++) (times[offsets[i] + k], users[offsets[i] + k]) = run[k];
        }
        return new RecentUserTimeline(offsets, times, users);
    }

    /// <summary>
    /// Appends to <paramref name="into"/> up to <paramref name="limit"/> distinct users who engaged with
    /// <paramref name="item"/> strictly before <paramref name="timeMs"/>, most recent first.
    /// </summary>
    /// <returns>The number of engagements with the item before <paramref name="timeMs"/> (all of them, not only those added).</returns>
    public int Before(int item, long timeMs, int limit, List<long> into)
    {
        var start = _offsets[item];
        var times = _times.AsSpan(start, _offsets[item + 1] - start);
        int lo = 0, hi = times.Length; // find the first engagement at or after timeMs
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (times[mid] < timeMs) lo = mid + 1; else hi = mid;
        }
        var first = into.Count;
        for (var k = lo - 1; k >= 0 && into.Count - first < limit; k--)
        {
            long user = _users[start + k];
            var repeated = false;
            for (var j = first; j < into.Count && !repeated; j++) repeated = into[j] == user;
            if (!repeated) into.Add(user);
        }
        return lo;
    }
}
