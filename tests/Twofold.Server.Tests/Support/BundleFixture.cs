using Twofold.Data;
using Twofold.Models;
using Twofold.Pipeline;
using Twofold.Ranking;
using Twofold.Tests.Support;
using Twofold.World;

namespace Twofold.Server.Tests.Support;

/// <summary>
/// One small synthetic world and a model bundle trained on it, built once for all the service tests (a few seconds):
/// 600 users, 60 creators, 10 days, small models.
/// </summary>
public sealed class BundleFixture : IDisposable
{
    private readonly TempDirectory _directory = new();

    public BundleFixture()
    {
        WorldGenerator.Generate(new WorldConfig { Users = 600, Creators = 60, Days = 10, Seed = 11 }, World);
        var options = new BundleOptions
        {
            TwoTower = new TwoTowerOptions { Epochs = 1, EmbeddingDim = 8, HiddenDim = 16, OutputDim = 8 },
            Ranker = new FeedbackModelOptions { Epochs = 1, MaxSamples = 15_000, EmbeddingDim = 8 },
            Activity = new Twofold.CreatorSide.ActivityOptions { Iterations = 10, MinHistoryDays = 3, TrainingDays = 4 },
        };
        using var bundle = ModelBundle.Train(Dataset.Open(World), options);
        bundle.Save(Bundle);
        Manifest = bundle.Manifest;
        Genres = bundle.UserRanker.ItemTable.Genres;
        ContentDimension = Dataset.Open(World).ReadItems().First(i => i.ContentEmbedding is not null).ContentEmbedding!.Length;
    }

    public string World => _directory.Combine("world");
    public string Bundle => _directory.Combine("bundle");
    public BundleManifest Manifest { get; }
    public IReadOnlyList<string> Genres { get; }
    public int ContentDimension { get; }

    /// <summary>A fresh directory for one test's state or scratch files.</summary>
    public string NewDirectory()
    {
        var path = _directory.Combine("t-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose() => _directory.Dispose();
}

[CollectionDefinition(Name)]
public sealed class BundleCollection : ICollectionFixture<BundleFixture>
{
    public const string Name = "bundle";
}
