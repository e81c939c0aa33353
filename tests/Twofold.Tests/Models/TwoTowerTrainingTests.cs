using Twofold.Data;
using Twofold.Domain;
using Twofold.Models;
using Xunit.Abstractions;

namespace Twofold.Tests.Models;

[Collection(TwoTowerCollection.Name)]
public class TwoTowerTrainingTests(TwoTowerFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public void Validation_recall_clearly_beats_popularity_and_random()
    {
        var r = fixture.Model.Report;
        foreach (var e in r.Epochs) output.WriteLine(e.ToString());
        output.WriteLine($"best epoch {r.BestEpoch}; popularity {r.PopularityUserRecall:F4} / {r.PopularityItemRecall:F4}; " +
                         $"random {r.RandomUserRecall:F4} / {r.RandomItemRecall:F4}");
        Assert.Equal(50, r.RecallK);
        Assert.True(r.TrainPositives > 10_000 && r.ValidationPositives > 500, $"{r.TrainPositives} / {r.ValidationPositives}");
        // Measured for this seed: user side 0.64 vs popularity 0.38 and random 0.04; item side 0.51 vs 0.12 and 0.03.
        Assert.True(r.UserRecall > 1.3 * r.PopularityUserRecall, $"user recall {r.UserRecall} vs popularity {r.PopularityUserRecall}");
        Assert.True(r.UserRecall > 5 * r.RandomUserRecall, $"user recall {r.UserRecall} vs random {r.RandomUserRecall}");
        Assert.True(r.ItemRecall > 2 * r.PopularityItemRecall, $"item recall {r.ItemRecall} vs popularity {r.PopularityItemRecall}");
        Assert.True(r.ItemRecall > 5 * r.RandomItemRecall, $"item recall {r.ItemRecall} vs random {r.RandomItemRecall}");
    }

    [Fact]
    public void Report_records_every_epoch_and_the_held_one()
    {
        var r = fixture.Model.Report;
        Assert.InRange(r.Epochs.Count, 1, TwoTowerFixture.Options.Epochs);
        Assert.InRange(r.BestEpoch, 1, r.Epochs.Count);
        Assert.Equal(Enumerable.Range(1, r.Epochs.Count), r.Epochs.Select(e => e.Epoch));
        Assert.All(r.Epochs, e => Assert.True(double.IsFinite(e.Loss) && e.ExamplesPerSecond > 0));
        Assert.Equal(r.Epochs.Max(e => e.UserRecall), r.UserRecall);
        // Early stopping: training ends at the limit or `Patience` epochs after the best one.
        Assert.True(r.Epochs.Count == TwoTowerFixture.Options.Epochs || r.Epochs.Count == r.BestEpoch + TwoTowerFixture.Options.Patience);
    }

    [Fact]
    public void Exported_embeddings_are_unit_rows_of_the_configured_width()
    {
        var m = fixture.Model;
        Assert.Equal(64, m.Dimension);
        Assert.Equal(fixture.Data.UserCount * 64, m.ExportUserEmbeddings().Length);
        Assert.Equal(fixture.Data.ItemCount * 64, m.ExportItemEmbeddings().Length);
        foreach (var (side, id) in new[] { (Side.User, 0), (Side.User, fixture.Data.UserCount - 1), (Side.Item, 0), (Side.Item, fixture.Data.ItemCount - 1) })
        {
            var row = m.Embedding(side, id);
            Assert.Equal(1.0, Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.Dot(row, row)), 4);
        }
        var score = m.Score([3], [5])[0];
        Assert.Equal(System.Numerics.Tensors.TensorPrimitives.Dot(m.Embedding(Side.User, 3), m.Embedding(Side.Item, 5)), score);
    }

    [Fact]
    public void Same_seed_gives_identical_embeddings_and_another_seed_does_not()
    {
        var options = TwoTowerFixture.Options with { Epochs = 1 };
        var a = TwoTowerTrainer.Fit(fixture.Data, options);
        var b = TwoTowerTrainer.Fit(fixture.Data, options);
        Assert.True(a.UserEmbeddings.Span.SequenceEqual(b.UserEmbeddings.Span));
        Assert.True(a.ItemEmbeddings.Span.SequenceEqual(b.ItemEmbeddings.Span));
        Assert.Equal(a.Report.Epochs[0].Loss, b.Report.Epochs[0].Loss);
        var c = TwoTowerTrainer.Fit(fixture.Data, options with { Seed = 2 });
        Assert.False(a.UserEmbeddings.Span.SequenceEqual(c.UserEmbeddings.Span));
    }

    /// <remarks>
    /// Uncorrected in-batch negatives are sampled in proportion to popularity, so popular items are pushed down too
    /// often and the model learns roughly log p(i|u) − log p(i): it retrieves unpopular items. The correction removes
    /// that bias, so the corrected model retrieves MORE popular items, closer to what users actually engage with, and
    /// recalls far more held-out positives. This is the direction that holds (see docs/models.md).
    /// </remarks>
    [Fact]
    public void Log_q_correction_removes_the_in_batch_bias_against_popular_items()
    {
        var without = TwoTowerTrainer.Fit(fixture.Data, TwoTowerFixture.Options with { LogQCorrection = false });
        var (with, heldOut) = MeanPopularityOfTop(fixture.Model, 50);
        var (plain, _) = MeanPopularityOfTop(without, 50);
        output.WriteLine($"mean training count: top-50 with log-Q {with:F1}, without {plain:F1}; held-out positives {heldOut:F1}");
        output.WriteLine($"user recall with log-Q {fixture.Model.Report.UserRecall:F4}, without {without.Report.UserRecall:F4}");
        // Measured for this seed: 227 vs 11 (held-out positives 635); recall 0.64 vs 0.31.
        Assert.True(plain < 0.5 * heldOut, $"without log-Q {plain}, held-out {heldOut}");
        Assert.True(Math.Abs(with - heldOut) < Math.Abs(plain - heldOut), $"with {with}, without {plain}, held-out {heldOut}");
        Assert.True(fixture.Model.Report.UserRecall > 1.5 * without.Report.UserRecall);
    }

    [Fact]
    public void Random_negatives_and_a_single_direction_train()
    {
        var data = Tiny();
        foreach (var options in new[]
                 {
                     new TwoTowerOptions { RandomNegatives = 16, BatchSize = 32, Epochs = 2, ValidationDays = 0, EmbeddingDim = 8, HiddenDim = 8, OutputDim = 4, Threads = 1 },
                     new TwoTowerOptions { Directions = TwoTowerDirections.ItemToUser, BatchSize = 32, Epochs = 1, ValidationDays = 0, OutputDim = 4, Threads = 1 },
                 })
        {
            var model = TwoTowerTrainer.Fit(data, options);
            Assert.All(model.Report.Epochs, e => Assert.True(double.IsFinite(e.Loss)));
            Assert.True(double.IsNaN(model.Report.UserRecall));
            Assert.Equal(model.Report.Epochs.Count, model.Report.BestEpoch);
            Assert.Equal(20 * 4, model.UserEmbeddings.Length);
        }
    }

    /// <summary>
    /// Mean training positive count of the items each validation user gets in its top k (training items excluded), and
    /// of the held-out positive items themselves.
    /// </summary>
    private (double Retrieved, double HeldOut) MeanPopularityOfTop(TwoTowerModel model, int k)
    {
        var counts = new int[fixture.Data.ItemCount];
        var events = fixture.Data.Events;
        var cut = model.Report.ValidationFromDay!.Value;
        var seen = new HashSet<(int, int)>();
        var users = new HashSet<int>();
        var heldOut = new List<int>();
        for (var r = 0; r < events.Count; r++)
        {
            if ((events.Feedback[r] & model.Options.Positive) == 0) continue;
            if (EventLogDays.DayNumber(events.TimesMs[r]) < cut)
            {
                counts[events.Items[r]]++;
                seen.Add((events.Users[r], events.Items[r]));
            }
            else
            {
                users.Add(events.Users[r]);
                heldOut.Add(events.Items[r]);
            }
        }
        double sum = 0;
        var n = 0;
        var scores = new float[fixture.Data.ItemCount];
        foreach (var u in users)
        {
            var query = model.Embedding(Side.User, u);
            for (var i = 0; i < scores.Length; i++)
                scores[i] = seen.Contains((u, i)) ? float.NegativeInfinity : System.Numerics.Tensors.TensorPrimitives.Dot(query, model.Embedding(Side.Item, i));
            foreach (var i in Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(k))
            {
                sum += counts[i];
                n++;
            }
        }
        return (sum / n, heldOut.Average(i => (double)counts[i]));
    }

    /// <summary>20 users, 30 items (3 creators, 2 genres), 200 likes on one day.</summary>
    [Fact]
    public void A_cap_on_positives_per_epoch_trains_a_seeded_sample_of_that_size_and_a_cap_above_the_total_changes_nothing()
    {
        var data = Tiny(); // 200 positives
        var options = new TwoTowerOptions { EmbeddingDim = 8, HiddenDim = 8, OutputDim = 8, BatchSize = 16, Epochs = 3, ValidationDays = 0, Threads = 1 };
        var all = TwoTowerTrainer.Fit(data, options);
        var above = TwoTowerTrainer.Fit(data, options with { MaxPositivesPerEpoch = 200 });
        Assert.True(all.UserEmbeddings.Span.SequenceEqual(above.UserEmbeddings.Span));
        Assert.True(all.ItemEmbeddings.Span.SequenceEqual(above.ItemEmbeddings.Span));

        var capped = TwoTowerTrainer.Fit(data, options with { MaxPositivesPerEpoch = 64 });
        var again = TwoTowerTrainer.Fit(data, options with { MaxPositivesPerEpoch = 64 });
        Assert.All(capped.Report.Epochs, e => Assert.Equal(64, e.ExamplesPerSecond * e.TrainSeconds, 3));
        Assert.All(all.Report.Epochs, e => Assert.Equal(200, e.ExamplesPerSecond * e.TrainSeconds, 3));
        Assert.True(capped.UserEmbeddings.Span.SequenceEqual(again.UserEmbeddings.Span));
        Assert.False(capped.UserEmbeddings.Span.SequenceEqual(all.UserEmbeddings.Span));
        Assert.Equal(200, capped.Report.TrainPositives);
    }

    internal static TwoTowerData Tiny()
    {
        var random = new Random(5);
        var events = new InteractionBatch([]);
        for (var k = 0; k < 200; k++)
            events.Add(new Interaction(new UserId(random.Next(20)), new ItemId(random.Next(30)), 1_000, 0, 0, Feedback.Like));
        return new TwoTowerData(20, Enumerable.Range(0, 30).Select(i => i % 3).ToArray(), 3,
            Enumerable.Range(0, 30).Select(i => i % 2).ToArray(), 2, events);
    }
}
