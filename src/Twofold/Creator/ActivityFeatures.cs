namespace Twofold.CreatorSide;

/// <summary>
/// The features of a user for a target day t (DualRec §4.1: the last 30 days of activity, the day of week,
/// accumulated interactions), computed from <see cref="ActivityHistory"/> days before t only.
/// </summary>
/// <remarks>
/// Days before the start of the history count as not visited; <c>days_observed</c> tells the model how much
/// history there is. The dataset format has no per-user attributes, so there are no static user features.
/// </remarks>
public static class ActivityFeatures
{
    /// <summary>How many days back the visit window reaches.</summary>
    public const int WindowDays = 30;

    private static readonly string[] Summary =
    [
        "visits_1", "visits_3", "visits_7", "visits_14", "visits_30",
        "days_since_last_visit", "streak", "same_weekday_visits_4w", "day_of_week", "days_observed", "visit_rate_all",
        "impressions_total", "clicks_total", "positives_total", "watch_hours_total", "impressions_7", "impressions_per_visit", "click_rate",
    ];

    private static readonly string[] DayBits = Enumerable.Range(1, WindowDays).Select(d => $"visited_d{d}").ToArray();

    /// <summary>The feature names in column order; the 30 day bits come last when <paramref name="includeDayBits"/>.</summary>
    public static IReadOnlyList<string> Names(bool includeDayBits) => includeDayBits ? [.. Summary, .. DayBits] : Summary;

    public static int Count(bool includeDayBits) => Summary.Length + (includeDayBits ? WindowDays : 0);

    /// <summary>Checks that features can be computed for target day <paramref name="day"/> (1 .. Days: the day after the log is allowed).</summary>
    public static void CheckTargetDay(ActivityHistory history, int day)
    {
        if (day < 1 || day > history.Days)
            throw new ArgumentOutOfRangeException(nameof(day), day,
                $"A target day needs at least one day of history before it: use 1 .. {history.Days} " +
                $"({history.DateOf(1):yyyy-MM-dd} .. {history.DateOf(history.Days):yyyy-MM-dd}, the last being the day after the log).");
    }

    /// <summary>
    /// Writes the features of users <paramref name="firstUser"/> .. +<paramref name="count"/> − 1 for target day
    /// <paramref name="day"/> into <paramref name="into"/>, one row of <see cref="Count"/> values per user.
    /// </summary>
    public static void Compute(ActivityHistory history, int day, int firstUser, int count, bool includeDayBits, Span<float> into)
    {
        CheckTargetDay(history, day);
        if (firstUser < 0 || count < 0 || firstUser + count > history.Users)
            throw new ArgumentOutOfRangeException(nameof(count), $"Users {firstUser} .. {firstUser + count - 1} are outside 0 .. {history.Users - 1}.");
        var columns = Count(includeDayBits);
        if (into.Length < count * columns) throw new ArgumentException($"The buffer holds {into.Length} values; {count * columns} are needed.", nameof(into));
        for (var r = 0; r < count; r++) ComputeUser(history, day, firstUser + r, includeDayBits, into.Slice(r * columns, columns));
    }

    /// <summary>Writes the features of the listed users for target day <paramref name="day"/>.</summary>
    public static void Compute(ActivityHistory history, int day, ReadOnlySpan<int> users, bool includeDayBits, Span<float> into)
    {
        CheckTargetDay(history, day);
        var columns = Count(includeDayBits);
        if (into.Length < users.Length * columns) throw new ArgumentException($"The buffer holds {into.Length} values; {users.Length * columns} are needed.", nameof(into));
        for (var r = 0; r < users.Length; r++)
        {
            if ((uint)users[r] >= (uint)history.Users) throw new ArgumentOutOfRangeException(nameof(users), users[r], $"Users are 0 .. {history.Users - 1}.");
            ComputeUser(history, day, users[r], includeDayBits, into.Slice(r * columns, columns));
        }
    }

    private static void ComputeUser(ActivityHistory history, int day, int user, bool includeDayBits, Span<float> row)
    {
        int v1 = 0, v3 = 0, v7 = 0, v14 = 0, v30 = 0, sameWeekday = 0, totalVisits = 0;
        int sinceLast = -1, streak = 0;
        var streakOpen = true;
        long impressions = 0, clicks = 0, positives = 0, watchSeconds = 0, impressions7 = 0;
        var dayBits = includeDayBits ? row[Summary.Length..] : default;
        dayBits.Clear();
        // Walk back from yesterday (lag 1) to the first day of the history.
        for (var lag = 1; lag <= day; lag++)
        {
            var d = day - lag;
            var visited = history.Visited(user, d);
            if (visited)
            {
                totalVisits++;
                if (sinceLast < 0) sinceLast = lag;
                if (lag <= 1) v1++;
                if (lag <= 3) v3++;
                if (lag <= 7) v7++;
                if (lag <= 14) v14++;
                if (lag <= WindowDays) v30++;
                if (lag % 7 == 0 && lag <= 28) sameWeekday++;
                if (lag <= WindowDays && includeDayBits) dayBits[lag - 1] = 1;
                impressions += history.Impressions(user, d);
                clicks += history.Clicks(user, d);
                positives += history.Positives(user, d);
                watchSeconds += history.WatchSeconds(user, d);
                if (lag <= 7) impressions7 += history.Impressions(user, d);
            }
            if (streakOpen)
            {
                if (visited) streak++;
                else streakOpen = false;
            }
        }
        var observed = day;
        row[0] = v1;
        row[1] = v3;
        row[2] = v7;
        row[3] = v14;
        row[4] = v30;
        // Never visited: one more than the history's length, so "longer ago than anything observed".
        row[5] = sinceLast < 0 ? observed + 1 : sinceLast;
        row[6] = streak;
        row[7] = sameWeekday;
        row[8] = DayOfWeek(history, day);
        row[9] = observed;
        row[10] = totalVisits / (float)observed;
        row[11] = impressions;
        row[12] = clicks;
        row[13] = positives;
        row[14] = watchSeconds / 3600f;
        row[15] = impressions7;
        row[16] = totalVisits == 0 ? 0 : impressions / (float)totalVisits;
        row[17] = impressions == 0 ? 0 : clicks / (float)impressions;
    }

    /// <summary>Day of week of target day <paramref name="day"/>, 0 = Monday .. 6 = Sunday.</summary>
    public static int DayOfWeek(ActivityHistory history, int day) => ((int)history.DateOf(day).DayOfWeek + 6) % 7;
}
