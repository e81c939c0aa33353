using Twofold.Evaluation;
using Twofold.Ranking;

namespace Twofold.Tests.Ranking;

[Collection(FeedbackModelCollection.Name)]
public class FeedbackModelTests(FeedbackModelFixture fixture)
{
    private static readonly int T = FeedbackSamples.TaskCount;

    [Fact]
    public void Held_out_like_and_effective_view_are_ranked_well_above_chance_and_above_item_popularity()
    {
        var test = fixture.Test;
        var predictions = fixture.Model.Predict(test.Users, test.Items, test.TimesMs);
        Assert.Equal(test.Count * T, predictions.Length);
        Assert.All(predictions, p => Assert.InRange(p, 0f, 1f));

        var figures = RankingEvaluation.Figures("all", predictions, test, _ => true);
        var popularity = RankingEvaluation.Figures("all", ItemPopularity(), test, _ => true);
        foreach (var task in new[] { FeedbackTask.Like, FeedbackTask.EffectiveView })
        {
            var auc = figures.Of(task).Auc;
            Assert.True(auc > 0.6, $"{task}: AUC {auc:F3}");
            Assert.True(auc > popularity.Of(task).Auc, $"{task}: AUC {auc:F3} vs item popularity {popularity.Of(task).Auc:F3}");
        }
        // Calibrated on average: the mean prediction is within a third of the observed rate for the common tasks.
        foreach (var task in new[] { FeedbackTask.Like, FeedbackTask.EffectiveView, FeedbackTask.WatchTime })
            Assert.InRange(figures.Of(task).MeanPredicted, figures.Of(task).Observed / 1.33, figures.Of(task).Observed * 1.33);
    }

    [Fact]
    public void With_sample_augmentation_items_unknown_to_the_model_are_predicted_better_than_the_global_rate()
    {
        var test = fixture.Test;
        var cold = fixture.Model.PredictAsUnknownItems(test.Users, test.Items, test.TimesMs);
        var global = fixture.Training.MeanLabels();
        var constant = new float[test.Count * T];
        for (var r = 0; r < test.Count; r++)
            for (var m = 0; m < T; m++) constant[r * T + m] = (float)global[m];
        foreach (var task in new[] { FeedbackTask.Like, FeedbackTask.EffectiveView })
        {
            var auc = RankingEvaluation.Figures("all", cold, test, _ => true).Of(task).Auc;
            Assert.True(auc > 0.58, $"{task}: AUC {auc:F3} of cold-start predictions");
            Assert.True(LogLoss(cold, test, task) < LogLoss(constant, test, task), $"{task}: log loss not below the global rate's");
        }

        // Items uploaded on the held-out day have no training impressions: they take the unknown-item row.
        var newItems = Enumerable.Range(0, test.Count).Where(r => fixture.Model.ItemTable.TrainingImpressions[test.Items[r]] == 0).ToArray();
        Assert.NotEmpty(newItems);
        var users = newItems.Select(r => test.Users[r]).ToArray();
        var items = newItems.Select(r => test.Items[r]).ToArray();
        var times = newItems.Select(r => test.TimesMs[r]).ToArray();
        Assert.Equal(fixture.Model.PredictAsUnknownItems(users, items, times), fixture.Model.Predict(users, items, times));
    }

    [Fact]
    public void The_candidate_users_of_an_item_scored_together_score_as_each_pair_alone()
    {
        // Many users for few items: the model groups the rows by item and computes the item's inputs once.
        var users = Enumerable.Range(0, 120).ToArray();
        var items = users.Select(u => 3 + u % 2).ToArray();
        var together = fixture.Model.Predict(users, items);
        for (var r = 0; r < users.Length; r++)
        {
            var alone = fixture.Model.Predict([users[r]], [items[r]]);
            for (var m = 0; m < T; m++) Assert.Equal(alone[m], together[r * T + m], 1e-5f);
        }
    }

