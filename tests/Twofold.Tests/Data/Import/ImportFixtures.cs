using Twofold.Data;
using Twofold.Domain;

namespace Twofold.Tests.Data.Import;

/// <summary>Paths of the hand-written import fixtures and helpers to look rows up in an imported dataset.</summary>
internal static class ImportFixtures
{
    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([AppContext.BaseDirectory, "Fixtures", "Import", .. parts]);

    /// <summary>The events with their extras, by external user and item id.</summary>
    public static Dictionary<(string User, string Item), (Interaction Event, Dictionary<string, int> Extras)> EventsByExternalId(Dataset dataset)
    {
        var users = dataset.ReadUsers();
        var items = dataset.ReadItems();
        var all = dataset.Events.ReadAll();
        var result = new Dictionary<(string, string), (Interaction, Dictionary<string, int>)>();
        for (var r = 0; r < all.Count; r++)
        {
            var e = all[r];
            var extras = all.ExtraColumns.Select((name, c) => (name, all.Extra(c)[r])).ToDictionary(x => x.name, x => x.Item2);
            result.Add((users[e.User.Value].ExternalId, items[e.Item.Value].ExternalId), (e, extras));
        }
        return result;
    }

    public static long BeijingMs(int year, int month, int day, int hour = 0, int minute = 0, int second = 0, int ms = 0) =>
        new DateTimeOffset(year, month, day, hour, minute, second, ms, TimeSpan.FromHours(8)).ToUnixTimeMilliseconds();
}
