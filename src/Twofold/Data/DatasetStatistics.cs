using Twofold.Domain;
using Twofold.Evaluation;

namespace Twofold.Data;

/// <summary>What a dataset holds: sizes, density, feedback rates, and how activity and popularity are spread.</summary>
public sealed record DatasetStatistics(
    string Source,
    int Users,
    int Items,
    int Creators,
    long Interactions,
    double Density,
    DateOnly? FirstDay,
    DateOnly? LastDay,
    double MeanActiveUsersPerDay,
    double MeanWatchMs,
    double MeanDurationMs,
    IReadOnlyDictionary<string, double> FeedbackRates,
    Distribution InteractionsPerUser,
    Distribution InteractionsPerItem,
    Distribution ItemsPerCreator)
{
    /// <summary>Computes the statistics in one streaming pass over the event log.</summary>
    public static DatasetStatistics Compute(Dataset dataset)
    {
        var m = dataset.Manifest;
        var perUser = new long[m.Users];
        var perItem = new long[m.Items];
        var feedback = new long[FeedbackKinds.All.Count];
        long rows = 0;
        double watch = 0, duration = 0;
        long activeUserDays = 0;
        var days = 0;
        var log = dataset.Events;
        foreach (var day in log.Days)
        {
            var seenToday = new HashSet<int>();
            foreach (var batch in log.ReadBatches(day, day, reuse: true))
            {
                var users = batch.Users;
                var items = batch.Items;
                var flags = batch.Feedback;
                for (var r = 0; r < batch.Count; r++)
                {
                    var u = users[r];
                    var i = items[r];
                    if ((uint)u >= (uint)perUser.Length || (uint)i >= (uint)perItem.Length)
                        throw new DataFormatException(log.Directory, $"interaction on {day:yyyy-MM-dd} refers to user {u} or item {i}, outside the dataset's tables");
                    perUser[u]++;
                    perItem[i]++;
                    seenToday.Add(u);
                    for (var k = 0; k < feedback.Length; k++)
                        if ((flags[r] & FeedbackKinds.All[k].Kind) != 0) feedback[k]++;
                    watch += batch.WatchesMs[r];
                    duration += batch.DurationsMs[r];
                }
                rows += batch.Count;
            }
            activeUserDays += seenToday.Count;
            days++;
        }

        var perCreator = new long[m.Creators];
        foreach (var item in dataset.ReadItems())
            if ((uint)item.Creator.Value < (uint)perCreator.Length) perCreator[item.Creator.Value]++;

        var rates = new Dictionary<string, double>();
        for (var k = 0; k < feedback.Length; k++) rates[FeedbackKinds.All[k].Column] = rows == 0 ? 0 : feedback[k] / (double)rows;
        var cells = (double)m.Users * m.Items;
        return new DatasetStatistics(m.Source, m.Users, m.Items, m.Creators, rows, cells == 0 ? 0 : rows / cells,
            log.Days.Count == 0 ? null : log.Days.First(), log.Days.Count == 0 ? null : log.Days.Last(),
            days == 0 ? 0 : activeUserDays / (double)days, rows == 0 ? 0 : watch / rows, rows == 0 ? 0 : duration / rows, rates,
            Distribution.Of(perUser), Distribution.Of(perItem), Distribution.Of(perCreator));
    }
}