    [Theory]
    [InlineData(8, 2, true)]
    [InlineData(8, 4, true)]
    [InlineData(8, 5, false)]
    [InlineData(1, 1, false)]
    public void Rows_are_grouped_by_item_only_when_the_groups_are_at_most_half_the_rows(int rows, int distinctItems, bool grouped)
    {
        var users = Enumerable.Range(0, rows).ToArray();
        var items = users.Select(u => 3 + u % distinctItems).ToArray();
        using var buffers = new RentedArrays();
        var input = fixture.Model.BuildInput(users, items, ReadOnlySpan<long>.Empty, ReadOnlySpan<FeedbackModel.RowMode>.Empty, buffers);
        Assert.Equal(grouped, input.Groups is not null);
        if (grouped) Assert.Equal(distinctItems, input.Groups!.Count);
    }

    [Fact]
    public void Predictions_written_into_a_buffer_are_those_returned_and_a_buffer_of_the_wrong_size_is_refused()
    {
        var users = Enumerable.Range(0, 300).ToArray();
        var items = users.Select(u => (u * 7) % fixture.Model.Items).ToArray();
        var expected = fixture.Model.Predict(users, items);
        // A reused buffer holding the previous call's values: every value is overwritten.
        var buffer = Enumerable.Repeat(float.NaN, users.Length * T).ToArray();
        fixture.Model.Predict(users, items, buffer);
        Assert.Equal(expected, buffer);
        IFeedbackPredictor predictor = fixture.Model;
        Assert.Throws<ArgumentException>(() => predictor.Predict(users, items, new float[users.Length * T - 1]));
    }

