using System.Globalization;
using Twofold.Storage;
using Twofold.Tests.CrashProbe;

// Usage: Twofold.CrashProbe <ledger.db> <items>. Prints "reserved <item>" after each committed reservation.
var path = args[0];
var items = int.Parse(args[1], CultureInfo.InvariantCulture);
using var store = new SqliteAvailabilityStore(path);
store.OpenDay(DispatchScenario.Day, DispatchScenario.Capacity, DispatchScenario.ActiveUsers());
for (var item = 0; item < items; item++)
{
    store.Reserve(DispatchScenario.Day, item, DispatchScenario.Candidates(item), DispatchScenario.Limit);
    Console.Out.WriteLine($"reserved {item}");
    Console.Out.Flush();
}
return 0;
