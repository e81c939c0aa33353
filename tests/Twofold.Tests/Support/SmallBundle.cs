using Twofold.Data;
using Twofold.Models;
using Twofold.Pipeline;
using Twofold.Ranking;
using Twofold.World;

namespace Twofold.Tests.Support;

/// <summary>A generated world and a bundle trained on it in seconds (one epoch, small embeddings, no activity model), for pipeline tests.</summary>
public static class SmallBundle
{
    public static (Dataset Dataset, ModelBundle Bundle) Train(TempDirectory dir, WorldConfig world, int rankerSamples)
    {
        WorldGenerator.Generate(world, dir.Combine("w"));
        var dataset = Dataset.Open(dir.Combine("w"));
        var bundle = ModelBundle.Train(dataset, new BundleOptions
        {
            TwoTower = new TwoTowerOptions { Epochs = 1, EmbeddingDim = 8, HiddenDim = 16, OutputDim = 8 },
            Ranker = new FeedbackModelOptions { Epochs = 1, MaxSamples = rankerSamples, EmbeddingDim = 8 },
            TrainActivity = false,
        });
        return (dataset, bundle);
    }
}
