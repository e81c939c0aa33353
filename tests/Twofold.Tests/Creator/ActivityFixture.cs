using Twofold.CreatorSide;
using Twofold.Data;
using Twofold.Tests.Support;
using Twofold.World;

namespace Twofold.Tests.CreatorSide;

/// <summary>
/// A small generated world (3,000 users, 100 creators, 45 days), its activity history, and a predictor trained on
/// all but the last <see cref="TestDays"/> days, shared by the activity tests.
/// </summary>
public sealed class ActivityFixture : IDisposable
{
    public const int TestDays = 2;
    private readonly TempDirectory _temp = new();

    public ActivityFixture()
    {
        Config = new WorldConfig { Users = 3_000, Creators = 100, Days = 45, Seed = 7 };
        Directory = _temp.Combine("world");
        WorldGenerator.Generate(Config, Directory);
        History = ActivityHistory.FromDataset(Dataset.Open(Directory));
        TrainEnd = History.Days - TestDays;
        Predictor = ActivityPredictorTrainer.Fit(History, new ActivityOptions(), TrainEnd);
        Report = ActivityEvaluation.Evaluate(Predictor, History, TrainEnd, History.Days);
    }

    public WorldConfig Config { get; }
    public string Directory { get; }
    public ActivityHistory History { get; }
    public int TrainEnd { get; }
    public ActivityPredictor Predictor { get; }
    public ActivityReport Report { get; }

    public string TempPath(string name) => _temp.Combine(name);

    public void Dispose() => _temp.Dispose();
}
