using System.Diagnostics;
using TorchSharp;
using Twofold.Data;
using Twofold.Domain;
using static TorchSharp.torch;

namespace Twofold.Models;

/// <summary>
/// Trains a <see cref="TwoTowerModel"/> (DualRec §3.2.2): both towers are learned together from positive interactions
/// with in-batch sampled softmax and log-Q correction (<see cref="SampledSoftmax"/>), by Adam, with a time-split
/// validation after each epoch and early stopping on recall@K. See docs/models.md.
/// </summary>
/// <remarks>
/// Deterministic for a seed and a torch thread count: weights are initialised and batches shuffled and negatives drawn
/// from <see cref="Random"/> instances seeded by <see cref="TwoTowerOptions.Seed"/>, never from torch's global generator.
/// The CPU kernels used are deterministic for a fixed thread count; set <see cref="TwoTowerOptions.Threads"/> to pin it.
/// </remarks>
public static class TwoTowerTrainer
{
    public static TwoTowerModel Fit(TwoTowerData data, TwoTowerOptions? options = null, Action<TwoTowerEpoch>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= new TwoTowerOptions();
        options.Validate();
        var split = TwoTowerSplit.Create(data, options);
        TorchRuntime.EnsureLoaded();
        var previousThreads = torch.get_num_threads();
        if (options.Threads is { } threads) torch.set_num_threads(threads);
        try
        {
            return Train(data, options, split, progress);
        }
        finally
        {
            if (options.Threads is not null) torch.set_num_threads(previousThreads);
        }
    }

    private static TwoTowerModel Train(TwoTowerData data, TwoTowerOptions options, TwoTowerSplit split, Action<TwoTowerEpoch>? progress)
    {
        using var network = new TwoTowerNetwork(data, options);
        var parameters = network.parameters().ToList();
        using var adam = torch.optim.Adam(parameters, lr: options.LearningRate);
        var batchSize = Math.Min(options.BatchSize, split.TrainPositives);
        using var itemLogQ = torch.tensor(LogQ(split.ItemCounts, split.TrainPositives, batchSize, options));
        using var userLogQ = torch.tensor(LogQ(split.UserCounts, split.TrainPositives, batchSize, options));
        var shuffle = new Random(ShuffleSeed(options));
        var order = (int[])split.TrainRows.Clone();
        // A sampled read holds the first slots of the shuffle of every positive, in slot order: epoch e trains on its
        // e-th run of MaxPositivesPerEpoch rows, and the generator goes on from where that shuffle left it, as a fit on the
        // whole log does after its first shuffle.
        var sample = data.Sample;
        if (sample is not null) ShuffledPrefix.Skip(shuffle, sample.TrainPositives);
        var users = new long[batchSize];
        var items = new long[batchSize];
        var negatives = new long[options.RandomNegatives];

        var epochs = new List<TwoTowerEpoch>();
        var best = (Recall: double.NegativeInfinity, Epoch: 0, Users: Array.Empty<float>(), Items: Array.Empty<float>(),
            Parameters: (IReadOnlyList<TwoTowerParameter>)[]);
        var sinceBest = 0;
        for (var epoch = 1; epoch <= options.Epochs; epoch++)
        {
            if (sample is null) shuffle.Shuffle(order);
            var clock = Stopwatch.StartNew();
            double lossSum = 0;
            long trained = 0;
            var first = sample is null ? 0 : Math.Min(order.Length, (epoch - 1) * sample.PerEpoch);
            var epochRows = Math.Min(order.Length - first, options.MaxPositivesPerEpoch ?? int.MaxValue);
            for (var start = 0; start + 2 <= epochRows; start += batchSize)
            {
                var n = Math.Min(batchSize, epochRows - start);
                for (var k = 0; k < n; k++)
                {
                    users[k] = data.Events.Users[order[first + start + k]];
                    items[k] = data.Events.Items[order[first + start + k]];
                }
                using var scope = torch.NewDisposeScope();
                Tensor u = torch.tensor(users.AsSpan(0, n).ToArray());
                Tensor i = torch.tensor(items.AsSpan(0, n).ToArray());
                Tensor eu = network.EmbedUnchecked(Side.User, u);
                Tensor ei = network.EmbedUnchecked(Side.Item, i);
                Tensor? loss = null;
                if (options.Directions.HasFlag(TwoTowerDirections.UserToItem))
                    loss = DirectionLoss(network, Side.Item, eu, ei, i, itemLogQ, data.ItemCount, negatives, shuffle, options);
                if (options.Directions.HasFlag(TwoTowerDirections.ItemToUser))
                {
                    var l = DirectionLoss(network, Side.User, ei, eu, u, userLogQ, data.UserCount, negatives, shuffle, options);
                    loss = loss is null ? l : loss + l;
                }
                adam.zero_grad();
                loss!.backward();
                adam.step();
                lossSum += loss.item<float>() * n;
                trained += n;
            }
            var seconds = clock.Elapsed.TotalSeconds;

            var userEmbeddings = network.ExportEmbeddings(Side.User);
            var itemEmbeddings = network.ExportEmbeddings(Side.Item);
            double userRecall = double.NaN, itemRecall = double.NaN;
            if (split.HasValidation)
            {
                userRecall = RetrievalRecall.Compute(split.HeldOutByUser, split.TrainByUser, data.ItemCount, options.RecallK,
                    EmbeddingScorer(userEmbeddings, itemEmbeddings, options.OutputDim));
                itemRecall = RetrievalRecall.Compute(split.HeldOutByItem, split.TrainByItem, data.UserCount, options.RecallK,
                    EmbeddingScorer(itemEmbeddings, userEmbeddings, options.OutputDim));
            }
            var record = new TwoTowerEpoch(epoch, trained == 0 ? double.NaN : lossSum / trained, userRecall, itemRecall, seconds,
                trained / Math.Max(seconds, 1e-9));
            epochs.Add(record);
            progress?.Invoke(record);

            var primary = !split.HasValidation ? epoch
                : options.Directions.HasFlag(TwoTowerDirections.UserToItem) ? userRecall : itemRecall;
            if (double.IsNaN(primary)) primary = epoch; // nothing to validate on: keep the latest weights
            if (primary > best.Recall)
            {
                best = (primary, epoch, userEmbeddings, itemEmbeddings, Snapshot(network));
                sinceBest = 0;
            }
            else if (++sinceBest >= options.Patience) break;
        }

        var report = new TwoTowerReport(epochs, best.Epoch, options.RecallK, split.HasValidation ? split.CutDay : null,
            split.TrainPositives, split.HeldOutByUser.PairCount,
            split.HasValidation ? RetrievalRecall.Compute(split.HeldOutByUser, split.TrainByUser, data.ItemCount, options.RecallK,
                CountScorer(split.ItemCounts)) : double.NaN,
            split.HasValidation ? RetrievalRecall.Random(split.HeldOutByUser, split.TrainByUser, data.ItemCount, options.RecallK) : double.NaN,
            split.HasValidation ? RetrievalRecall.Compute(split.HeldOutByItem, split.TrainByItem, data.UserCount, options.RecallK,
                CountScorer(split.UserCounts)) : double.NaN,
            split.HasValidation ? RetrievalRecall.Random(split.HeldOutByItem, split.TrainByItem, data.UserCount, options.RecallK) : double.NaN);
        return new TwoTowerModel(options, data.UserCount, data.ItemCount, data.CreatorCount, data.GenreCount,
            data.ItemCreators.ToArray(), data.ItemGenres.ToArray(), best.Parameters, best.Users, best.Items, report);
    }

