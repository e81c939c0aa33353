using Twofold.Data;
using Twofold.Models;
using Twofold.Tests.Support;
using Twofold.World;

namespace Twofold.Tests.Models;

/// <summary>
/// A small generated world (1,500 users, 150 creators, 20 days) and one model trained on it with the default options
/// (but fewer epochs), shared by the two-tower tests so the world is generated and the model trained once.
/// </summary>
public sealed class TwoTowerFixture : IDisposable
{
    private readonly TempDirectory _temp = new();

    /// <summary>
    /// The options of the shared fit: the defaults with a shorter schedule to keep the tests fast, on one torch thread
    /// (the fits are compared for exact equality, and one thread avoids oversubscribing the shared test machine).
    /// </summary>
    public static readonly TwoTowerOptions Options = new() { Epochs = 4, Patience = 2, Threads = 1 };

    public TwoTowerFixture()
    {
        var config = new WorldConfig { Users = 1_500, Creators = 150, Days = 20, Seed = 7 };
        WorldGenerator.Generate(config, _temp.Combine("world"));
        Data = TwoTowerData.FromDataset(Dataset.Open(_temp.Combine("world")));
        Model = TwoTowerTrainer.Fit(Data, Options);
    }

    public TwoTowerData Data { get; }
    public TwoTowerModel Model { get; }

    public string Combine(string name) => _temp.Combine(name);

    public void Dispose() => _temp.Dispose();
}

/// <summary>The two-tower tests run one at a time: they share a trained model and time-sensitive fits.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TwoTowerCollection : ICollectionFixture<TwoTowerFixture>
{
    public const string Name = "two-tower";
}
