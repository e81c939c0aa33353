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
    public static FeedbackSamples Read(EventLog log, int users, int items, DateOnly? from = null, DateOnly? to = null)
    {
        var all = log.ReadAll(from, to);
        var tasks = FeedbackTasks.All;
        var labels = new float[all.Count * tasks.Count];
        for (var r = 0; r < all.Count; r++)
        {
            var interaction = all[r];
            if ((uint)interaction.User.Value >= (uint)users || (uint)interaction.Item.Value >= (uint)items)
                throw new ArgumentException($"Impression {r} has user {interaction.User.Value} and item {interaction.Item.Value}, outside the {users} users and {items} items.");
            for (var t = 0; t < tasks.Count; t++) labels[r * tasks.Count + t] = tasks[t].Label(interaction);
        }
        return new FeedbackSamples(all.Users.ToArray(), all.Items.ToArray(), all.TimesMs.ToArray(), all.Feedback.ToArray(), labels);
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
