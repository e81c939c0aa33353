using Twofold.Data;
using Twofold.Evaluation;
using Twofold.Ranking;
using Twofold.Tests.Support;
using Twofold.World;

namespace Twofold.Tests.Evaluation;

public class RankingEvaluationTests
{
    [Fact]
    public void Reports_every_task_on_all_long_tail_and_new_items_beside_the_baseline()
    {
        using var dir = new TempDirectory();
        WorldGenerator.Generate(new WorldConfig { Users = 300, Creators = 30, Days = 6, Seed = 8 }, dir.Combine("w"));
        var options = new RankingEvaluationOptions(TestDays: 2) { Model = new FeedbackModelOptions { Epochs = 1, BatchSize = 256 } };
        var report = RankingEvaluation.Run(Dataset.Open(dir.Combine("w")), options, variants: [(true, true)]);

        Assert.Equal(["item rate (baseline)", "with SA, with EF"], report.Variants.Select(v => v.Name));
        var model = report.Variants[1];
        Assert.Equal([RankingEvaluation.All, RankingEvaluation.LongTail, RankingEvaluation.New], model.Segments.Select(s => s.Segment));
        var all = model.Segment(RankingEvaluation.All);
        Assert.True(all.Impressions > 0 && model.Segment(RankingEvaluation.New).Impressions > 0);
        Assert.True(model.Segment(RankingEvaluation.LongTail).Impressions >= model.Segment(RankingEvaluation.New).Impressions);
        Assert.Equal(FeedbackTasks.All, all.Tasks.Select(t => t.Task));
        Assert.InRange(all.Of(FeedbackTask.EffectiveView).Auc, 0, 1);
        Assert.True(double.IsNaN(all.Of(FeedbackTask.WatchTime).Auc));
        Assert.Equal(report.FirstTestDay, Dataset.Open(dir.Combine("w")).Events.Days.ElementAt(4));
    }

    [Fact]
    public void Holding_out_the_whole_log_is_refused()
    {
        using var dir = new TempDirectory();
        WorldGenerator.Generate(new WorldConfig { Users = 100, Creators = 10, Days = 2, Seed = 8 }, dir.Combine("w"));
        Assert.Contains("2 days", Assert.Throws<ArgumentException>(() =>
            RankingEvaluation.Run(Dataset.Open(dir.Combine("w")), new RankingEvaluationOptions(TestDays: 2))).Message);
    }
}
