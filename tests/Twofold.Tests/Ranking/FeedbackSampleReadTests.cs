using Twofold.Data;
using Twofold.Ranking;
using Twofold.Tests.Support;
using Twofold.World;
using Xunit;

namespace Twofold.Tests.Ranking;

/// <summary>The rankers' sample, drawn while the log is read.</summary>
public sealed class FeedbackSampleReadTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly Dataset _dataset;

    public FeedbackSampleReadTests()
    {
        WorldGenerator.Generate(new WorldConfig { Users = 300, Creators = 30, Days = 4, Seed = 9 }, _temp.Combine("w"));
        _dataset = Dataset.Open(_temp.Combine("w"));
    }

    public void Dispose() => _temp.Dispose();

    private FeedbackSamples Sample(int? max, int seed, DateOnly? from = null) =>
        FeedbackSamples.Read(_dataset.Events, _dataset.Manifest.Users, _dataset.Manifest.Items, from, null, max, seed);

    [Fact]
    public void The_sample_equals_the_rows_a_shuffle_of_the_whole_log_puts_first_in_log_order()
    {
        var all = FeedbackSamples.Read(_dataset.Events, _dataset.Manifest.Users, _dataset.Manifest.Items);
        Assert.True(all.Count > 2000);
        var rows = Enumerable.Range(0, all.Count).ToArray();
        new Random(7).Shuffle(rows);
        var expected = all.Select(rows.Take(500).Order().ToArray());

        var sample = Sample(500, 7);

        Assert.Equal(expected.Users, sample.Users);
        Assert.Equal(expected.Items, sample.Items);
        Assert.Equal(expected.TimesMs, sample.TimesMs);
        Assert.Equal(expected.Feedback, sample.Feedback);
        Assert.Equal(expected.Labels, sample.Labels);
    }

    [Fact]
    public void The_sample_is_deterministic_for_a_seed_and_spans_the_whole_log()
    {
        var sample = Sample(500, 7);
        Assert.Equal(sample.TimesMs, Sample(500, 7).TimesMs);
        Assert.NotEqual(sample.Users, Sample(500, 8).Users);

        var days = sample.TimesMs.Select(EventLogDays.DayNumber).Distinct().Order().ToArray();
        var logDays = _dataset.Events.Days.Select(EventLogDays.FromDate).ToArray();
        Assert.Equal(logDays, days);
    }

    [Fact]
    public void A_cap_above_the_period_keeps_every_row_and_a_period_counts_only_its_days()
    {
        var all = FeedbackSamples.Read(_dataset.Events, _dataset.Manifest.Users, _dataset.Manifest.Items);
        Assert.Equal(all.TimesMs, Sample(all.Count, 1).TimesMs);
        Assert.Equal(all.TimesMs, Sample(null, 1).TimesMs);

        var last = _dataset.Events.Days.Last();
        var lastDay = Sample(100, 3, from: last);
        Assert.Equal(100, lastDay.Count);
        Assert.All(lastDay.TimesMs, t => Assert.Equal(EventLogDays.FromDate(last), EventLogDays.DayNumber(t)));
    }
}
