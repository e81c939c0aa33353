using System.Diagnostics;
using Twofold.Data;
using Twofold.Ranking;

namespace Twofold.Evaluation;

/// <summary>Settings of <see cref="RankingEvaluation"/>.</summary>
/// <param name="TestDays">The last this many days of the log are held out; the models train on the days before.</param>
/// <param name="LongTailImpressions">An item is long-tail when it has fewer than this many training impressions (new items included).</param>
public sealed record RankingEvaluationOptions(int TestDays = 1, int LongTailImpressions = 20)
{
    /// <summary>The model settings shared by all variants; each variant switches SA and EF on or off.</summary>
    public FeedbackModelOptions Model { get; init; } = new();

    public void Validate()
    {
        if (TestDays < 1) throw new ArgumentException($"The test period must be at least one day, not {TestDays}.");
        if (LongTailImpressions < 1) throw new ArgumentException($"The long-tail threshold must be at least 1, not {LongTailImpressions}.");
        Model.Validate();
    }
}

/// <summary>One task's figures on one segment of the test impressions.</summary>
/// <param name="Auc">Exact AUC (NaN for watch time, which is not binary, and when a class is missing).</param>
/// <param name="MeanPredicted">Mean prediction: compare with <paramref name="Observed"/> for calibration.</param>
/// <param name="Observed">Observed rate (watch time: mean fraction watched).</param>
/// <param name="Positives">Positive test impressions (watch time: impressions with any watch).</param>
public sealed record TaskFigures(FeedbackTask Task, double Auc, double MeanPredicted, double Observed, int Positives);

/// <summary>A segment of the test impressions: all, long-tail items, or new items.</summary>
public sealed record SegmentFigures(string Segment, int Impressions, int Items, IReadOnlyList<TaskFigures> Tasks)
{
    public TaskFigures Of(FeedbackTask task) => Tasks.Single(t => t.Task == task);
}

/// <summary>One model variant (a row of DualRec Table 4, or the item-rate baseline).</summary>
public sealed record RankingVariantResult(string Name, bool SampleAugmentation, bool ExtraFeatures, IReadOnlyList<SegmentFigures> Segments, TimeSpan TrainingTime)
{
    public SegmentFigures Segment(string name) => Segments.Single(s => s.Segment == name);
}

public sealed record RankingEvaluationReport(DateOnly FirstTestDay, int TrainingImpressions, int LongTailImpressions, IReadOnlyList<RankingVariantResult> Variants);

/// <summary>
/// Time-split offline evaluation of the multi-task feedback models (`twofold eval ranking`), reproducing DualRec
/// Table 4: the model with and without sample augmentation (SA) and extra item features (EF), per-task AUC and
/// calibration on all test impressions, on long-tail items and on items uploaded after the cut. A non-learned
/// baseline, each item's smoothed training rate per task, is reported beside them.
/// </summary>
public static class RankingEvaluation
{
    public const string All = "all", LongTail = "long-tail", New = "new";

    /// <summary>The four rows of DualRec Table 4, in the paper's order: (SA, EF).</summary>
    public static readonly IReadOnlyList<(bool Sa, bool Ef)> Table4 = [(false, false), (false, true), (true, false), (true, true)];

