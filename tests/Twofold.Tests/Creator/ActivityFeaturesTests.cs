using Twofold.CreatorSide;
using Twofold.Data;
using Twofold.Domain;

namespace Twofold.Tests.CreatorSide;

public class ActivityFeaturesTests
{
    private static readonly int Monday = EventLogDays.FromDate(new DateOnly(2026, 1, 5));
    private static readonly IReadOnlyList<string> Names = ActivityFeatures.Names(includeDayBits: true);

    private static Interaction At(int user, int day, Feedback feedback = Feedback.None, int watchMs = 0, int hour = 12) =>
        new(new UserId(user), new ItemId(0), (Monday + day) * 86_400_000L + hour * 3_600_000L, 20_000, watchMs, feedback);

    private static ActivityHistory History(int users, int days, params Interaction[] events)
    {
        var batch = new InteractionBatch([]);
        foreach (var e in events) batch.Add(e);
        return ActivityHistory.Build([batch], users, Monday, days);
    }

    private static Dictionary<string, float> Features(ActivityHistory history, int day, int user)
    {
        var row = new float[Names.Count];
        ActivityFeatures.Compute(history, day, [user], includeDayBits: true, row);
        return Names.Select((n, i) => (n, row[i])).ToDictionary(p => p.n, p => p.Item2);
    }

    [Fact]
    public void A_history_extended_day_by_day_equals_one_built_from_the_whole_log()
    {
        var random = new Random(3);
        var days = Enumerable.Range(0, 6).Select(day =>
        {
            var batch = new InteractionBatch([]);
            for (var k = 0; k < 200; k++)
                batch.Add(At(random.Next(40), day, (Feedback)(1 << random.Next(7)), random.Next(60_000), hour: random.Next(24)));
            return batch;
        }).ToList();
        var whole = ActivityHistory.Build(days, 40, Monday, 6);
        var extended = ActivityHistory.Build(days.Take(2), 40, Monday, 2);
        extended = extended.Extend(1, [days[2]]).Extend(0, []).Extend(3, days.Skip(3));

        Assert.Equal(whole.Days, extended.Days);
        var a = new float[40 * Names.Count];
        var b = new float[40 * Names.Count];
        ActivityFeatures.Compute(whole, 6, 0, 40, includeDayBits: true, a);
        ActivityFeatures.Compute(extended, 6, 0, 40, includeDayBits: true, b);
        Assert.Equal(a, b);
        for (var day = 0; day < 6; day++)
            for (var user = 0; user < 40; user++)
                Assert.Equal((whole.Impressions(user, day), whole.WatchSeconds(user, day)), (extended.Impressions(user, day), extended.WatchSeconds(user, day)));
        Assert.Throws<ArgumentException>(() => whole.Extend(1, [days[5]])); // day 5 is already condensed
    }