    [Fact]
    public void Threads_predicting_at_once_get_what_one_thread_gets()
    {
        var test = fixture.Test;
        var rows = Math.Min(400, test.Count);
        var requests = Enumerable.Range(0, 8).Select(k =>
        {
            var pick = Enumerable.Range(0, rows).Select(r => (r * 7 + k * 13) % test.Count).ToArray();
            return (Users: pick.Select(r => test.Users[r]).ToArray(), Items: pick.Select(r => k % 2 == 0 ? test.Items[r] : test.Items[pick[0]]).ToArray());
        }).ToArray();
        var expected = requests.Select(q => fixture.Model.Predict(q.Users, q.Items)).ToArray();
        // Four threads, each allocating garbage between calls so collections (and finalizers) run during the forwards.
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, thread =>
        {
            for (var round = 0; round < 40; round++)
            {
                var k = (thread + round) % requests.Length;
                if (!fixture.Model.Predict(requests[k].Users, requests[k].Items).SequenceEqual(expected[k])) failures.Add($"thread {thread} round {round}");
                _ = Enumerable.Range(0, 2_000).Select(i => new byte[256]).ToList();
            }
        });
        Assert.Empty(failures);
    }

    [Fact]
    public void A_call_of_many_batches_predicts_each_batch_as_a_call_of_its_own()
    {
        // 2,500 pairs: three batches of the model's 1,024 rows, which run in parallel; each must land in its own rows.
        var test = fixture.Test;
        var pick = Enumerable.Range(0, 2_500).Select(r => (r * 11) % test.Count).ToArray();
        var users = pick.Select(r => test.Users[r]).ToArray();
        var items = pick.Select(r => test.Items[r]).ToArray();
        var tasks = fixture.Model.Tasks.Count;
        var whole = fixture.Model.Predict(users, items);
        for (var start = 0; start < pick.Length; start += 1_024)
        {
            var length = Math.Min(1_024, pick.Length - start);
            var alone = fixture.Model.Predict(users.AsSpan(start, length), items.AsSpan(start, length));
            Assert.Equal(alone, whole.AsSpan(start * tasks, length * tasks).ToArray());
        }

        // On the caller's thread alone, the same batches in turn give the same rows.
        var model = fixture.Model;
        try
        {
            model.PredictionThreads = 1;
            Assert.Equal(whole, model.Predict(users, items));
            using var view = model.WithCatalogue(fixture.Dataset.ReadItems());
            Assert.Equal(1, view.PredictionThreads);
        }
        finally
        {
            model.PredictionThreads = Environment.ProcessorCount;
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => model.PredictionThreads = 0);
    }

    [Fact]
    public void Save_and_load_give_identical_predictions_and_damaged_files_are_refused()
    {
        var path = fixture.TempPath("model.bin");
        fixture.Model.Save(path);
        using var loaded = FeedbackModel.Load(path);
        var test = fixture.Test;
        Assert.Equal(fixture.Model.Predict(test.Users, test.Items, test.TimesMs), loaded.Predict(test.Users, test.Items, test.TimesMs));
        Assert.Equal(fixture.Model.Predict(test.Users, test.Items), loaded.Predict(test.Users, test.Items));
        Assert.Equal(fixture.Options, loaded.Options);

        var bytes = File.ReadAllBytes(path);
        var flipped = (byte[])bytes.Clone();
        flipped[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(path + ".flipped", flipped);
        Assert.Contains("checksum", Assert.Throws<InvalidDataException>(() => FeedbackModel.Load(path + ".flipped")).Message);
        File.WriteAllBytes(path + ".short", bytes[..(bytes.Length - 100)]);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => FeedbackModel.Load(path + ".short")).Message);
        var version = (byte[])bytes.Clone();
        version[4] = 99;
        File.WriteAllBytes(path + ".version", version);
        Assert.Contains("version 99", Assert.Throws<InvalidDataException>(() => FeedbackModel.Load(path + ".version")).Message);
        File.WriteAllText(path + ".text", "not a model at all, just some text that is long enough");
        Assert.Contains("not a feedback model", Assert.Throws<InvalidDataException>(() => FeedbackModel.Load(path + ".text")).Message);
    }

    [Theory]
    [InlineData(-1, 0, "users")]
    [InlineData(1500, 0, "users")]
    [InlineData(0, -1, "items")]
    [InlineData(0, int.MaxValue, "items")]
    public void Ids_outside_the_tables_are_rejected_and_the_process_keeps_predicting(int user, int item, string param)
    {
        var e = Assert.Throws<ArgumentException>(() => fixture.Model.Predict([0, user], [1, item]));
        Assert.Equal(param, e.ParamName);
        Assert.Equal(2 * T, fixture.Model.Predict([0, 1], [1, 2]).Length);
    }

    [Fact]
    public void Unequal_lengths_are_rejected_and_the_process_keeps_predicting()
    {
        Assert.Equal("items", Assert.Throws<ArgumentException>(() => fixture.Model.Predict([0, 1, 2], [0, 1])).ParamName);
        Assert.Equal("timesMs", Assert.Throws<ArgumentException>(() => fixture.Model.Predict([0, 1], [0, 1], [0L])).ParamName);
        Assert.Empty(fixture.Model.Predict([], []));
        Assert.Equal(T, fixture.Model.Predict([3], [4]).Length);
        Assert.Equal(FeedbackTasks.All, fixture.Model.Tasks);
    }

    private float[] ItemPopularity()
    {
        var training = fixture.Training;
        var global = training.MeanLabels();
        var sums = new double[fixture.Dataset.Manifest.Items * T];
        var counts = new int[fixture.Dataset.Manifest.Items];
        for (var r = 0; r < training.Count; r++)
        {
            counts[training.Items[r]]++;
            for (var m = 0; m < T; m++) sums[training.Items[r] * T + m] += training.Labels[r * T + m];
        }
        var test = fixture.Test;
        var predictions = new float[test.Count * T];
        for (var r = 0; r < test.Count; r++)
            for (var m = 0; m < T; m++)
                predictions[r * T + m] = (float)((sums[test.Items[r] * T + m] + 20 * global[m]) / (counts[test.Items[r]] + 20));
        return predictions;
    }

    private static double LogLoss(float[] predictions, FeedbackSamples test, FeedbackTask task)
    {
        double loss = 0;
        for (var r = 0; r < test.Count; r++)
        {
            var p = Math.Clamp(predictions[r * T + (int)task], 1e-6, 1 - 1e-6);
            var y = test.Labels[r * T + (int)task];
            loss -= y * Math.Log(p) + (1 - y) * Math.Log(1 - p);
        }
        return loss / test.Count;
    }
}
