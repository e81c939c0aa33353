using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Twofold.Pipeline;

namespace Twofold.Cli.Commands;

/// <summary><c>twofold dispatch &lt;bundle&gt; --item &lt;id&gt;</c>: the users the creator side matches a new item with.</summary>
public static class DispatchCommand
{
    public static Command Create()
    {
        var bundle = new Argument<string>("bundle") { Description = "A model bundle directory (from twofold train)." };
        var item = new Option<int>("--item") { Description = "The item's dense id in the bundle's dataset.", Required = true };
        var store = new Option<string?>("--store") { Description = "An SQLite availability store, so dispatches accumulate across runs; memory otherwise." };
        var version = new Option<int>("--version") { Description = "DualRec version 1 … 5.", DefaultValueFactory = _ => 5 };
        var show = new Option<int>("--show") { Description = "Users listed at most.", DefaultValueFactory = _ => 20 };
        var command = new Command("dispatch", "Match an item with users through the creator-side recommender and show them with their source and score.");
        command.Arguments.Add(bundle);
        foreach (var option in new Option[] { item, store, version, show }) command.Options.Add(option);
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            using var session = ServingSession.Open(parse.GetValue(bundle)!, parse.GetValue(store), parse.GetValue(version));
            var id = parse.GetValue(item);
            if ((uint)id >= (uint)session.Pipeline.ItemCount)
                throw new ArgumentException($"--item {id} is not an item of the bundle's dataset.");
            var dispatch = session.Pipeline.CreatorSide!.Dispatch(session.Day, id);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"item {id}: {dispatch.Users.Count} users matched{(dispatch.AlreadyDispatched ? " (dispatched before; the ledger's users)" : "")}; {session.ActiveUsers:N0} users were predicted active"));
            var table = new Table().Border(TableBorder.Rounded).AddColumn("user").AddColumn("source").AddColumn(new TableColumn("g_ui").RightAligned());
            foreach (var user in dispatch.Users.Take(parse.GetValue(show)))
                table.AddRow(user.User.ToString(CultureInfo.InvariantCulture), user.Source?.ToString() ?? "-",
                    user.Score?.ToString("F4", CultureInfo.InvariantCulture) ?? "-");
            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }
}
