using Microsoft.ML;
using Microsoft.ML.Trainers.LightGbm;
using Twofold.Data;

namespace Twofold.CreatorSide;

/// <summary>
/// Trains the activity predictor of DualRec's User Availability Calculation (§4.1): gradient-boosted trees
/// (ML.NET LightGBM, binary objective) on (user, target day) examples labelled "visited on the target day".
/// </summary>
public static class ActivityPredictorTrainer
{
    /// <summary>Streams the dataset's event log once and trains on its latest days.</summary>
    public static ActivityPredictor Fit(Dataset dataset, ActivityOptions options) => Fit(ActivityHistory.FromDataset(dataset), options);

    /// <summary>
    /// Trains on target days before <paramref name="endDay"/> (default: the whole history): the latest
    /// <see cref="ActivityOptions.TrainingDays"/> days that have at least <see cref="ActivityOptions.MinHistoryDays"/>
    /// days of history. Days from <paramref name="endDay"/> on stay unseen, for a time-split evaluation.
    /// </summary>
    public static ActivityPredictor Fit(ActivityHistory history, ActivityOptions options, int? endDay = null)
    {
        options.Validate();
        var end = endDay ?? history.Days;
        if (end < 1 || end > history.Days)
            throw new ArgumentOutOfRangeException(nameof(endDay), end, $"The training range must end within the history's {history.Days} days.");
        var first = Math.Max(options.MinHistoryDays, end - options.TrainingDays);
        if (first >= end)
            throw new ArgumentException(
                $"Too little history to train: target days need {options.MinHistoryDays} earlier days (min_history_days), " +
                $"but training must end before day {end} of the {history.Days}-day log ({history.FirstDate:yyyy-MM-dd} .. {history.LastDate:yyyy-MM-dd}).");
        var examples = BuildExamples(history, first, end, options);
        var positives = examples.Labels!.Count(l => l);
        if (positives == 0 || positives == examples.Rows)
            throw new ArgumentException($"All {examples.Rows:N0} training examples are {(positives == 0 ? "non-visits" : "visits")}; the predictor needs both.");

        var ml = new MLContext(seed: options.Seed);
        var trainer = ml.BinaryClassification.Trainers.LightGbm(LightGbmOptions(options));
        var model = trainer.Fit(new FeatureMatrixView(examples));
        var info = new ActivityModelInfo(ActivityModelInfo.CurrentFormatVersion, ActivityModelInfo.LightGbmTrainer, options,
            ActivityFeatures.Names(options.IncludeDayBits), history.DateOf(first), history.DateOf(end - 1), examples.Rows,
            positives / (double)examples.Rows);
        return new ActivityPredictor(ml, model, info);
    }

    /// <summary>The LightGBM settings the predictor trains with (also what the training benchmark measures).</summary>
    internal static LightGbmBinaryTrainer.Options LightGbmOptions(ActivityOptions options) => new()
    {
        LabelColumnName = FeatureMatrixView.LabelColumn,
        FeatureColumnName = FeatureMatrixView.FeaturesColumn,
        NumberOfIterations = options.Iterations,
        NumberOfLeaves = options.Leaves,
        LearningRate = options.LearningRate,
        MinimumExampleCountPerLeaf = options.MinExamplesPerLeaf,
        NumberOfThreads = options.Threads,
        Seed = options.Seed,
        // Column-wise histograms, fixed: left unset, LightGBM builds both layouts on every fit and times one histogram
        // pass of each to pick one (0.2 s on 1M x 32 single-threaded, over 1 s on loaded cores, and a stopwatch-dependent
        // choice); row-wise also keeps a second, row-major copy of the binned data. The layout changes how histograms are
        // summed, not which trees are grown (a test trains both and compares the predictions).
        ForceColumnWise = true,
        Silent = true,
        Verbose = false,
    };

    /// <summary>The (user, day) examples of target days [<paramref name="first"/>, <paramref name="end"/>), users sampled per day when over the cap.</summary>
    internal static FeatureMatrix BuildExamples(ActivityHistory history, int first, int end, ActivityOptions options)
    {
        var days = end - first;
        var perDay = (int)Math.Min(history.Users, options.MaxExamples / (long)days);
        if (perDay < 1) throw new ArgumentException($"max_examples {options.MaxExamples} is below one example per training day ({days} days).");
        var columns = ActivityFeatures.Count(options.IncludeDayBits);
        var matrix = new FeatureMatrix(perDay * days, columns, withLabels: true);
        var all = Enumerable.Range(0, history.Users).ToArray();
        Parallel.For(0, days, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Threads) }, k =>
        {
            var day = first + k;
            int[] users;
            if (perDay == history.Users) users = all;
            else
            {
                // A seeded partial shuffle per day: the same users for the same seed, whatever the thread count.
                users = (int[])all.Clone();
                var random = new Random(unchecked(options.Seed * 1_000_003 + day));
                for (var i = 0; i < perDay; i++)
                {
                    var j = random.Next(i, users.Length);
                    (users[i], users[j]) = (users[j], users[i]);
                }
                Array.Sort(users, 0, perDay);
            }
            var rows = users.AsSpan(0, perDay);
            var offset = k * perDay;
            ActivityFeatures.Compute(history, day, rows, options.IncludeDayBits, matrix.Values.AsSpan(offset * columns, perDay * columns));
            for (var r = 0; r < perDay; r++) matrix.Labels![offset + r] = history.Visited(rows[r], day);
        });
        return matrix;
    }
}
