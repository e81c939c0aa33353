using Twofold.Domain;
using Twofold.World;
using Xunit.Abstractions;

namespace Twofold.Tests.World;

/// <summary>The phenomena the synthetic world must show (DESIGN "The synthetic world"), measured on small worlds.</summary>
[Collection(WorldCollection.Name)]
public class WorldPhenomenaTests(WorldFixture worlds, ITestOutputHelper output)
{
    [Fact]
    public void Completion_falls_and_watch_time_rises_with_duration()
    {
        var e = worlds.Default.Events;
        var clicked = Enumerable.Range(0, e.Count).Where(r => (e.Feedback[r] & Feedback.Click) != 0).OrderBy(r => e.DurationsMs[r]).ToArray();
        var quartiles = clicked.Chunk((clicked.Length + 3) / 4).Select(rows => (
            Duration: rows.Average(r => e.DurationsMs[r] / 1000.0),
            Completion: rows.Average(r => (double)e.WatchesMs[r] / e.DurationsMs[r]),
            Watch: rows.Average(r => e.WatchesMs[r] / 1000.0))).ToArray();
        foreach (var q in quartiles) output.WriteLine($"duration {q.Duration:F1} s: completion {q.Completion:F3}, watch {q.Watch:F1} s");
        for (var i = 1; i < 4; i++)
        {
            Assert.True(quartiles[i].Completion < quartiles[i - 1].Completion, $"completion rises from quartile {i} to {i + 1}");
            Assert.True(quartiles[i].Watch > quartiles[i - 1].Watch, $"watch time falls from quartile {i} to {i + 1}");
        }
    }

    [Fact]
    public void Explicit_feedback_is_rare_and_follows_each_users_propensity()
    {
        var w = worlds.Default;
        var e = w.Events;
        double Rate(Feedback kind) => Enumerable.Range(0, e.Count).Count(r => (e.Feedback[r] & kind) != 0) / (double)e.Count;
        var click = Rate(Feedback.Click);
        output.WriteLine($"per impression: click {click:F3}, like {Rate(Feedback.Like):F4}, comment {Rate(Feedback.Comment):F4}, " +
                         $"follow {Rate(Feedback.Follow):F4}, share {Rate(Feedback.Share):F4}, effective view {Rate(Feedback.EffectiveView):F3}");
        Assert.InRange(click, 0.2, 0.8);
        foreach (var kind in new[] { Feedback.Like, Feedback.Comment, Feedback.Follow, Feedback.Share })
            Assert.True(Rate(kind) < click / 10, $"{kind} is not rare");

        var clicks = new int[w.Config.Users];
        var likes = new int[w.Config.Users];
        for (var r = 0; r < e.Count; r++)
        {
            if ((e.Feedback[r] & Feedback.Click) != 0) clicks[e.Users[r]]++;
            if ((e.Feedback[r] & Feedback.Like) != 0) likes[e.Users[r]]++;
        }
        var users = Enumerable.Range(0, w.Config.Users).Where(u => clicks[u] >= 50).ToArray();
        var observed = users.Select(u => (double)likes[u] / clicks[u]).ToArray();
        var truth = users.Select(u => (double)w.Truth.Users.PropensityOf(u, UserPopulation.Like)).ToArray();
        var correlation = Stats.Pearson(observed, truth);
        output.WriteLine($"{users.Length} users with ≥ 50 clicks: corr(like rate, θ_like) = {correlation:F3}");
        Assert.True(correlation > 0.5, $"like rate barely follows the propensity (r = {correlation:F3})");
    }

    [Fact]
    public void Popularity_only_exposure_is_heavy_tailed_and_starves_small_creators_new_items()
    {
        var w = worlds.PopularityOnly;
        var e = w.Events;
        var exposures = new double[w.Items.Count];
        var early = new double[w.Items.Count];
        for (var r = 0; r < e.Count; r++)
        {
            var item = e.Items[r];
            exposures[item]++;
            var age = w.DayOf(r) - w.DayOfItem(w.Items[item]);
            if (age is >= 0 and < 3) early[item]++;
        }
        var gini = Stats.Gini(exposures);
        var followers = w.Truth.Creators.Followers;
        var ranked = Enumerable.Range(0, w.Config.Creators).OrderByDescending(c => followers[c]).ToArray();
        var large = ranked.Take(w.Config.Creators / 10).ToHashSet();
        var small = ranked.Skip(w.Config.Creators / 2).ToHashSet();
        var newItems = w.Items.Where(i => w.DayOfItem(i) is >= 0 and < 37).ToArray();
        var largeMean = newItems.Where(i => large.Contains(i.Creator.Value)).Average(i => early[i.Id.Value]);
        var smallMean = newItems.Where(i => small.Contains(i.Creator.Value)).Average(i => early[i.Id.Value]);
        output.WriteLine($"Gini of item exposure {gini:F3}; impressions in first 3 days of a new item: top-10% creators {largeMean:F1}, bottom-50% {smallMean:F2}");
        Assert.True(gini > 0.8, $"exposure Gini {gini:F3}");
        Assert.True(largeMean > 10 * smallMean, $"large {largeMean:F1} vs small {smallMean:F2}");

        var defaultGini = Stats.Gini(Count(worlds.Default));
        output.WriteLine($"Gini of item exposure under the default (mixed) logging recommender: {defaultGini:F3}");
    }

    private static double[] Count(GeneratedWorld w)
    {
        var counts = new double[w.Items.Count];
        for (var r = 0; r < w.Events.Count; r++) counts[w.Events.Items[r]]++;
        return counts;
    }

