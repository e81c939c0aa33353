using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Twofold.Pipeline;

namespace Twofold.Cli.Commands;

/// <summary><c>twofold feed &lt;bundle&gt; --user &lt;id&gt;</c>: the combined recommendation for a visiting user.</summary>
public static class FeedCommand
{
    public static Command Create()
    {
        var bundle = new Argument<string>("bundle") { Description = "A model bundle directory (from twofold train)." };
        var user = new Option<int>("--user") { Description = "The user's dense id in the bundle's dataset.", Required = true };
        var k = new Option<int>("--k") { Description = "Feed length.", DefaultValueFactory = _ => 20 };
        var store = new Option<string?>("--store") { Description = "The SQLite availability store that dispatches wrote D_u to; memory otherwise." };
        var command = new Command("feed", "Show a user's feed: user-side retrievals plus the creator-side matches D_u, ranked by f'_ui.");
        command.Arguments.Add(bundle);
        foreach (var option in new Option[] { user, k, store }) command.Options.Add(option);
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            using var session = ServingSession.Open(parse.GetValue(bundle)!, parse.GetValue(store));
            var id = parse.GetValue(user);
            if ((uint)id >= (uint)session.Bundle.Manifest.Users) throw new ArgumentException($"--user {id} is not a user of the bundle's dataset.");
            var feed = session.Pipeline.Feed.Feed(session.Day, id, parse.GetValue(k));
            var table = new Table().Border(TableBorder.Rounded).AddColumn("#").AddColumn("item").AddColumn("source")
                .AddColumn(new TableColumn("f'_ui").RightAligned()).AddColumn("in D_u");
            for (var r = 0; r < feed.Count; r++)
                table.AddRow((r + 1).ToString(CultureInfo.InvariantCulture), feed[r].Item.ToString(CultureInfo.InvariantCulture), feed[r].Source.ToString(),
                    feed[r].Score.ToString("F4", CultureInfo.InvariantCulture), feed[r].FromCreatorSide ? "yes" : "");
            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }
}