    [Fact]
    public void Features_of_a_hand_made_log_have_the_expected_values()
    {
        var history = History(3, 5,
            At(0, 0, Feedback.Click | Feedback.Like, watchMs: 10_500),
            At(0, 0, Feedback.None, watchMs: 2_000, hour: 23),
            At(0, 2, Feedback.Click, watchMs: 4_000),
            At(0, 3),
            At(1, 3, Feedback.Comment));
        Assert.True(history.Visited(0, 0));
        Assert.False(history.Visited(0, 1));
        Assert.Equal(2, history.Impressions(0, 0));
        Assert.Equal(2, history.Visitors(3));

        // Target day 4 = Friday 2026-01-09.
        var u0 = Features(history, 4, 0);
        Assert.Equal(1, u0["visits_1"]);
        Assert.Equal(2, u0["visits_3"]);
        Assert.Equal(3, u0["visits_7"]);
        Assert.Equal(3, u0["visits_30"]);
        Assert.Equal(1, u0["days_since_last_visit"]);
        Assert.Equal(2, u0["streak"]);
        Assert.Equal(0, u0["same_weekday_visits_4w"]);
        Assert.Equal(4, u0["day_of_week"]);
        Assert.Equal(4, u0["days_observed"]);
        Assert.Equal(0.75f, u0["visit_rate_all"]);
        Assert.Equal(4, u0["impressions_total"]);
        Assert.Equal(2, u0["clicks_total"]);
        Assert.Equal(1, u0["positives_total"]);
        Assert.Equal(16 / 3600f, u0["watch_hours_total"]);
        Assert.Equal(4, u0["impressions_7"]);
        Assert.Equal(4 / 3f, u0["impressions_per_visit"]);
        Assert.Equal(0.5f, u0["click_rate"]);
        Assert.Equal([1f, 1f, 0f, 1f, 0f, 0f], Enumerable.Range(1, 6).Select(d => u0[$"visited_d{d}"]));

        var u1 = Features(history, 4, 1);
        Assert.Equal(1, u1["visits_30"]);
        Assert.Equal(1, u1["streak"]);
        Assert.Equal(1, u1["positives_total"]);
        Assert.Equal(0, u1["clicks_total"]);

        var u2 = Features(history, 4, 2);
        Assert.Equal(0, u2["visits_30"]);
        Assert.Equal(5, u2["days_since_last_visit"]);
        Assert.Equal(0, u2["impressions_per_visit"]);
        Assert.Equal(0, u2["visit_rate_all"]);

        // Only days before the target count: for target day 3, day 3's visit is the label, not a feature.
        var earlier = Features(history, 3, 0);
        Assert.Equal(1, earlier["streak"]);
        Assert.Equal(2, earlier["visits_7"]);
        Assert.Equal(3, earlier["day_of_week"]);
    }

    [Fact]
    public void Weekly_and_window_features_look_back_the_right_distance()
    {
        var history = History(1, 40, At(0, 0), At(0, 7), At(0, 9));
        var f = Features(history, 14, 0);
        Assert.Equal(2, f["same_weekday_visits_4w"]);       // days 7 and 0: lags 7 and 14
        Assert.Equal(5, f["days_since_last_visit"]);        // day 9
        Assert.Equal(3, f["visits_14"]);
        Assert.Equal(2, f["visits_7"]);
        Assert.Equal(1, f["visited_d14"]);
        var late = Features(history, 39, 0);                // day 0 and day 7 are lags 39 and 32: outside the 30-day window
        Assert.Equal(1, late["visits_30"]);
        Assert.Equal(3, late["impressions_total"]);         // accumulated over the whole history
        Assert.Equal(39, late["days_observed"]);
    }

    [Fact]
    public void Events_outside_the_history_or_the_users_are_refused()
    {
        Assert.Throws<ArgumentException>(() => History(1, 2, At(0, 2)));
        Assert.Throws<ArgumentException>(() => History(1, 2, At(1, 0)));
        var history = History(2, 3, At(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Features(history, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Features(history, 4, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Features(history, 1, 2));
    }

    [Fact]
    public void The_active_set_rule_selects_by_threshold_or_top_fraction()
    {
        float[] scores = [0.2f, 0.9f, 0.5f, 0.49f, 0.9f];
        Assert.Equal([1, 2, 4], ActiveSetRule.Default.Select(scores));
        Assert.Equal([1, 4], ActiveSetRule.Top(0.4).Select(scores));
        Assert.Equal([1], ActiveSetRule.Top(0.2).Select(scores)); // tie at 0.9 goes to the lower id
        Assert.Empty(ActiveSetRule.AtLeast(0.95).Select(scores));
    }

    [Fact]
    public void Auc_counts_ties_as_one_half()
    {
        Assert.Equal(1.0, Twofold.Evaluation.Auc.Of([0.1f, 0.9f], [false, true]));
        Assert.Equal(0.0, Twofold.Evaluation.Auc.Of([0.9f, 0.1f], [false, true]));
        Assert.Equal(0.5, Twofold.Evaluation.Auc.Of([0.5f, 0.5f, 0.5f], [false, true, true]));
        Assert.Equal(0.75, Twofold.Evaluation.Auc.Of([0f, 1f, 0.5f, 0.3f], [false, true, false, true]));
    }
}
