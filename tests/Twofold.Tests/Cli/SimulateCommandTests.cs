using System.Text.Json;
using Twofold.Cli;
using Twofold.Tests.Support;

namespace Twofold.Tests.Cli;

public class SimulateCommandTests
{
    [Fact]
    public async Task Simulate_runs_the_configured_arms_and_writes_its_metrics()
    {
        using var dir = new TempDirectory();
        var config = dir.Combine("sim.json");
        File.WriteAllText(config, """
            {
              "world": { "users": 600, "creators": 60, "seed": 3 },
              "warm_up_days": 7,
              "days": 3,
              "arms": ["base", "dualrec"],
              "platform": {
                "bundle": {
                  "two_tower": { "epochs": 1, "embedding_dim": 8, "hidden_dim": 16, "output_dim": 8 },
                  "ranker": { "epochs": 1, "max_samples": 20000, "embedding_dim": 8 },
                  "activity": { "iterations": 10, "min_history_days": 3, "training_days": 4 }
                }
              }
            }
            """);
        Assert.Equal(0, TwofoldCommandLine.Build().Parse(["simulate", "--config", config, "--out", dir.Combine("out")]).Invoke());
        using var summary = JsonDocument.Parse(File.ReadAllText(dir.Combine("out", "summary.json")));
        Assert.Equal(2, summary.RootElement.GetProperty("arms").GetArrayLength());
        Assert.True(File.Exists(dir.Combine("out", "days.json")));
        await using (var parquet = File.OpenRead(dir.Combine("out", "days.parquet")))
        await using (var reader = await Parquet.ParquetReader.CreateAsync(parquet))
        {
            Assert.Equal(6, reader.OpenRowGroupReader(0).RowCount); // 2 arms × 3 days
            Assert.Contains(reader.Schema.DataFields, f => f.Name == "exposures_creator_side");
        }
        var report = File.ReadAllText(dir.Combine("out", "report.html"));
        Assert.Contains("<svg", report);
        Assert.Contains("dualrec", report);
        Assert.Contains("Changes against the control arm", report);
        Assert.False(Directory.Exists(dir.Combine("out", "work")));
    }

    [Fact]
    public void Simulate_with_seeds_runs_each_seed_and_reports_intervals_across_them()
    {
        using var dir = new TempDirectory();
        var config = dir.Combine("sim.json");
        File.WriteAllText(config, """
            {
              "world": { "users": 600, "creators": 60, "seed": 3 },
              "warm_up_days": 7,
              "days": 3,
              "arms": ["base", "dualrec-v1"],
              "platform": {
                "bundle": {
                  "two_tower": { "epochs": 1, "embedding_dim": 8, "hidden_dim": 16, "output_dim": 8 },
                  "ranker": { "epochs": 1, "max_samples": 10000, "embedding_dim": 8 },
                  "creator_side_ranker": false,
                  "activity": { "iterations": 10, "min_history_days": 3, "training_days": 4 }
                }
              }
            }
            """);
        Assert.Equal(0, TwofoldCommandLine.Build().Parse(["simulate", "--config", config, "--seeds", "2", "--out", dir.Combine("out")]).Invoke());
        using var summary = JsonDocument.Parse(File.ReadAllText(dir.Combine("out", "summary.json")));
        Assert.Equal([3, 4], summary.RootElement.GetProperty("seeds").EnumerateArray().Select(e => e.GetInt64()));
        var across = summary.RootElement.GetProperty("across_seeds");
        Assert.True(across.GetArrayLength() > 0);
        Assert.Equal(2, across[0].GetProperty("changes").GetArrayLength());
        Assert.Equal(2, summary.RootElement.GetProperty("runs").GetArrayLength());
        foreach (var seed in new[] { "seed-3", "seed-4" })
        {
            Assert.True(File.Exists(dir.Combine("out", seed, "summary.json")));
            Assert.True(File.Exists(dir.Combine("out", seed, "report.html")));
        }
        Assert.Contains("across 2 seeds", File.ReadAllText(dir.Combine("out", "report.html")));
        Assert.Equal(CommandErrors.Failure, TwofoldCommandLine.Build().Parse(["simulate", "--config", config, "--seeds", "0", "--out", dir.Combine("bad")]).Invoke());
        Assert.False(Directory.Exists(dir.Combine("bad")));
    }

    [Fact]
    public void Simulate_rejects_a_bad_config_without_writing_anything()
    {
        using var dir = new TempDirectory();
        var config = dir.Combine("sim.json");
        File.WriteAllText(config, """{ "arms": ["base", "nonsense"] }""");
        Assert.Equal(CommandErrors.Failure, TwofoldCommandLine.Build().Parse(["simulate", "--config", config, "--out", dir.Combine("out")]).Invoke());
        Assert.Equal(CommandErrors.Failure,
            TwofoldCommandLine.Build().Parse(["simulate", "--config", dir.Combine("none.json"), "--out", dir.Combine("out")]).Invoke());
        Assert.False(Directory.Exists(dir.Combine("out")));
    }
}
