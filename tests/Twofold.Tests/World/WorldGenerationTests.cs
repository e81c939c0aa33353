using Twofold.Cli;
using Twofold.Data;
using Twofold.Tests.Support;
using Twofold.World;

namespace Twofold.Tests.World;

public class WorldGenerationTests
{
    private static readonly WorldConfig Small = new() { Users = 300, Creators = 30, Days = 8, Seed = 7 };

    private static string Rows(string directory)
    {
        var e = Dataset.Open(directory).Events.ReadAll();
        var rows = new System.Text.StringBuilder();
        for (var r = 0; r < e.Count; r++)
            rows.Append(e.Users[r]).Append(',').Append(e.Items[r]).Append(',').Append(e.TimesMs[r]).Append(',')
                .Append(e.WatchesMs[r]).Append(',').Append((int)e.Feedback[r]).Append('\n');
        return rows.ToString();
    }

    [Fact]
    public void The_same_seed_gives_the_same_log_and_truth_and_another_seed_does_not()
    {
        using var temp = new TempDirectory();
        WorldGenerator.Generate(Small, temp.Combine("a"));
        WorldGenerator.Generate(Small, temp.Combine("b"));
        WorldGenerator.Generate(Small with { Seed = 8 }, temp.Combine("c"));
        var a = Rows(temp.Combine("a"));
        Assert.NotEmpty(a);
        Assert.Equal(a, Rows(temp.Combine("b")));
        Assert.NotEqual(a, Rows(temp.Combine("c")));
        foreach (var file in new[] { "users.bin", "creators.bin", "items.bin", "activity.bin", "config.json" })
            Assert.Equal(File.ReadAllBytes(temp.Combine("a", "world", file)), File.ReadAllBytes(temp.Combine("b", "world", file)));
    }

    [Fact]
    public void Ground_truth_round_trips()
    {
        using var temp = new TempDirectory();
        var dir = temp.Combine("w");
        WorldGenerator.Generate(Small, dir);
        var truth = WorldTruth.Load(dir);
        var fresh = WorldGenerator.CreateState(Small);
        Assert.Equal(Small, truth.Config);
        Assert.Equal(fresh.Users.Taste, truth.Users.Taste);
        Assert.Equal(fresh.Users.Propensity, truth.Users.Propensity);
        Assert.Equal(fresh.Users.BaseVisitRate, truth.Users.BaseVisitRate);
        Assert.Equal(fresh.Users.InterestGenres, truth.Users.InterestGenres);
        Assert.Equal(fresh.Creators.Followers, truth.Creators.Followers);
        Assert.Equal(fresh.Creators.Style, truth.Creators.Style);
        Assert.Equal(fresh.Space.Centroids, truth.Space.Centroids);

        var items = Dataset.Open(dir).ReadItems();
        Assert.Equal(items.Count, truth.Items.Count);
        Assert.Equal(items.Select(i => i.DurationMs), truth.Items.DurationMs.ToArray());
        Assert.Equal(items.Select(i => i.Creator.Value), truth.Items.Creator.ToArray());
        Assert.Equal(items[5].ContentEmbedding, truth.Items.ContentOf(5).ToArray());
        // The first items are the backlog, identical to a fresh state's.
        Assert.Equal(fresh.Items.Latents.ToArray(), truth.Items.Latents[..fresh.Items.Latents.Length].ToArray());

        Assert.Equal(Small.Days, truth.ActivityDays);
        var visited = new bool[Small.Users];
        var probability = new float[Small.Users];
        var events = Dataset.Open(dir).Events.ReadAll();
        var first = EventLogDays.FromDate(Small.StartDate);
        for (var day = 0; day < Small.Days; day++)
        {
            truth.ReadActivity(day, visited, probability);
            var logged = new bool[Small.Users];
            for (var r = 0; r < events.Count; r++)
                if (EventLogDays.DayNumber(events.TimesMs[r]) - first == day) logged[events.Users[r]] = true;
            Assert.Equal(visited, logged);
            Assert.All(probability, p => Assert.InRange(p, 0f, 1f));
        }
    }

    [Fact]
    public void A_truncated_truth_file_is_reported()
    {
        using var temp = new TempDirectory();
        var dir = temp.Combine("w");
        WorldGenerator.Generate(Small with { Days = 2 }, dir);
        var path = Path.Combine(dir, "world", "users.bin");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var error = Assert.Throws<DataFormatException>(() => WorldTruth.Load(dir));
        Assert.Contains("users.bin", error.Message);
    }

    [Theory]
    [InlineData("users", 0)]
    [InlineData("creators", -1)]
    [InlineData("days", 0)]
    public void Bad_counts_are_named(string field, int value)
    {
        var config = field switch
        {
            "users" => new WorldConfig { Users = value },
            "creators" => new WorldConfig { Creators = value },
            _ => new WorldConfig { Days = value },
        };
        var error = Assert.Throws<ArgumentException>(() => config.Validate());
        Assert.StartsWith($"{field} must be", error.Message);
    }

    [Fact]
    public void Bad_config_files_give_clear_errors()
    {
        using var temp = new TempDirectory();
        var badValue = temp.Combine("bad-value.json");
        File.WriteAllText(badValue, """{ "activity": { "mean_visit_rate": 1.5 } }""");
        var error = Assert.Throws<ArgumentException>(() => WorldConfig.Load(badValue).Validate());
        Assert.Contains("activity.mean_visit_rate must be between", error.Message);

        var unknown = temp.Combine("unknown.json");
        File.WriteAllText(unknown, """{ "userz": 10 }""");
        var format = Assert.Throws<DataFormatException>(() => WorldConfig.Load(unknown));
        Assert.Contains("userz", format.Message);

        var partial = temp.Combine("partial.json");
        File.WriteAllText(partial, """{ "users": 123, "recommender": { "popularity_share": 1 } }""");
        var loaded = WorldConfig.Load(partial);
        Assert.Equal(123, loaded.Users);
        Assert.Equal(1.0, loaded.Recommender.PopularityShare);
        Assert.Equal(new WorldConfig().Creators, loaded.Creators);
    }

    [Fact]
    public void The_command_generates_a_world_and_rejects_bad_flags()
    {
        using var temp = new TempDirectory();
        var output = temp.Combine("cli");
        var config = temp.Combine("config.json");
        File.WriteAllText(config, """{ "days": 3 }""");
        var ok = TwofoldCommandLine.Build().Parse(["world", "generate", "--config", config, "--users", "200", "--creators", "20", "--seed", "3", "--out", output]).Invoke();
        Assert.Equal(0, ok);
        var truth = WorldTruth.Load(output);
        Assert.Equal(3, truth.Config.Days);
        Assert.Equal(200, truth.Users.Count);
        Assert.Equal(3, truth.Config.Seed);

        var again = TwofoldCommandLine.Build().Parse(["world", "generate", "--users", "200", "--creators", "20", "--days", "2", "--out", output]).Invoke();
        Assert.Equal(CommandErrors.Failure, again);
        var bad = TwofoldCommandLine.Build().Parse(["world", "generate", "--users", "0", "--out", temp.Combine("bad")]).Invoke();
        Assert.Equal(CommandErrors.Failure, bad);
        Assert.False(Directory.Exists(temp.Combine("bad")));
    }
}
