using System.CommandLine;

namespace Twofold.Cli.Commands;

/// <summary><c>twofold eval</c>: offline evaluation; each subcommand lives in its own file.</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var eval = new Command("eval", "Offline evaluation.");
        // Subcommands are registered here, one line each.
        eval.Subcommands.Add(EvalRetrievalCommand.Create());
        eval.Subcommands.Add(EvalRankingCommand.Create());
        return eval;
    }
}
