using Twofold.Data;
using Twofold.Domain;
using Twofold.Tests.Support;
using Twofold.World;

namespace Twofold.Tests.World;

/// <summary>A generated world read back into plain arrays, for the phenomenon tests.</summary>
public sealed class GeneratedWorld
{
    public GeneratedWorld(WorldConfig config, string directory)
    {
        Config = config;
        Directory = directory;
        var dataset = Dataset.Open(directory);
        Items = dataset.ReadItems();
        Events = dataset.Events.ReadAll();
        Truth = WorldTruth.Load(directory);
        FirstDay = EventLogDays.FromDate(config.StartDate);
    }

    public WorldConfig Config { get; }
    public string Directory { get; }
    public IReadOnlyList<Item> Items { get; }
    public InteractionBatch Events { get; }
    public WorldTruth Truth { get; }
    public int FirstDay { get; }

    public int DayOf(int row) => EventLogDays.DayNumber(Events.TimesMs[row]) - FirstDay;
    public int DayOfItem(Item item) => EventLogDays.DayNumber(item.UploadTimeMs) - FirstDay;

    /// <summary>visits[u, d]: whether user u has at least one impression on day d.</summary>
    public bool[,] Visits()
    {
        var visits = new bool[Config.Users, Config.Days];
        for (var r = 0; r < Events.Count; r++) visits[Events.Users[r], DayOf(r)] = true;
        return visits;
    }
}

/// <summary>
/// The worlds shared by the world tests, generated once: the default small world (2,000 users, 200 creators,
/// 40 days) and the same world served by a popularity-only recommender.
/// </summary>
public sealed class WorldFixture : IDisposable
{
    private readonly TempDirectory _temp = new();

    public WorldFixture()
    {
        var config = new WorldConfig();
        WorldGenerator.Generate(config, _temp.Combine("default"));
        Default = new GeneratedWorld(config, _temp.Combine("default"));
        var popular = config with { Recommender = config.Recommender with { PopularityShare = 1.0 } };
        WorldGenerator.Generate(popular, _temp.Combine("popular"));
        PopularityOnly = new GeneratedWorld(popular, _temp.Combine("popular"));
    }

    public GeneratedWorld Default { get; }
    public GeneratedWorld PopularityOnly { get; }

    public void Dispose() => _temp.Dispose();
}

[CollectionDefinition(Name)]
public sealed class WorldCollection : ICollectionFixture<WorldFixture>
{
    public const string Name = "generated worlds";
}
