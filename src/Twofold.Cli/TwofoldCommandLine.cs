using System.CommandLine;
using Twofold.Cli.Commands;

namespace Twofold.Cli;

/// <summary>The <c>twofold</c> command tree: one file per command under Commands/.</summary>
public static class TwofoldCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Twofold: a two-sided recommendation platform (users and creators).");
        // Commands are registered here, one line each.
        root.Subcommands.Add(SimulateCommand.Create());
        root.Subcommands.Add(WorldCommand.Create());
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(DataCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(ActivityCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(DispatchCommand.Create());
        root.Subcommands.Add(FeedCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        return root;
    }
}
