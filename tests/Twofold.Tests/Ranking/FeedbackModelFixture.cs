using Twofold.Data;
using Twofold.Ranking;
using Twofold.Tests.Support;
using Twofold.World;

namespace Twofold.Tests.Ranking;

/// <summary>
/// A small generated world (1,500 users, 12 days), the last day held out, and one model trained on the rest with
/// sample augmentation and extra features, shared by the feedback-model tests.
/// </summary>
public sealed class FeedbackModelFixture : IDisposable
{
    private readonly TempDirectory _temp = new();

    public FeedbackModelFixture()
    {
        WorldGenerator.Generate(new WorldConfig { Users = 1500, Creators = 150, Days = 12, Seed = 5 }, _temp.Combine("w"));
        Dataset = Dataset.Open(_temp.Combine("w"));
        Cut = Dataset.Events.Days.Last();
        Options = new FeedbackModelOptions
        {
            Epochs = 3, BatchSize = 256, Seed = 3, SampleAugmentation = true, ExtraFeatures = true, TrainTo = Cut.AddDays(-1),
        };
        Model = FeedbackModelTrainer.Fit(Dataset, Options);
        Test = FeedbackSamples.Read(Dataset.Events, Dataset.Manifest.Users, Dataset.Manifest.Items, from: Cut);
        Training = FeedbackSamples.Read(Dataset.Events, Dataset.Manifest.Users, Dataset.Manifest.Items, to: Cut.AddDays(-1));
    }

    public Dataset Dataset { get; }
    public DateOnly Cut { get; }
    public FeedbackModelOptions Options { get; }
    public FeedbackModel Model { get; }
    public FeedbackSamples Test { get; }
    public FeedbackSamples Training { get; }

    public string TempPath(string name) => _temp.Combine(name);

    public void Dispose()
    {
        Model.Dispose();
        _temp.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class FeedbackModelCollection : ICollectionFixture<FeedbackModelFixture>
{
    public const string Name = "trained feedback model";
}
