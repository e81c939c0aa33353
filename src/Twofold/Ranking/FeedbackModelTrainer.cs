using TorchSharp;
using Twofold.Data;
using Twofold.Models;
using Twofold.Similarity;
using static TorchSharp.torch;

namespace Twofold.Ranking;

/// <summary>
/// Trains a <see cref="FeedbackModel"/> on the impressions of a dataset: <c>Fit(dataset, options) → model</c>.
/// Every binary task is a sigmoid output with binary cross-entropy; watch time is the watched fraction of the
/// duration, clipped to [0, 1], also with binary cross-entropy (soft labels), so its sigmoid output is the expected
/// fraction. Adam; deterministic for a seed (weights, shuffling, context dropout).
/// </summary>
/// <remarks>
/// Class imbalance: each task's mean loss is weighted by ln 2 / H(p_m), H the binary entropy of the task's base rate
/// p_m in the training data, capped at <see cref="FeedbackModelOptions.MaxTaskWeight"/>. H(p_m) is the loss of the
/// constant predictor, so the weight puts every task's loss on a comparable scale and rare tasks (follow, share) still
/// shape the shared experts; unlike positive-class weighting it leaves each task's optimum, and so its calibration,
/// unchanged.
/// <para>Training sets torch's intra-op threads to <see cref="FeedbackModelOptions.Threads"/> (default 1; a process-wide
/// setting, deliberately not restored, so concurrent trainings never switch each other's thread count mid-run):
/// steps of a small network on ~1,000 rows gain nothing from intra-op parallelism, and on a busy machine the
/// OpenMP threads wait for descheduled siblings at every operation (measured: 20 times slower with 2 threads, see
/// docs/ranking.md).</para>
/// </remarks>
public static class FeedbackModelTrainer
{
    public static FeedbackModel Fit(Dataset dataset, FeedbackModelOptions options, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        TorchRuntime.EnsureLoaded();

        var items = dataset.ReadItems();
        var users = dataset.Manifest.Users;
        var creators = dataset.Manifest.Creators;
        if (items.Any(i => (uint)i.Creator.Value >= (uint)creators))
            throw new ArgumentException($"An item's creator is outside the dataset's {creators} creators.");
        var log = dataset.Events;
        // The sample is drawn while the log is read (only it is held): the rows a shuffle of every impression seeded
        // with options.Seed would put first, in log order.
        var samples = FeedbackSamples.Read(log, users, items.Count, options.TrainFrom, options.TrainTo, options.MaxSamples, options.Seed);
        if (samples.Count == 0) throw new ArgumentException("There are no impressions in the training period.");

        RecentUserTimeline? timeline = null;
        NeighborLists? similar = null;
        if (options.ExtraFeatures)
        {
            timeline = RecentUserTimeline.Build(samples, items.Count);
            similar = ContentSimilarity.Compute(items, options.SimilarItems);
        }
        var table = ItemFeatureTable.Build(items, samples, timeline, options.RecentUsers, similar, options.RateSmoothing);
        var config = FeedbackModel.NetworkConfig(options, users, items.Count, creators, table.Genres.Length);
        var model = new FeedbackModel(options, users, creators, table, new MultiTaskNetwork(config, options.Seed));
        torch.set_num_threads(options.Threads);
        try
        {
            Train(model, samples, timeline, options, progress);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    /// <summary>ln 2 / H(p) per task, capped (see the remarks of <see cref="FeedbackModelTrainer"/>).</summary>
    public static float[] TaskWeights(IReadOnlyList<double> baseRates, double cap) =>
        baseRates.Select(p =>
        {
            if (p <= 0 || p >= 1) return 1f;
            var entropy = -(p * Math.Log(p) + (1 - p) * Math.Log(1 - p));
            return (float)Math.Clamp(Math.Log(2) / entropy, 1, cap);
        }).ToArray();

    private static void Train(FeedbackModel model, FeedbackSamples samples, RecentUserTimeline? timeline, FeedbackModelOptions options, IProgress<string>? progress)
    {
        var network = model.Network;
        var tasks = FeedbackSamples.TaskCount;
        using var weights = torch.tensor(TaskWeights(samples.MeanLabels(), options.MaxTaskWeight));
        var random = new Random(options.Seed);
        var order = Enumerable.Range(0, samples.Count).ToArray();
        var copies = options.SampleAugmentation ? 2 : 1;
        var capacity = options.BatchSize * copies;
        var users = new int[capacity];
        var items = new int[capacity];
        var times = new long[capacity];
        var modes = new FeedbackModel.RowMode[capacity];
        var labels = new float[capacity * tasks];

        using var optimizer = torch.optim.Adam(network.parameters(), options.LearningRate);
        network.train();
        try
        {
            for (var epoch = 0; epoch < options.Epochs; epoch++)
            {
                random.Shuffle(order);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                double lossSum = 0;
                var batches = 0;
                for (var start = 0; start < order.Length; start += options.BatchSize)
                {
                    var length = Math.Min(options.BatchSize, order.Length - start);
                    var rows = length * copies;
                    for (var k = 0; k < length; k++)
                    {
                        var s = order[start + k];
                        var dropContext = random.NextDouble() < options.ContextDropout ? FeedbackModel.RowMode.DropContext : FeedbackModel.RowMode.None;
                        for (var copy = 0; copy < copies; copy++)
                        {
                            var r = copy * length + k;
                            users[r] = samples.Users[s];
                            items[r] = samples.Items[s];
                            times[r] = samples.TimesMs[s];
                            modes[r] = dropContext | (copy == 1 ? FeedbackModel.RowMode.DropItem : FeedbackModel.RowMode.None);
                            Array.Copy(samples.Labels, s * tasks, labels, r * tasks, tasks);
                        }
                    }
                    using var buffers = new RentedArrays();
                    var input = model.BuildInput(users.AsSpan(0, rows), items.AsSpan(0, rows), times.AsSpan(0, rows), modes.AsSpan(0, rows), buffers, timeline);
                    using var scope = torch.NewDisposeScope();
                    var logits = network.Forward(input);
                    var target = torch.tensor(labels.AsSpan(0, rows * tasks).ToArray(), [rows, tasks]);
                    var perTask = nn.functional.binary_cross_entropy_with_logits(logits, target, reduction: nn.Reduction.None).mean([0]);
                    var loss = (perTask * weights).sum();
                    optimizer.zero_grad();
                    loss.backward();
                    optimizer.step();
                    lossSum += loss.item<float>();
                    batches++;
                }
                progress?.Report($"epoch {epoch + 1}/{options.Epochs}: mean weighted loss {lossSum / Math.Max(1, batches):F4} ({clock.Elapsed.TotalSeconds:F1} s)");
            }
        }
        finally
        {
            network.eval();
        }
    }
}
