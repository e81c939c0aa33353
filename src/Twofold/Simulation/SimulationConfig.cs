using System.Text.Json;
using Twofold.Data;
using Twofold.World;

namespace Twofold.Simulation;

/// <summary>
/// A simulation run as a file (snake_case JSON; missing fields keep their defaults, unknown ones are errors): the world,
/// how long it is warmed up and simulated, the arms' strategies (the first is the control), and how platforms train.
/// The defaults are the embedded configuration of <c>twofold simulate</c>.
/// </summary>
public sealed record SimulationConfig
{
    public WorldConfig World { get; init; } = new() { Users = 10_000, Creators = 1_000, Seed = 42 };

    /// <summary>Days of history under the world's logging recommender before the arms start.</summary>
    public int WarmUpDays { get; init; } = 14;

    public int Days { get; init; } = 14;

    /// <summary>Strategy names (see <see cref="StrategyConfig.Named"/>); the first arm is the control.</summary>
    public IReadOnlyList<string> Arms { get; init; } = ["base", "dualrec"];

    /// <summary>ExpoReach counts a new item's exposures within this many days of upload.</summary>
    public int ExposureWindowDays { get; init; } = 3;

    public PlatformOptions Platform { get; init; } = new();

    /// <summary>
    /// Runs of the whole experiment, each under its own seed (see <see cref="ForSeed"/>); with more than one, every
    /// comparison also gets an interval across seeds (<see cref="SeedSummary"/>).
    /// </summary>
    public int Seeds { get; init; } = 1;

    /// <summary>
    /// The configuration of the k-th repeated run: the world's seed (so the world, the arm assignment and every agent's
    /// draws) and the platforms' training seeds advance by k.
    /// </summary>
    public SimulationConfig ForSeed(int k)
    {
        if (k < 0) throw new ArgumentOutOfRangeException(nameof(k), k, "Seed offsets start at 0.");
        var bundle = Platform.Bundle;
        return this with
        {
            Seeds = 1,
            World = World with { Seed = World.Seed + k },
            Platform = Platform with
            {
                Bundle = bundle with
                {
                    TwoTower = bundle.TwoTower with { Seed = bundle.TwoTower.Seed + k },
                    Ranker = bundle.Ranker with { Seed = bundle.Ranker.Seed + k },
                    Activity = bundle.Activity with { Seed = bundle.Activity.Seed + k },
                },
            },
        };
    }

    public SimulationConfig Validate()
    {
        World.Validate();
        if (WarmUpDays < 1) throw new ArgumentException($"warm_up_days must be at least 1 (platforms train on the warm-up's log), not {WarmUpDays}.");
        // The activity model's first target day needs min_history_days earlier days, and the first training sees only the warm-up.
        if (Platform.Bundle.TrainActivity && WarmUpDays <= Platform.Bundle.Activity.MinHistoryDays)
            throw new ArgumentException($"warm_up_days ({WarmUpDays}) must exceed the activity model's min_history_days ({Platform.Bundle.Activity.MinHistoryDays}): " +
                "the first training needs a target day with that many earlier days.");
        if (Days < ExposureWindowDays) throw new ArgumentException($"days ({Days}) must be at least exposure_window_days ({ExposureWindowDays}).");
        if (Arms.Count < 1) throw new ArgumentException("arms must name at least one strategy.");
        foreach (var arm in Arms) StrategyConfig.Named(arm);
        if (Arms.Distinct().Count() != Arms.Count) throw new ArgumentException("arms must not name a strategy twice.");
        Platform.Validate();
        if (Seeds < 1 || Seeds > 100) throw new ArgumentException($"seeds must be between 1 and 100, not {Seeds}.");
        return this;
    }

    public static SimulationConfig Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"The simulation config {path} does not exist.", path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Reads a config from JSON text; <paramref name="source"/> names it in errors.</summary>
    public static SimulationConfig Parse(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<SimulationConfig>(json, WorldConfig.Json)
                   ?? throw new DataFormatException(source, "the simulation config is empty (null)");
        }
        catch (JsonException e)
        {
            throw new DataFormatException(source, $"the simulation config is not valid: {e.Message}", line: e.LineNumber + 1, inner: e);
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, WorldConfig.Json);
}
