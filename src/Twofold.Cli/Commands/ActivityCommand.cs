using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Twofold.CreatorSide;
using Twofold.Data;
using Twofold.World;

namespace Twofold.Cli.Commands;

/// <summary>
/// <c>twofold activity train &lt;dataset&gt; --out &lt;model&gt;</c>: trains the activity predictor of DualRec's User
/// Availability Calculation on all but the last days of the log, reports how well it picks the held-out days'
/// visitors (against random and "visited yesterday"), and saves it.
/// </summary>
public static class ActivityCommand
{
    public static Command Create()
    {
        var dataset = new Argument<string>("dataset") { Description = "A dataset directory (from import or world generate)." };
        var output = new Option<string>("--out") { Description = "The model file to write.", Required = true };
        var testDays = new Option<int>("--test-days") { Description = "The last N days of the log are held out for the report.", DefaultValueFactory = _ => 1 };
        var seed = new Option<int?>("--seed") { Description = "Seed of example sampling and LightGBM." };
        var iterations = new Option<int?>("--iterations") { Description = "Boosting rounds." };
        var noDayBits = new Option<bool>("--no-day-bits") { Description = "Leave out the 30 individual visit bits (keep the window summaries)." };
        var threshold = new Option<double>("--threshold")
            { Description = "Probability at or above which a user is predicted active.", DefaultValueFactory = _ => ActiveSetRule.DefaultThreshold };

        var train = new Command("train", "Train the activity predictor, print its held-out report and save it.");
        train.Arguments.Add(dataset);
        foreach (var option in new Option[] { output, testDays, seed, iterations, noDayBits, threshold }) train.Options.Add(option);
        train.SetAction(parse => CommandErrors.Run(() =>
        {
            var defaults = new ActivityOptions();
            var options = (defaults with
            {
                Seed = parse.GetValue(seed) ?? defaults.Seed,
                Iterations = parse.GetValue(iterations) ?? defaults.Iterations,
                IncludeDayBits = !parse.GetValue(noDayBits),
            }).Validate();
            var rule = ActiveSetRule.AtLeast(parse.GetValue(threshold));
            Run(parse.GetValue(dataset)!, parse.GetValue(output)!, parse.GetValue(testDays), options, rule);
            return 0;
        }));

        var command = new Command("activity", "Activity prediction: who will visit tomorrow (DualRec user availability).");
        command.Subcommands.Add(train);
        return command;
    }

    private static void Run(string directory, string output, int testDays, ActivityOptions options, ActiveSetRule rule)
    {
        var dataset = Dataset.Open(directory);
        var clock = Stopwatch.StartNew();
        var history = ActivityHistory.FromDataset(dataset);
        var read = clock.Elapsed;
        if (testDays < 1 || testDays >= history.Days)
            throw new ArgumentException($"--test-days must be between 1 and {history.Days - 1} for this {history.Days}-day log (got {testDays}).");
        var end = history.Days - testDays;
        clock.Restart();
        var predictor = ActivityPredictorTrainer.Fit(history, options, end);
        var trained = clock.Elapsed;
        clock.Restart();
        var report = ActivityEvaluation.Evaluate(predictor, history, end, history.Days, rule, options.Seed, Oracle(directory, history));
        var evaluated = clock.Elapsed;
        predictor.Save(output);

        var info = predictor.Info;
        Console.WriteLine(Invariant(
            $"history: {history.Users:N0} users, {history.Days} days ({history.FirstDate:yyyy-MM-dd} .. {history.LastDate:yyyy-MM-dd}), read in {read.TotalSeconds:F1} s"));
        Console.WriteLine(Invariant(
            $"trained: {info.Examples:N0} examples, target days {info.FirstTargetDate:yyyy-MM-dd} .. {info.LastTargetDate:yyyy-MM-dd}, {info.Features.Count} features, {options.Iterations} trees, in {trained.TotalSeconds:F1} s"));
        Print(report, evaluated);
        Console.WriteLine($"wrote {output}");
    }

    /// <summary>The world's true visit probabilities for a history day, when the dataset is a generated world.</summary>
    private static Func<int, float[]?>? Oracle(string directory, ActivityHistory history)
    {
        if (!Directory.Exists(Path.Combine(directory, WorldTruth.DirectoryName))) return null;
        var truth = WorldTruth.Load(directory);
        if (truth.Users.Count != history.Users) return null;
        var offset = history.FirstDay - EventLogDays.FromDate(truth.Config.StartDate);
        return day =>
        {
            var worldDay = day + offset;
            if (worldDay < 0 || worldDay >= truth.ActivityDays) return null;
            var visited = new bool[history.Users];
            var probability = new float[history.Users];
            truth.ReadActivity(worldDay, visited, probability);
            return probability;
        };
    }

    internal static void Print(ActivityReport r, TimeSpan elapsed)
    {
        Console.WriteLine(Invariant(
            $"held out: {r.Days} day(s) {r.FirstDate:yyyy-MM-dd} .. {r.LastDate:yyyy-MM-dd}, {r.Users:N0} users, visit rate {r.VisitRate:P1}, scored in {elapsed.TotalSeconds:F1} s"));
        var auc = Invariant($"AUC: model {r.Auc:F3}, visited yesterday {r.YesterdayAuc:F3}");
        if (r.OracleAuc is { } oracleAuc) auc += Invariant($", true probabilities {oracleAuc:F3}");
        Console.WriteLine(auc);

        var oracle = r.TopK.Oracle is not null;
        var table = new Table().Border(TableBorder.Rounded).Title("visit rate of the users picked")
            .AddColumn("pick").AddColumn(new TableColumn("model").RightAligned())
            .AddColumn(new TableColumn("visited yesterday").RightAligned()).AddColumn(new TableColumn("random").RightAligned());
        if (oracle) table.AddColumn(new TableColumn("true probability").RightAligned());
        void Row(string name, RankingHitRates rates)
        {
            var cells = new List<string> { name, P(rates.Model), P(rates.Yesterday), P(rates.Random) };
            if (oracle) cells.Add(P(rates.Oracle ?? double.NaN));
            table.AddRow(cells.ToArray());
        }
        Row("top k = visitors", r.TopK);
        foreach (var f in r.Fractions) Row(Invariant($"top {f.Fraction:P0}"), f.Rates);
        AnsiConsole.Write(table);

        Console.WriteLine(Invariant(
            $"predicted active ({r.Rule}): {r.ActiveSet.Size:P1} of users, hit rate {r.ActiveSet.HitRate:P1}, recall {r.ActiveSet.Recall:P1}"));
        Console.WriteLine(Invariant(
            $"visited yesterday as the active set: {r.YesterdaySet.Size:P1} of users, hit rate {r.YesterdaySet.HitRate:P1}, recall {r.YesterdaySet.Recall:P1}"));
    }

    private static string P(double value) => double.IsNaN(value) ? "-" : value.ToString("P1", CultureInfo.InvariantCulture);
    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
