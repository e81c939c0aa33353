using System.CommandLine;

namespace Twofold.Cli;

/// <summary>The <c>twofold</c> command tree: one file per command under Commands/.</summary>
public static class TwofoldCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Twofold: a two-sided recommendation platform (users and creators).");
        // Commands are registered here, one line each.
        root.Subcommands.Add(Commands.WorldCommand.Create());
        return root;
    }
}