    /// <summary>The softmax loss of one direction: <paramref name="candidateSide"/> names the side the candidates come from.</summary>
    private static Tensor DirectionLoss(TwoTowerNetwork network, Side candidateSide, Tensor queries, Tensor positives, Tensor positiveIds,
        Tensor logQTable, int candidateCount, long[] negatives, Random random, TwoTowerOptions options)
    {
        Tensor? logQ = options.LogQCorrection ? logQTable.index_select(0, positiveIds) : null;
        Tensor? negativeIds = null, negativeEmbeddings = null, negativeLogQ = null;
        if (negatives.Length > 0)
        {
            for (var k = 0; k < negatives.Length; k++) negatives[k] = random.Next(candidateCount);
            negativeIds = torch.tensor(negatives);
            negativeEmbeddings = network.EmbedUnchecked(candidateSide, negativeIds);
            if (options.LogQCorrection) negativeLogQ = logQTable.index_select(0, negativeIds);
        }
        return SampledSoftmax.Loss(queries, positives, positiveIds, logQ, negativeEmbeddings, negativeIds, negativeLogQ, options.Temperature);
    }

    /// <summary>The seed of the generator that shuffles the positives and draws the random negatives.</summary>
    internal static int ShuffleSeed(TwoTowerOptions options) => unchecked((int)(options.Seed * 31 + 7));

    /// <summary>log Q(c) = log(B·p(c) + M/N): the expected count of candidate c among a row's B in-batch and M random candidates.</summary>

    private static float[] LogQ(int[] counts, int total, int batchSize, TwoTowerOptions options)
    {
        var logQ = new float[counts.Length];
        var uniform = options.RandomNegatives / (double)counts.Length;
        for (var c = 0; c < counts.Length; c++)
        {
            var expected = batchSize * (counts[c] / (double)total) + uniform;
            logQ[c] = expected > 0 ? (float)Math.Log(expected) : 0f; // a candidate that is never sampled is never corrected
        }
        return logQ;
    }

    private static IReadOnlyList<TwoTowerParameter> Snapshot(TwoTowerNetwork network)
    {
        var list = new List<TwoTowerParameter>();
        foreach (var (name, parameter) in network.named_parameters())
        {
            using var values = parameter.detach().contiguous();
            list.Add(new TwoTowerParameter(name, parameter.shape, values.data<float>().ToArray()));
        }
        return list;
    }

    internal static RetrievalRecall.Scorer EmbeddingScorer(float[] queries, float[] candidates, int d) => (ids, scores) =>
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var rows = new float[ids.Length * d];
        for (var k = 0; k < ids.Length; k++) queries.AsSpan(ids[k] * d, d).CopyTo(rows.AsSpan(k * d));
        Tensor q = torch.tensor(rows, [ids.Length, d]);
        Tensor c = torch.tensor(candidates, [candidates.Length / d, d]);
        Tensor s = q.mm(c.t()).contiguous();
        s.data<float>().CopyTo(scores, 0);
    };

    private static RetrievalRecall.Scorer CountScorer(int[] counts) => (ids, scores) =>
    {
        for (var k = 0; k < ids.Length; k++)
            for (var c = 0; c < counts.Length; c++) scores[k * counts.Length + c] = counts[c];
    };
}