    public static RankingEvaluationReport Run(Dataset dataset, RankingEvaluationOptions options, IProgress<string>? progress = null,
        IReadOnlyList<(bool Sa, bool Ef)>? variants = null)
    {
        options.Validate();
        var log = dataset.Events;
        var days = log.Days.ToList();
        if (days.Count <= options.TestDays)
            throw new ArgumentException($"The log has {days.Count} days; holding out {options.TestDays} leaves nothing to learn from.");
        var cut = days[^options.TestDays];
        var items = dataset.ReadItems();
        var test = FeedbackSamples.Read(log, dataset.Manifest.Users, items.Count, from: cut);
        var cutMs = (long)EventLogDays.FromDate(cut) * 86_400_000L;
        var isNew = items.Select(i => i.UploadTimeMs >= cutMs).ToArray();

        var results = new List<RankingVariantResult>();
        int[]? trainingImpressions = null;
        foreach (var (sa, ef) in variants ?? Table4)
        {
            var name = $"{(sa ? "with" : "w/o")} SA, {(ef ? "with" : "w/o")} EF";
            progress?.Report($"training: {name}");
            var modelOptions = options.Model with { SampleAugmentation = sa, ExtraFeatures = ef, TrainTo = cut.AddDays(-1) };
            var watch = Stopwatch.StartNew();
            using var model = FeedbackModelTrainer.Fit(dataset, modelOptions, progress);
            var trainingTime = watch.Elapsed;
            trainingImpressions ??= model.ItemTable.TrainingImpressions;
            if (results.Count == 0)
                results.Add(Score("item rate (baseline)", false, false, ItemRatePredictions(model.ItemTable, dataset, modelOptions, test), test,
                    trainingImpressions, isNew, options, TimeSpan.Zero));
            var predictions = model.Predict(test.Users, test.Items, test.TimesMs);
            results.Add(Score(name, sa, ef, predictions, test, trainingImpressions, isNew, options, trainingTime));
        }
        return new RankingEvaluationReport(cut, trainingImpressions?.Sum() ?? 0, options.LongTailImpressions, results);
    }

    /// <summary>Per-task figures of row-major predictions on the test rows selected by <paramref name="include"/>.</summary>
    public static SegmentFigures Figures(string segment, float[] predictions, FeedbackSamples test, Func<int, bool> include)
    {
        var tasks = FeedbackSamples.TaskCount;
        var rows = Enumerable.Range(0, test.Count).Where(include).ToArray();
        var figures = new List<TaskFigures>();
        foreach (var task in FeedbackTasks.All)
        {
            var m = (int)task;
            var scores = rows.Select(r => predictions[r * tasks + m]).ToArray();
            var labels = rows.Select(r => test.Labels[r * tasks + m]).ToArray();
            var auc = task == FeedbackTask.WatchTime ? double.NaN : Auc.Of(scores, labels);
            var positives = task == FeedbackTask.WatchTime ? labels.Count(l => l > 0) : labels.Count(l => l > 0.5f);
            figures.Add(new TaskFigures(task, auc, rows.Length == 0 ? double.NaN : scores.Average(s => (double)s),
                rows.Length == 0 ? double.NaN : labels.Average(l => (double)l), positives));
        }
        return new SegmentFigures(segment, rows.Length, rows.Select(r => test.Items[r]).Distinct().Count(), figures);
    }

    private static RankingVariantResult Score(string name, bool sa, bool ef, float[] predictions, FeedbackSamples test, int[] trainingImpressions,
        bool[] isNew, RankingEvaluationOptions options, TimeSpan trainingTime) =>
        new(name, sa, ef,
        [
            Figures(All, predictions, test, _ => true),
            Figures(LongTail, predictions, test, r => trainingImpressions[test.Items[r]] < options.LongTailImpressions),
            Figures(New, predictions, test, r => isNew[test.Items[r]]),
        ], trainingTime);

    /// <summary>The baseline: each item's training rate per task, smoothed towards the global rate.</summary>
    private static float[] ItemRatePredictions(ItemFeatureTable table, Dataset dataset, FeedbackModelOptions modelOptions, FeedbackSamples test)
    {
        var training = FeedbackSamples.Read(dataset.Events, dataset.Manifest.Users, table.Count, modelOptions.TrainFrom, modelOptions.TrainTo);
        var tasks = FeedbackSamples.TaskCount;
        var global = training.MeanLabels();
        var sums = new double[table.Count * tasks];
        var impressions = new int[table.Count];
        for (var r = 0; r < training.Count; r++)
        {
            impressions[training.Items[r]]++;
            for (var m = 0; m < tasks; m++) sums[training.Items[r] * tasks + m] += training.Labels[r * tasks + m];
        }
        var smoothing = modelOptions.RateSmoothing;
        var predictions = new float[test.Count * tasks];
        for (var r = 0; r < test.Count; r++)
        {
            var i = test.Items[r];
            for (var m = 0; m < tasks; m++)
                predictions[r * tasks + m] = (float)((sums[i * tasks + m] + smoothing * global[m]) / (impressions[i] + smoothing));
        }
        return predictions;
    }
}
