using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Twofold.Data;
using Twofold.Evaluation;

namespace Twofold.Cli.Commands;

/// <summary><c>twofold eval retrieval &lt;dataset&gt;</c>: time-split offline evaluation of the retrievals on both sides.</summary>
public static class EvalRetrievalCommand
{
    public static Command Create()
    {
        var dataset = new Argument<string>("dataset") { Description = "A dataset directory." };
        var k = new Option<int>("--k") { Description = "Length of each retrieved list.", DefaultValueFactory = _ => 50 };
        var testDays = new Option<int>("--test-days") { Description = "Held-out days at the end of the log.", DefaultValueFactory = _ => 1 };
        var maxQueries = new Option<int>("--max-queries") { Description = "Queries per side at most (seeded sample).", DefaultValueFactory = _ => 2000 };
        var seed = new Option<int>("--seed") { Description = "Seed of the query sample.", DefaultValueFactory = _ => 1 };
        var retrieval = new Command("retrieval", "Recall@K, hit@K, NDCG@K and new-item coverage of each retrieval, user side and creator side.");
        retrieval.Arguments.Add(dataset);
        foreach (var option in new Option[] { k, testDays, maxQueries, seed }) retrieval.Options.Add(option);
        retrieval.SetAction(parse => CommandErrors.Run(() =>
        {
            var options = new RetrievalEvaluationOptions(parse.GetValue(k), parse.GetValue(testDays), parse.GetValue(maxQueries), parse.GetValue(seed));
            Print(RetrievalEvaluation.Run(Dataset.Open(parse.GetValue(dataset)!), options));
            return 0;
        }));
        return retrieval;
    }

    private static void Print(RetrievalEvaluationReport report)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"retrieval, K = {report.K}, held out from {report.FirstTestDay:yyyy-MM-dd}, {report.NewItems:N0} new items")
            .AddColumn("retrieval").AddColumn("side").AddColumn("item similarity");
        foreach (var h in new[] { "queries", $"recall@{report.K}", $"hit@{report.K}", $"NDCG@{report.K}", "new-item coverage" })
            table.AddColumn(new TableColumn(h).RightAligned());
        foreach (var row in report.Rows)
            table.AddRow(row.Source, row.Side == Domain.Side.User ? "user" : "creator", row.Similarity, row.Queries.ToString("N0", CultureInfo.InvariantCulture),
                F(row.Metrics.Recall), F(row.Metrics.Hit), F(row.Metrics.Ndcg), row.NewItemCoverage.ToString("P1", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
    }

    private static string F(double value) => value.ToString("F3", CultureInfo.InvariantCulture);
}
