using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Twofold.Data;
using Twofold.Evaluation;
using Twofold.Models;
using Twofold.Ranking;

namespace Twofold.Cli.Commands;

/// <summary>
/// <c>twofold eval ranking &lt;dataset&gt;</c>: DualRec Table 4 on a time split — the multi-task model with and without
/// sample augmentation (SA) and extra item features (EF); per-task AUC overall, on long-tail and on new items, and calibration.
/// </summary>
public static class EvalRankingCommand
{
    public static Command Create()
    {
        var dataset = new Argument<string>("dataset") { Description = "A dataset directory." };
        var testDays = new Option<int>("--test-days") { Description = "Held-out days at the end of the log.", DefaultValueFactory = _ => 1 };
        var seed = new Option<int>("--seed") { Description = "Seed of the models (weights, shuffling).", DefaultValueFactory = _ => 1 };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs per model.", DefaultValueFactory = _ => new FeedbackModelOptions().Epochs };
        var batchSize = new Option<int>("--batch-size") { Description = "Training batch size.", DefaultValueFactory = _ => new FeedbackModelOptions().BatchSize };
        var longTail = new Option<int>("--long-tail") { Description = "Items with fewer training impressions than this are long-tail.", DefaultValueFactory = _ => 20 };
        var maxSamples = new Option<int?>("--max-samples") { Description = "Train on at most this many impressions (seeded sample)." };
        var architecture = new Option<MultiTaskArchitecture>("--architecture") { Description = "Mmoe or SharedBottom.", DefaultValueFactory = _ => MultiTaskArchitecture.Mmoe };
        var markdown = new Option<bool>("--markdown") { Description = "Print Markdown tables (for docs) instead of console tables." };
        var ranking = new Command("ranking", "Per-task AUC and calibration of the multi-task model with/without SA and EF (DualRec Table 4).");
        ranking.Arguments.Add(dataset);
        foreach (var option in new Option[] { testDays, seed, epochs, batchSize, longTail, maxSamples, architecture, markdown }) ranking.Options.Add(option);
        ranking.SetAction(parse => CommandErrors.Run(() =>
        {
            var options = new RankingEvaluationOptions(parse.GetValue(testDays), parse.GetValue(longTail))
            {
                Model = new FeedbackModelOptions
                {
                    Seed = parse.GetValue(seed),
                    Epochs = parse.GetValue(epochs),
                    BatchSize = parse.GetValue(batchSize),
                    MaxSamples = parse.GetValue(maxSamples),
                    Architecture = parse.GetValue(architecture),
                },
            };
            var report = RankingEvaluation.Run(Dataset.Open(parse.GetValue(dataset)!), options, new SynchronousProgress(Console.Error));
            if (parse.GetValue(markdown)) PrintMarkdown(report);
            else Print(report);
            return 0;
        }));
        return ranking;
    }

    private static readonly FeedbackTask[] Binary = FeedbackTasks.All.Where(t => t != FeedbackTask.WatchTime).ToArray();

    private static string Title(RankingEvaluationReport report, SegmentFigures segment) => segment.Segment switch
    {
        RankingEvaluation.All => $"AUC, all test impressions ({segment.Impressions:N0})",
        RankingEvaluation.LongTail => $"AUC, long-tail items (< {report.LongTailImpressions} training impressions): {segment.Impressions:N0} impressions of {segment.Items:N0} items",
        _ => $"AUC, items uploaded after the cut: {segment.Impressions:N0} impressions of {segment.Items:N0} items",
    };

    private static void Print(RankingEvaluationReport report)
    {
        AnsiConsole.MarkupLine(Markup.Escape($"held out from {report.FirstTestDay:yyyy-MM-dd}; {report.TrainingImpressions:N0} training impressions"));
        foreach (var segmentName in new[] { RankingEvaluation.All, RankingEvaluation.LongTail, RankingEvaluation.New })
        {
            var first = report.Variants[0].Segment(segmentName);
            var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(Title(report, first))).AddColumn("model");
            foreach (var task in Binary) table.AddColumn(new TableColumn($"{task} ({first.Of(task).Positives:N0}+)").RightAligned());
            foreach (var variant in report.Variants)
                table.AddRow([Markup.Escape(variant.Name), .. Binary.Select(t => F(variant.Segment(segmentName).Of(t).Auc))]);
            AnsiConsole.Write(table);
        }
        var calibration = new Table().Border(TableBorder.Rounded).Title("calibration, all test impressions: mean predicted / observed").AddColumn("model");
        foreach (var task in FeedbackTasks.All) calibration.AddColumn(new TableColumn(task.ToString()).RightAligned());
        foreach (var variant in report.Variants)
            calibration.AddRow([Markup.Escape(variant.Name), .. FeedbackTasks.All.Select(t => Calibration(variant.Segment(RankingEvaluation.All).Of(t)))]);
        AnsiConsole.Write(calibration);
    }

    private static void PrintMarkdown(RankingEvaluationReport report)
    {
        Console.WriteLine($"Held out from {report.FirstTestDay:yyyy-MM-dd}; {report.TrainingImpressions:N0} training impressions.");
        foreach (var segmentName in new[] { RankingEvaluation.All, RankingEvaluation.LongTail, RankingEvaluation.New })
        {
            var first = report.Variants[0].Segment(segmentName);
            Console.WriteLine();
            Console.WriteLine($"{Title(report, first)}; positives per task in brackets");
            Console.WriteLine();
            Console.WriteLine("| model | " + string.Join(" | ", Binary.Select(t => $"{t} ({first.Of(t).Positives:N0})")) + " |");
            Console.WriteLine("|---|" + string.Concat(Binary.Select(_ => "---:|")));
            foreach (var variant in report.Variants)
                Console.WriteLine($"| {variant.Name} | " + string.Join(" | ", Binary.Select(t => F(variant.Segment(segmentName).Of(t).Auc))) + " |");
        }
        Console.WriteLine();
        Console.WriteLine("Calibration, all test impressions: mean predicted / observed");
        Console.WriteLine();
        Console.WriteLine("| model | " + string.Join(" | ", FeedbackTasks.All) + " | training time |");
        Console.WriteLine("|---|" + string.Concat(FeedbackTasks.All.Select(_ => "---:|")) + "---:|");
        foreach (var variant in report.Variants)
            Console.WriteLine($"| {variant.Name} | " + string.Join(" | ", FeedbackTasks.All.Select(t => Calibration(variant.Segment(RankingEvaluation.All).Of(t))))
                + $" | {variant.TrainingTime.TotalSeconds:F0} s |");
    }

    private static string Calibration(TaskFigures f) =>
        $"{f.MeanPredicted.ToString("F4", CultureInfo.InvariantCulture)} / {f.Observed.ToString("F4", CultureInfo.InvariantCulture)}";

    private static string F(double value) => double.IsNaN(value) ? "-" : value.ToString("F3", CultureInfo.InvariantCulture);

    /// <summary>Reports progress lines as they happen (Progress&lt;T&gt; would post them to the thread pool).</summary>
    private sealed class SynchronousProgress(TextWriter writer) : IProgress<string>
    {
        public void Report(string value) => writer.WriteLine(value);
    }
}
