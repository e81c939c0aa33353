using Twofold.Data;
using Twofold.Domain;

namespace Twofold.CreatorSide;

/// <summary>
/// The event log condensed to what activity prediction needs: per user and day, a visit bit and small saturating
/// counters (impressions, clicks, explicit positive feedback, watch seconds). Built by streaming the log once.
/// </summary>
/// <remarks>
/// Day-major struct of arrays: for each day one bit array and four counter arrays over all users, about 7 bytes per
/// user-day (1,000,000 users × 30 days ≈ 210 MB). A visit is a day with at least one interaction. Days are indexed
/// from 0 = <see cref="FirstDate"/>; days of the range without events are kept (nobody visited). Counters saturate
/// at their type's maximum rather than wrap.
/// </remarks>
public sealed class ActivityHistory
{
    /// <summary>The explicit feedback counted as positive: like, comment, follow, share.</summary>
    public const Feedback PositiveFeedback = Feedback.Like | Feedback.Comment | Feedback.Follow | Feedback.Share;

    private readonly ulong[][] _visits;
    private readonly ushort[][] _impressions;
    private readonly ushort[][] _clicks;
    private readonly byte[][] _positives;
    private readonly ushort[][] _watchSeconds;

    /// <param name="previous">When extending: its days are shared (they never change again); the new days start empty.</param>
    private ActivityHistory(int users, int firstDay, int days, ActivityHistory? previous = null)
    {
        Users = users;
        FirstDay = firstDay;
        Days = days;
        _visits = new ulong[days][];
        _impressions = new ushort[days][];
        _clicks = new ushort[days][];
        _positives = new byte[days][];
        _watchSeconds = new ushort[days][];
        for (var d = 0; d < days; d++)
        {
            var old = previous is not null && d < previous.Days;
            _visits[d] = old ? previous!._visits[d] : new ulong[(users + 63) >> 6];
            _impressions[d] = old ? previous!._impressions[d] : new ushort[users];
            _clicks[d] = old ? previous!._clicks[d] : new ushort[users];
            _positives[d] = old ? previous!._positives[d] : new byte[users];
            _watchSeconds[d] = old ? previous!._watchSeconds[d] : new ushort[users];
        }
    }

    /// <summary>Number of users (dense ids 0 .. Users − 1).</summary>
    public int Users { get; }

    /// <summary>Number of days covered, from <see cref="FirstDate"/>.</summary>
    public int Days { get; }

    /// <summary>The first day, as UTC days since the Unix epoch (<see cref="EventLogDays"/>).</summary>
    public int FirstDay { get; }

    public DateOnly FirstDate => EventLogDays.ToDate(FirstDay);
    public DateOnly LastDate => EventLogDays.ToDate(FirstDay + Days - 1);

    /// <summary>The index of <paramref name="date"/> relative to <see cref="FirstDate"/> (may fall outside the history).</summary>
    public int DayIndex(DateOnly date) => EventLogDays.FromDate(date) - FirstDay;

    public DateOnly DateOf(int day) => EventLogDays.ToDate(FirstDay + day);

    public bool Visited(int user, int day) => (_visits[day][user >> 6] & (1UL << (user & 63))) != 0;
    public int Impressions(int user, int day) => _impressions[day][user];
    public int Clicks(int user, int day) => _clicks[day][user];
    public int Positives(int user, int day) => _positives[day][user];
    public int WatchSeconds(int user, int day) => _watchSeconds[day][user];

    /// <summary>Number of users who visited on <paramref name="day"/>.</summary>
    public int Visitors(int day)
    {
        CheckDay(day);
        var count = 0;
        foreach (var word in _visits[day]) count += System.Numerics.BitOperations.PopCount(word);
        return count;
    }

    internal ReadOnlySpan<ulong> VisitBits(int day) => _visits[day];

