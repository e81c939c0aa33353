using Twofold.Data;
using Twofold.Domain;
using Twofold.Evaluation;
using Twofold.Tests.Support;
using Twofold.World;

namespace Twofold.Tests.Evaluation;

public class RetrievalEvaluationTests
{
    [Fact]
    public void On_a_generated_world_retrievals_beat_chance_and_only_content_similarity_reaches_new_items()
    {
        using var dir = new TempDirectory();
        WorldGenerator.Generate(new WorldConfig { Users = 1500, Creators = 150, Days = 15, Seed = 5 }, dir.Combine("w"));
        var dataset = Dataset.Open(dir.Combine("w"));
        var report = RetrievalEvaluation.Run(dataset, new RetrievalEvaluationOptions(K: 50, MaxQueries: 300)
        {
            TwoTower = new Twofold.Models.TwoTowerOptions { Epochs = 3, EmbeddingDim = 16, HiddenDim = 32, OutputDim = 16 },
        });

        Assert.True(report.NewItems > 0);
        Assert.Equal(8, report.Rows.Count);
        var items = dataset.Manifest.Items;
        foreach (var row in report.Rows.Where(r => r.Side == Side.User))
            Assert.True(row.Metrics.Recall > 2 * 50.0 / items, $"{row.Source}/{row.Similarity}: recall {row.Metrics.Recall:F3} is near chance");
        foreach (var row in report.Rows.Where(r => r.Similarity == "collaborative" || r.Source is "i2u2u" or "u2u2i"))
            Assert.Equal(0, row.NewItemCoverage); // nothing collaborative knows an item nobody has seen
        var creatorContent = report.Rows.Single(r => r.Source == "i2i2u" && r.Similarity == "content");
        Assert.True(creatorContent.NewItemCoverage > 0.9);
    }

    [Fact]
    public void Holding_out_the_whole_log_is_refused()
    {
        using var dir = new TempDirectory();
        WorldGenerator.Generate(new WorldConfig { Users = 200, Creators = 20, Days = 2, Seed = 5 }, dir.Combine("w"));
        var error = Assert.Throws<ArgumentException>(() =>
            RetrievalEvaluation.Run(Dataset.Open(dir.Combine("w")), new RetrievalEvaluationOptions(TestDays: 2) { TwoTower = null }));
        Assert.Contains("2 days", error.Message);
    }
}
