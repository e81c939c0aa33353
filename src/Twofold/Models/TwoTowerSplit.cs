using Twofold.Data;

namespace Twofold.Models;

/// <summary>
/// The time split of a fit: positives on days before the cut are trained on, positives on the last
/// <see cref="TwoTowerOptions.ValidationDays"/> days (counted back from the newest event) are held out.
/// Also the candidates' training frequencies (for log Q and the popularity baseline).
/// </summary>
internal sealed class TwoTowerSplit
{
    public required int[] TrainRows { get; init; }

    /// <summary>Every training positive, of which <see cref="TrainRows"/> may be a sample (log Q divides by this).</summary>
    public required int TrainPositives { get; init; }
    public required int CutDay { get; init; }
    public required bool HasValidation { get; init; }
    public required int[] UserCounts { get; init; }
    public required int[] ItemCounts { get; init; }
    public required PairIndex TrainByUser { get; init; }
    public required PairIndex TrainByItem { get; init; }
    public required PairIndex HeldOutByUser { get; init; }
    public required PairIndex HeldOutByItem { get; init; }

    public static TwoTowerSplit Create(TwoTowerData data, TwoTowerOptions options)
    {
        var events = data.Events;
        if (data.Sample is { } sample)
        {
            // Every row is a training positive drawn from the log; nothing is held out (a capped read needs no validation).
            var none = Array.Empty<int>();
            return new TwoTowerSplit
            {
                TrainRows = Enumerable.Range(0, events.Count).ToArray(),
                TrainPositives = sample.TrainPositives,
                CutDay = int.MaxValue,
                HasValidation = false,
                UserCounts = sample.UserCounts,
                ItemCounts = sample.ItemCounts,
                TrainByUser = PairIndex.Build(data.UserCount, events.Users, events.Items, none),
                TrainByItem = PairIndex.Build(data.ItemCount, events.Items, events.Users, none),
                HeldOutByUser = PairIndex.Build(data.UserCount, events.Users, events.Items, none),
                HeldOutByItem = PairIndex.Build(data.ItemCount, events.Items, events.Users, none),
            };
        }
        var newestDay = int.MinValue;
        for (var r = 0; r < events.Count; r++) newestDay = Math.Max(newestDay, EventLogDays.DayNumber(events.TimesMs[r]));
        var cut = options.ValidationDays == 0 ? int.MaxValue : newestDay - options.ValidationDays + 1;
        List<int> train = [], heldOut = [];
        for (var r = 0; r < events.Count; r++)
        {
            if ((events.Feedback[r] & options.Positive) == 0) continue;
            (EventLogDays.DayNumber(events.TimesMs[r]) < cut ? train : heldOut).Add(r);
        }
        if (train.Count < 2)
            throw new ArgumentException(
                $"Expected at least 2 positive interactions (feedback {options.Positive}) before the validation cut" +
                $"{(options.ValidationDays > 0 ? $" (the last {options.ValidationDays} day(s) are held out)" : "")}, actual {train.Count}.",
                nameof(data));
        var userCounts = new int[data.UserCount];
        var itemCounts = new int[data.ItemCount];
        foreach (var r in train)
        {
            userCounts[events.Users[r]]++;
            itemCounts[events.Items[r]]++;
        }
        return new TwoTowerSplit
        {
            TrainRows = train.ToArray(),
            TrainPositives = train.Count,
            CutDay = cut,
            HasValidation = options.ValidationDays > 0 && heldOut.Count > 0,
            UserCounts = userCounts,
            ItemCounts = itemCounts,
            TrainByUser = PairIndex.Build(data.UserCount, events.Users, events.Items, train),
            TrainByItem = PairIndex.Build(data.ItemCount, events.Items, events.Users, train),
            HeldOutByUser = PairIndex.Build(data.UserCount, events.Users, events.Items, heldOut),
            HeldOutByItem = PairIndex.Build(data.ItemCount, events.Items, events.Users, heldOut),
        };
    }
}