    /// <summary>Streams the event log of <paramref name="dataset"/> once; the day range is the log's first to last day.</summary>
    public static ActivityHistory FromDataset(Dataset dataset)
    {
        var log = dataset.Events;
        if (log.Days.Count == 0) throw new DataFormatException(log.Directory, "the event log is empty: activity needs at least two days of events");
        var first = EventLogDays.FromDate(log.Days.First());
        var last = EventLogDays.FromDate(log.Days.Last());
        try
        {
            return Build(log.ReadBatches(reuse: true), dataset.Manifest.Users, first, last - first + 1);
        }
        catch (ArgumentException e)
        {
            throw new DataFormatException(log.Directory, e.Message, inner: e);
        }
    }

    /// <summary>
    /// Condenses <paramref name="batches"/> (in any order) over <paramref name="users"/> users and the
    /// <paramref name="days"/> days starting at day number <paramref name="firstDay"/>.
    /// </summary>
    public static ActivityHistory Build(IEnumerable<InteractionBatch> batches, int users, int firstDay, int days)
    {
        if (users < 1) throw new ArgumentOutOfRangeException(nameof(users), users, "Activity needs at least one user.");
        if (days < 1) throw new ArgumentOutOfRangeException(nameof(days), days, "Activity needs at least one day.");
        var history = new ActivityHistory(users, firstDay, days);
        foreach (var batch in batches) history.Add(batch);
        return history;
    }

    /// <summary>
    /// This history extended by <paramref name="newDays"/> days holding the rows of <paramref name="batches"/>, which
    /// must fall on those days: equal to a <see cref="Build"/> over the whole log, at the cost of the new rows only
    /// (the days already condensed are shared, not copied). How a platform keeps its history day by day.
    /// </summary>
    public ActivityHistory Extend(int newDays, IEnumerable<InteractionBatch> batches)
    {
        if (newDays < 0) throw new ArgumentOutOfRangeException(nameof(newDays), newDays, "A history cannot lose days.");
        var extended = new ActivityHistory(Users, FirstDay, Days + newDays, this);
        foreach (var batch in batches)
        {
            foreach (var time in batch.TimesMs)
                if (EventLogDays.DayNumber(time) - FirstDay < Days)
                    throw new ArgumentException($"An event at {time} ms falls on {EventLogDays.ToDate(EventLogDays.DayNumber(time)):yyyy-MM-dd}, a day already condensed (up to {LastDate:yyyy-MM-dd}).", nameof(batches));
            extended.Add(batch);
        }
        return extended;
    }

    private void Add(InteractionBatch batch)
    {
        var userColumn = batch.Users;
        var times = batch.TimesMs;
        var watches = batch.WatchesMs;
        var feedback = batch.Feedback;
        for (var row = 0; row < batch.Count; row++)
        {
            var user = userColumn[row];
            if ((uint)user >= (uint)Users)
                throw new ArgumentException($"An event has user id {user}, outside the {Users:N0} users of the dataset.");
            var day = EventLogDays.DayNumber(times[row]) - FirstDay;
            if ((uint)day >= (uint)Days)
                throw new ArgumentException($"An event at {times[row]} ms falls on {EventLogDays.ToDate(day + FirstDay):yyyy-MM-dd}, outside {FirstDate:yyyy-MM-dd} .. {LastDate:yyyy-MM-dd}.");
            _visits[day][user >> 6] |= 1UL << (user & 63);
            Increment(ref _impressions[day][user]);
            if ((feedback[row] & Feedback.Click) != 0) Increment(ref _clicks[day][user]);
            if ((feedback[row] & PositiveFeedback) != 0 && _positives[day][user] < byte.MaxValue) _positives[day][user]++;
            var watchSeconds = _watchSeconds[day][user] + Math.Max(0, watches[row]) / 1000;
            _watchSeconds[day][user] = (ushort)Math.Min(ushort.MaxValue, watchSeconds);
        }
    }

    private static void Increment(ref ushort counter)
    {
        if (counter < ushort.MaxValue) counter++;
    }

    internal void CheckDay(int day)
    {
        if ((uint)day >= (uint)Days)
            throw new ArgumentOutOfRangeException(nameof(day), day, $"The history covers days 0 .. {Days - 1} ({FirstDate:yyyy-MM-dd} .. {LastDate:yyyy-MM-dd}).");
    }
}