    [Fact]
    public void The_last_30_days_of_visits_predict_tomorrow()
    {
        var w = worlds.Default;
        var visits = w.Visits();
        var days = w.Config.Days;
        var users = w.Config.Users;
        var daily = Enumerable.Range(0, days).Select(d => Enumerable.Range(0, users).Count(u => visits[u, d]) / (double)users).ToArray();
        var mean = daily.Average();

        double[] Features(int u, int t)
        {
            double last30 = 0, last7 = 0;
            for (var d = t - 30; d < t; d++) if (visits[u, d]) last30++;
            for (var d = t - 7; d < t; d++) if (visits[u, d]) last7++;
            return [last30 / 30, last7 / 7, visits[u, t - 1] ? 1 : 0, visits[u, t - 7] ? 1 : 0];
        }
        List<double[]> trainX = [], testX = [];
        List<bool> trainY = [], testY = [];
        for (var t = 30; t < days; t++)
            for (var u = 0; u < users; u++)
            {
                (t < 35 ? trainX : testX).Add(Features(u, t));
                (t < 35 ? trainY : testY).Add(visits[u, t]);
            }
        var model = Stats.FitLogistic(trainX, trainY);
        var auc = Stats.Auc(testX.Select(x => Stats.Predict(model, x)).ToArray(), testY);
        output.WriteLine($"mean daily visit rate {mean:F3} (days range {daily.Min():F3}..{daily.Max():F3}); AUC of next-day visit from 30-day history {auc:F3}");
        Assert.InRange(mean, 0.22, 0.38);
        Assert.True(auc >= 0.75, $"AUC {auc:F3}");
    }

    [Fact]
    public void Creators_post_more_after_days_with_more_engagement()
    {
        var w = worlds.Default;
        var creators = w.Config.Creators;
        var days = w.Config.Days;
        var engagement = new double[creators, days];
        var posted = new bool[creators, days];
        for (var r = 0; r < w.Events.Count; r++)
        {
            var f = w.Events.Feedback[r];
            var weight = ((f & Feedback.Like) != 0 ? 1 : 0) + ((f & Feedback.Comment) != 0 ? 1 : 0);
            if (weight > 0) engagement[w.Items[w.Events.Items[r]].Creator.Value, w.DayOf(r)] += weight;
        }
        foreach (var item in w.Items)
            if (w.DayOfItem(item) is var d && d >= 0) posted[item.Creator.Value, d] = true;

        // Within each creator, compare posting after their above-median and below-median engagement days.
        var differences = new List<double>();
        double afterHigh = 0, afterLow = 0, highDays = 0, lowDays = 0;
        for (var c = 0; c < creators; c++)
        {
            var series = Enumerable.Range(0, days - 1).Select(d => engagement[c, d]).ToArray();
            var median = series.OrderBy(x => x).ElementAt(series.Length / 2);
            var high = Enumerable.Range(0, days - 1).Where(d => series[d] > median).ToArray();
            var low = Enumerable.Range(0, days - 1).Where(d => series[d] <= median).ToArray();
            if (high.Length < 5 || low.Length < 5) continue;
            var h = high.Average(d => posted[c, d + 1] ? 1.0 : 0);
            var l = low.Average(d => posted[c, d + 1] ? 1.0 : 0);
            differences.Add(h - l);
            afterHigh += high.Sum(d => posted[c, d + 1] ? 1.0 : 0);
            highDays += high.Length;
            afterLow += low.Sum(d => posted[c, d + 1] ? 1.0 : 0);
            lowDays += low.Length;
        }
        output.WriteLine($"{differences.Count} creators: P(post tomorrow) after high-engagement days {afterHigh / highDays:F3}, " +
                         $"after low {afterLow / lowDays:F3}; mean within-creator difference {differences.Average():F3}");
        Assert.True(differences.Count >= 20);
        Assert.True(differences.Average() > 0.02, $"mean difference {differences.Average():F3}");
    }

    [Fact]
    public void Expected_responses_match_sampled_responses()
    {
        var truth = worlds.Default.Truth;
        var state = WorldGenerator.CreateState(truth.Config);
        var model = new ResponseModel(truth.Config.Responses, truth.Users, truth.Items);
        foreach (var (user, item) in new[] { (0, 0), (5, 17), (42, 100), (1999, 3) })
        {
            var expected = model.Expect(user, item);
            var rng = new WorldRandom(7, WorldRandom.Purpose.Feed, user, item);
            const int n = 40_000;
            double clicks = 0, likes = 0, effective = 0, watch = 0;
            for (var i = 0; i < n; i++)
            {
                var f = model.Sample(user, item, ref rng, out var w);
                if ((f & Feedback.Click) != 0) clicks++;
                if ((f & Feedback.Like) != 0) likes++;
                if ((f & Feedback.EffectiveView) != 0) effective++;
                watch += w;
            }
            Assert.InRange(clicks / n, expected.Click - 0.015, expected.Click + 0.015);
            Assert.InRange(likes / n, expected.Like - 0.01, expected.Like + 0.01);
            Assert.InRange(effective / n, expected.EffectiveView - 0.015, expected.EffectiveView + 0.015);
            Assert.InRange(watch / n, expected.WatchMs * 0.95 - 50, expected.WatchMs * 1.05 + 50);
        }
        Assert.Equal(truth.Users.Taste, state.Users.Taste);
    }
}
