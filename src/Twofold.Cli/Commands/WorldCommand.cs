using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Twofold.World;

namespace Twofold.Cli.Commands;

/// <summary><c>twofold world generate</c>: a seeded synthetic world written as a dataset with its ground truth.</summary>
public static class WorldCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "A world config JSON file (snake_case; see docs/world.md). Flags override it." };
        var users = new Option<int?>("--users") { Description = "Number of users." };
        var creators = new Option<int?>("--creators") { Description = "Number of creators." };
        var days = new Option<int?>("--days") { Description = "Number of logged days." };
        var seed = new Option<long?>("--seed") { Description = "Seed of every random choice." };
        var output = new Option<string>("--out") { Description = "The dataset directory to create.", Required = true };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace the output directory if it exists." };

        var generate = new Command("generate", "Generate a synthetic world: event log, users, creators, items, and ground truth in <out>/world/.");
        foreach (var option in new Option[] { config, users, creators, days, seed, output, overwrite }) generate.Options.Add(option);
        generate.SetAction(parse => CommandErrors.Run(() =>
        {
            var path = parse.GetValue(config);
            var world = path is null ? new WorldConfig() : WorldConfig.Load(path);
            world = world with
            {
                Users = parse.GetValue(users) ?? world.Users,
                Creators = parse.GetValue(creators) ?? world.Creators,
                Days = parse.GetValue(days) ?? world.Days,
                Seed = parse.GetValue(seed) ?? world.Seed,
            };
            world.Validate();
            var summary = Run(world, parse.GetValue(output)!, parse.GetValue(overwrite));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {summary.Directory}: {summary.Users:N0} users, {summary.Creators:N0} creators, {summary.Items:N0} items, " +
                $"{summary.Events:N0} events over {summary.Days} days (mean visit rate {summary.MeanVisitRate:F3}) in {summary.Elapsed.TotalSeconds:F1} s " +
                $"({summary.Users * (double)summary.Days / summary.Elapsed.TotalSeconds:N0} user-days/s, {summary.Events / summary.Elapsed.TotalSeconds:N0} events/s)"));
            return 0;
        }));

        var command = new Command("world", "Synthetic worlds with known ground truth.");
        command.Subcommands.Add(generate);
        return command;
    }

    internal static WorldSummary Run(WorldConfig config, string output, bool overwrite)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            var every = Math.Max(1, config.Days / 10);
            return WorldGenerator.Generate(config, output, overwrite, p =>
            {
                if (p.Day % every == 0 || p.Day == p.Days)
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"day {p.Day}/{p.Days}: {p.Visitors:N0} visitors, {p.Items:N0} items, {p.Events:N0} events"));
            });
        }
        WorldSummary? summary = null;
        AnsiConsole.Progress().Start(context =>
        {
            var task = context.AddTask("generating world", maxValue: config.Days);
            summary = WorldGenerator.Generate(config, output, overwrite, p =>
            {
                task.Value = p.Day;
                task.Description = string.Create(CultureInfo.InvariantCulture, $"day {p.Day}/{p.Days}, {p.Events:N0} events");
            });
        });
        return summary!;
    }
}
