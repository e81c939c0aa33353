using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Twofold.Data;
using Twofold.Evaluation;

namespace Twofold.Cli.Commands;

/// <summary><c>twofold data stats &lt;dataset&gt;</c>: what a dataset holds.</summary>
public static class DataCommand
{
    public static Command Create()
    {
        var dataset = new Argument<string>("dataset") { Description = "A dataset directory (from import or world generate)." };
        var stats = new Command("stats", "Print users, items, creators, interactions, density, feedback rates, activity and popularity.");
        stats.Arguments.Add(dataset);
        stats.SetAction(parse => CommandErrors.Run(() =>
        {
            var result = DatasetStatistics.Compute(Dataset.Open(parse.GetValue(dataset)!));
            Print(result);
            return 0;
        }));
        var data = new Command("data", "Inspect datasets.");
        data.Subcommands.Add(stats);
        return data;
    }

    internal static void Print(DatasetStatistics s)
    {
        var summary = new Table().AddColumn("").AddColumn(new TableColumn("").RightAligned()).HideHeaders().Border(TableBorder.Rounded)
            .Title($"dataset ({Markup.Escape(s.Source)})");
        summary.AddRow("users", N(s.Users));
        summary.AddRow("items", N(s.Items));
        summary.AddRow("creators", N(s.Creators));
        summary.AddRow("interactions", N(s.Interactions));
        summary.AddRow("density", s.Density.ToString("E3", CultureInfo.InvariantCulture));
        summary.AddRow("days", s.FirstDay is null ? "-" : $"{s.FirstDay:yyyy-MM-dd} .. {s.LastDay:yyyy-MM-dd}");
        summary.AddRow("active users per day", s.MeanActiveUsersPerDay.ToString("F1", CultureInfo.InvariantCulture));
        summary.AddRow("mean watch / duration (s)", $"{s.MeanWatchMs / 1000:F1} / {s.MeanDurationMs / 1000:F1}");
        AnsiConsole.Write(summary);

        var rates = new Table().AddColumn("feedback").AddColumn(new TableColumn("rate per interaction").RightAligned()).Border(TableBorder.Rounded);
        foreach (var (name, rate) in s.FeedbackRates) rates.AddRow(name, rate.ToString("P3", CultureInfo.InvariantCulture));
        AnsiConsole.Write(rates);

        var spread = new Table().Border(TableBorder.Rounded).AddColumn("per entity");
        foreach (var h in new[] { "mean", "min", "p50", "p90", "p99", "max", "gini", "top 1% share" }) spread.AddColumn(new TableColumn(h).RightAligned());
        AddRow(spread, "interactions per user", s.InteractionsPerUser);
        AddRow(spread, "interactions per item", s.InteractionsPerItem);
        AddRow(spread, "items per creator", s.ItemsPerCreator);
        AnsiConsole.Write(spread);
    }

    private static void AddRow(Table table, string name, Distribution d) =>
        table.AddRow(name, d.Mean.ToString("F1", CultureInfo.InvariantCulture), N(d.Min), N(d.P50), N(d.P90), N(d.P99), N(d.Max),
            d.Gini.ToString("F3", CultureInfo.InvariantCulture), d.Top1PercentShare.ToString("P1", CultureInfo.InvariantCulture));

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
