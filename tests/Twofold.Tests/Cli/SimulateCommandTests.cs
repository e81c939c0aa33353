using Twofold.Cli;
using Twofold.Data;
using Twofold.Tests.Support;

namespace Twofold.Tests.Cli;

public class SimulateCommandTests
{
    [Fact]
    public void Simulate_generates_the_configured_world_and_replaces_its_previous_output()
    {
        using var dir = new TempDirectory();
        var config = dir.Combine("world.json");
        File.WriteAllText(config, """{ "users": 300, "creators": 30, "days": 5, "seed": 3 }""");
        for (var run = 0; run < 2; run++)
            Assert.Equal(0, TwofoldCommandLine.Build().Parse(["simulate", "--config", config, "--out", dir.Combine("out")]).Invoke());
        var dataset = Dataset.Open(dir.Combine("out", "world"));
        Assert.Equal(300, dataset.Manifest.Users);
        Assert.True(dataset.Manifest.Interactions > 0);
    }

    [Fact]
    public void Simulate_rejects_a_missing_config_file()
    {
        using var dir = new TempDirectory();
        Assert.Equal(CommandErrors.Failure,
            TwofoldCommandLine.Build().Parse(["simulate", "--config", dir.Combine("none.json"), "--out", dir.Combine("out")]).Invoke());
        Assert.False(Directory.Exists(dir.Combine("out", "world")));
    }
}
