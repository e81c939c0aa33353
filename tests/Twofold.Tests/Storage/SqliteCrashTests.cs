using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Twofold.Storage;
using Twofold.Tests.CrashProbe;
using Twofold.Tests.Support;

namespace Twofold.Tests.Storage;

public class SqliteCrashTests
{
    [Fact]
    public void A_process_killed_mid_dispatch_leaves_no_half_reservation_and_redispatch_completes_it()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("ledger.db");
        const int items = 400;

        var printed = RunProbeAndKill(path, items, killAfterReserved: 60);
        long committed;

        // Whatever was committed is whole: every dispatched item has all its matches, in one ledger row;
        // an item that was not committed has no trace.
        using (var db = new SqliteConnection($"Data Source={path}"))
        {
            db.Open();
            // Dispatched items, matches and counts are views of one ledger row per item, so they agree by construction;
            // what must hold is that every row is a whole list.
            Assert.Equal(0L, Scalar(db, "SELECT count(*) FROM ledger WHERE NOT json_valid(users) OR json_type(users) <> 'array'"));
            Assert.Equal(0L, Scalar(db, $"SELECT count(*) FROM counts WHERE matched > {DispatchScenario.Capacity}"));
            // Items are dispatched in order, so the committed ones are exactly the first `committed`; the probe ran on
            // for a moment after its last line was read, so more than were printed may have committed.
            committed = Scalar(db, "SELECT count(*) FROM dispatched");
            Assert.InRange(committed, printed, items - 1);
            Assert.Equal(committed - 1, Scalar(db, "SELECT max(item) FROM dispatched"));
        }

        // Re-dispatching the whole batch completes it, and the ledger equals one uninterrupted run.
        using var store = new SqliteAvailabilityStore(path);
        using var reference = new InMemoryAvailabilityStore();
        store.OpenDay(DispatchScenario.Day, DispatchScenario.Capacity, DispatchScenario.ActiveUsers());
        reference.OpenDay(DispatchScenario.Day, DispatchScenario.Capacity, DispatchScenario.ActiveUsers());
        var alreadyDone = 0;
        for (var item = 0; item < items; item++)
        {
            var expected = reference.Reserve(DispatchScenario.Day, item, DispatchScenario.Candidates(item), DispatchScenario.Limit);
            var actual = store.Reserve(DispatchScenario.Day, item, DispatchScenario.Candidates(item), DispatchScenario.Limit);
            if (actual.AlreadyDispatched) alreadyDone++;
            Assert.Equal(expected.Users, actual.Users);
        }
        Assert.Equal(committed, alreadyDone);
        for (var user = 0; user < DispatchScenario.Users; user += 97)
            Assert.Equal(reference.MatchedItems(DispatchScenario.Day, user), store.MatchedItems(DispatchScenario.Day, user));
    }

    /// <summary>Starts the probe, waits until it has reported <paramref name="killAfterReserved"/> reservations, kills it.</summary>
    private static int RunProbeAndKill(string path, int items, int killAfterReserved)
    {
        var probe = Path.Combine(AppContext.BaseDirectory, "Twofold.CrashProbe.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(probe);
        start.ArgumentList.Add(path);
        start.ArgumentList.Add(items.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var process = Process.Start(start)!;
        var reserved = 0;
        while (process.StandardOutput.ReadLine() is { } line)
        {
            if (line.StartsWith("reserved ", StringComparison.Ordinal)) reserved++;
            if (reserved == killAfterReserved) break;
        }
        process.Kill(); // SIGKILL: no clean-up runs in the probe
        process.WaitForExit();
        Assert.True(reserved == killAfterReserved, $"the probe exited after {reserved} reservations, before it could be killed");
        Assert.NotEqual(0, process.ExitCode);
        return reserved;
    }

    private static long Scalar(SqliteConnection db, string sql)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }
}
