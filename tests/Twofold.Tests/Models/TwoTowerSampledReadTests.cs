using Twofold.Data;
using Twofold.Domain;
using Twofold.Models;
using Twofold.Tests.Support;
using Twofold.World;
using Xunit;

namespace Twofold.Tests.Models;

/// <summary>A capped two-tower fit reads only its sample of the log.</summary>
public sealed class TwoTowerSampledReadTests : IDisposable
{
    private static readonly TwoTowerOptions Options = new()
    {
        EmbeddingDim = 8, HiddenDim = 8, OutputDim = 8, BatchSize = 64, Epochs = 1, ValidationDays = 0, MaxPositivesPerEpoch = 300, Threads = 1,
    };

    private readonly TempDirectory _temp = new();
    private readonly Dataset _dataset;

    public TwoTowerSampledReadTests()
    {
        WorldGenerator.Generate(new WorldConfig { Users = 300, Creators = 30, Days = 4, Seed = 9 }, _temp.Combine("w"));
        _dataset = Dataset.Open(_temp.Combine("w"));
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void One_capped_epoch_on_the_sample_equals_one_on_the_whole_log()
    {
        var whole = TwoTowerData.FromDataset(_dataset);
        var sampled = TwoTowerData.FromDataset(_dataset, Options);
        Assert.Equal(300, sampled.Events.Count);
        var positives = Enumerable.Range(0, whole.Events.Count).Count(r => (whole.Events.Feedback[r] & Options.Positive) != 0);
        Assert.True(positives > 3 * sampled.Events.Count, $"{positives} positives");

        var train = Enumerable.Range(0, whole.Events.Count).Where(r => (whole.Events.Feedback[r] & Options.Positive) != 0).ToArray();
        new Random(unchecked((int)(Options.Seed * 31 + 7))).Shuffle(train);
        Assert.Equal(train.Take(300).Select(r => whole.Events.Users[r]), sampled.Events.Users.ToArray());
        Assert.Equal(train.Take(300).Select(r => whole.Events.Items[r]), sampled.Events.Items.ToArray());
        var expected = TwoTowerTrainer.Fit(whole, Options);
        var actual = TwoTowerTrainer.Fit(sampled, Options);

        Assert.True(expected.UserEmbeddings.Span.SequenceEqual(actual.UserEmbeddings.Span));
        Assert.True(expected.ItemEmbeddings.Span.SequenceEqual(actual.ItemEmbeddings.Span));
        Assert.Equal(expected.Report.TrainPositives, actual.Report.TrainPositives);
    }

    [Fact]
    public void The_sample_holds_distinct_positives_from_the_whole_log_for_every_epoch_and_is_deterministic()
    {
        var options = Options with { Epochs = 3, MaxPositivesPerEpoch = 200 };
        var sampled = TwoTowerData.FromDataset(_dataset, options);
        var again = TwoTowerData.FromDataset(_dataset, options);
        var events = sampled.Events;
        Assert.Equal(600, events.Count);
        Assert.Equal(events.Users.ToArray(), again.Events.Users.ToArray());
        Assert.Equal(events.TimesMs.ToArray(), again.Events.TimesMs.ToArray());
        Assert.All(events.Feedback.ToArray(), f => Assert.NotEqual(Feedback.None, f & options.Positive));
        var rows = Enumerable.Range(0, events.Count).Select(r => (events.Users[r], events.Items[r], events.TimesMs[r])).ToList();
        Assert.Equal(rows.Count, rows.Distinct().Count());
        var days = events.TimesMs.ToArray().Select(EventLogDays.DayNumber).Distinct().Order();
        Assert.Equal(_dataset.Events.Days.Select(EventLogDays.FromDate), days);

        var model = TwoTowerTrainer.Fit(sampled, options);
        Assert.Equal(3, model.Report.Epochs.Count);
        Assert.All(model.Report.Epochs, e => Assert.Equal(200, e.ExamplesPerSecond * e.TrainSeconds, 3));
        var whole = TwoTowerData.FromDataset(_dataset);
        var positives = Enumerable.Range(0, whole.Events.Count).Count(r => (whole.Events.Feedback[r] & options.Positive) != 0);
        Assert.Equal(positives, model.Report.TrainPositives);
    }

    [Fact]
    public void Validation_or_a_cap_above_the_positives_reads_the_whole_log()
    {
        var whole = TwoTowerData.FromDataset(_dataset).Events.Count;
        Assert.Equal(whole, TwoTowerData.FromDataset(_dataset, Options with { ValidationDays = 1 }).Events.Count);
        Assert.Equal(whole, TwoTowerData.FromDataset(_dataset, Options with { MaxPositivesPerEpoch = 1_000_000 }).Events.Count);
        Assert.Equal(whole, TwoTowerData.FromDataset(_dataset, Options with { MaxPositivesPerEpoch = null }).Events.Count);
    }
}
