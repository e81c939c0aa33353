using Twofold.Data;
using Twofold.Domain;

namespace Twofold.Ranking;

/// <summary>
/// Impressions as training or test examples, struct of arrays: user, item, time and one label per task of
/// <see cref="FeedbackTasks.All"/> (row-major, <see cref="TaskCount"/> per row).
/// </summary>
public sealed class FeedbackSamples
{
    private FeedbackSamples(int[] users, int[] items, long[] timesMs, Feedback[] feedback, float[] labels)
    {
        Users = users;
        Items = items;
        TimesMs = timesMs;
        Feedback = feedback;
        Labels = labels;
    }

    public static int TaskCount => FeedbackTasks.All.Count;

    public int[] Users { get; }
    public int[] Items { get; }
    public long[] TimesMs { get; }
    public Feedback[] Feedback { get; }

    /// <summary>Row-major [Count, TaskCount]: the <see cref="FeedbackTasks.Label"/> of each task.</summary>
    public float[] Labels { get; }

    public int Count => Users.Length;

    public float Label(int row, FeedbackTask task) => Labels[row * TaskCount + (int)task];

    /// <summary>Reads the impressions of the days in [<paramref name="from"/>, <paramref name="to"/>], checking ids against the tables.</summary>
    public static FeedbackSamples Read(EventLog log, int users, int items, DateOnly? from = null, DateOnly? to = null) =>
        Read(log, users, items, from, to, null);

    /// <summary>
    /// A seeded sample of at most <paramref name="max"/> impressions of the days in [<paramref name="from"/>,
    /// <paramref name="to"/>], drawn while reading, so only the sample is held: the rows a <see cref="Random"/> seeded
    /// with <paramref name="seed"/> would put first when shuffling every row, in log order (<see cref="ShuffledPrefix"/>).
    /// Every row's ids are still checked. All rows when <paramref name="max"/> is null or the period has no more.
    /// </summary>
    public static FeedbackSamples Read(EventLog log, int users, int items, DateOnly? from, DateOnly? to, int? max, int seed = 0)
    {
        var total = log.CountRows(from, to);
        if (total > int.MaxValue) throw new ArgumentException($"The event log {log.Directory} has {total:N0} impressions in the training period, more than {int.MaxValue:N0} rows can be indexed.");
        var keep = max is { } cap && total > cap ? ShuffledPrefix.Draw(new Random(seed), (int)total, cap) : null;
        if (keep is not null) Array.Sort(keep);
        var count = keep?.Length ?? (int)total;
        var tasks = FeedbackTasks.All;
        var (userIds, itemIds, times, feedback, labels) = (new int[count], new int[count], new long[count], new Feedback[count], new float[count * tasks.Count]);
        var row = 0;
        var kept = 0;
        foreach (var batch in log.ReadBatches(from, to, reuse: true))
        {
            for (var r = 0; r < batch.Count; r++, row++)
            {
                var interaction = batch[r];
                if ((uint)interaction.User.Value >= (uint)users || (uint)interaction.Item.Value >= (uint)items)
                    throw new ArgumentException($"Impression {row} has user {interaction.User.Value} and item {interaction.Item.Value}, outside the {users} users and {items} items.");
                if (keep is not null && (kept == keep.Length || keep[kept] != row)) continue;
                if (kept == count) throw new InvalidDataException($"The event log {log.Directory} has more rows than its files' metadata counts ({total:N0}).");
                userIds[kept] = interaction.User.Value;
                itemIds[kept] = interaction.Item.Value;
                times[kept] = interaction.TimeMs;
                feedback[kept] = interaction.Feedback;
                for (var t = 0; t < tasks.Count; t++) labels[kept * tasks.Count + t] = tasks[t].Label(interaction);
                kept++;
            }
        }
        if (row != total) throw new InvalidDataException($"The event log {log.Directory} has {row:N0} rows where its files' metadata counts {total:N0}.");
        return new FeedbackSamples(userIds, itemIds, times, feedback, labels);
    }

    /// <summary>The rows at <paramref name="rows"/>, in that order.</summary>
    public FeedbackSamples Select(IReadOnlyList<int> rows)
    {
        var t = TaskCount;
        var labels = new float[rows.Count * t];
        for (var k = 0; k < rows.Count; k++) Array.Copy(Labels, rows[k] * t, labels, k * t, t);
        return new FeedbackSamples(rows.Select(r => Users[r]).ToArray(), rows.Select(r => Items[r]).ToArray(),
            rows.Select(r => TimesMs[r]).ToArray(), rows.Select(r => Feedback[r]).ToArray(), labels);
    }

    /// <summary>The mean label of each task (the base rates; for watch time, the mean fraction watched).</summary>
    public double[] MeanLabels()
    {
        var t = TaskCount;
        var sums = new double[t];
        for (var r = 0; r < Count; r++)
            for (var m = 0; m < t; m++) sums[m] += Labels[r * t + m];
        return sums.Select(s => Count == 0 ? 0 : s / Count).ToArray();
    }
}
