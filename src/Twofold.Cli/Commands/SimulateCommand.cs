using System.CommandLine;
using Twofold.Data;
using Twofold.World;

namespace Twofold.Cli.Commands;

/// <summary>
/// <c>twofold simulate</c>: the main job. The ecosystem simulator with co-diverted A/B arms is not built yet; until
/// it is, this generates the world the simulator will run on (the embedded default configuration, or
/// <c>--config</c>) and prints its statistics.
/// </summary>
public static class SimulateCommand
{
    public const string DefaultOutput = "out/simulate";

    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "A world config JSON file (see docs/world.md); the embedded default otherwise." };
        var output = new Option<string>("--out")
        {
            Description = $"Directory for the run's output; replaced on every run (default {DefaultOutput}).",
            DefaultValueFactory = _ => DefaultOutput,
        };
        var command = new Command("simulate", "Run the main job: for now, generate the default world and print its statistics.");
        command.Options.Add(config);
        command.Options.Add(output);
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            var path = parse.GetValue(config);
            var world = path is null ? new WorldConfig() : WorldConfig.Load(path);
            world.Validate();
            var directory = Path.Combine(parse.GetValue(output)!, "world");
            var summary = WorldCommand.Run(world, directory, overwrite: true);
            Console.WriteLine($"world written to {summary.Directory}");
            DataCommand.Print(DatasetStatistics.Compute(Dataset.Open(summary.Directory)));
            return 0;
        }));
        return command;
    }
}
