using Twofold.Domain;
using Twofold.Similarity;

namespace Twofold.Ranking;

/// <summary>
/// The item-side inputs of a <see cref="FeedbackModel"/>, one entry per item of the catalogue, all computed from the
/// training period only: side features (creator, genre, log duration), whether the model has seen the item (training
/// impressions), and the extra features of DualRec §3.3.1 (EF) — the item's recent interacting users (H^I(i), most
/// recent first, as of the end of training), its engagement count, and the pooled statistics of its content-similar items.
/// </summary>
public sealed class ItemFeatureTable
{
    /// <summary>Dense statistics per item: one log rate ratio per task, then the log of the similar items' mean impressions.</summary>
    public static int SimilarStatistics => FeedbackSamples.TaskCount + 1;

    internal ItemFeatureTable(string[] genres, int[] creator, int[] genre, float[] logDuration, int[] trainingImpressions,
        float[] similar, int[] recentOffsets, int[] recentUsers, int[] engagements)
    {
        Engagements = engagements;
        Genres = genres;
        Creator = creator;
        Genre = genre;
        LogDuration = logDuration;
        TrainingImpressions = trainingImpressions;
        Similar = similar;
        RecentOffsets = recentOffsets;
        RecentUsers = recentUsers;
    }

    /// <summary>The genre vocabulary; <see cref="Genre"/> indexes it.</summary>
    public string[] Genres { get; }
    public int[] Creator { get; }
    public int[] Genre { get; }

    /// <summary>ln(duration / 20 s); 0 when the duration is unknown.</summary>
    public float[] LogDuration { get; }

    /// <summary>Impressions of each item in the training period; 0 marks an item the model has not seen.</summary>
    public int[] TrainingImpressions { get; }

    /// <summary>Row-major [items, <see cref="SimilarStatistics"/>]; all zeros without extra features.</summary>
    public float[] Similar { get; }

    /// <summary>CSR of the recent interacting users of each item (empty without extra features).</summary>
    public int[] RecentOffsets { get; }
    public int[] RecentUsers { get; }

    /// <summary>Engagements (<see cref="RecentUserTimeline.Positive"/>) with each item in the training period (zeros without extra features).</summary>
    public int[] Engagements { get; }

    public int Count => Creator.Length;

    public ReadOnlySpan<int> RecentUsersOf(int item) => RecentUsers.AsSpan(RecentOffsets[item], RecentOffsets[item + 1] - RecentOffsets[item]);

    public ReadOnlySpan<float> SimilarOf(int item) => Similar.AsSpan(item * SimilarStatistics, SimilarStatistics);

    /// <summary>
    /// This table grown to <paramref name="catalogue"/>: the trained items keep their rows; items added since training
    /// get their creator, genre and duration, no training impressions (so the model scores them through its unknown-item
    /// row, as sample augmentation trained it to), no recent users, and neutral similar-item statistics (0, the log of
    /// an average rate ratio) — their content neighbours' rates are not recomputed.
    /// </summary>
    public ItemFeatureTable Extend(IReadOnlyList<Item> catalogue, int creators)
    {
        var n = catalogue.Count;
        if (n < Count) throw new ArgumentException($"The catalogue has {n} items, fewer than the {Count} the model was trained with.", nameof(catalogue));
        var genreIndex = Genres.Select((g, k) => (g, k)).ToDictionary(p => p.g, p => p.k, StringComparer.Ordinal);
        var creator = new int[n];
        var genre = new int[n];
        var logDuration = new float[n];
        Creator.CopyTo(creator, 0);
        Genre.CopyTo(genre, 0);
        LogDuration.CopyTo(logDuration, 0);
        for (var k = Count; k < n; k++)
        {
            var item = catalogue[k];
            if (item.Id.Value != k) throw new ArgumentException($"Item {k} of the catalogue has id {item.Id.Value}; ids must be dense and in order.", nameof(catalogue));
            if ((uint)item.Creator.Value >= (uint)creators)
                throw new ArgumentException($"Item {item.ExternalId} has creator {item.Creator.Value}; the model knows {creators} creators.", nameof(catalogue));
            creator[k] = item.Creator.Value;
            genre[k] = genreIndex.TryGetValue(item.Genre, out var g) ? g
                : throw new ArgumentException($"Item {item.ExternalId} has genre '{item.Genre}', unknown to the model.", nameof(catalogue));
            logDuration[k] = item.DurationMs > 0 ? MathF.Log(item.DurationMs / 20_000f) : 0f;
        }
        var impressions = new int[n];
        TrainingImpressions.CopyTo(impressions, 0);
        var similar = new float[n * SimilarStatistics];
        Similar.CopyTo(similar, 0);
        var offsets = new int[n + 1];
        RecentOffsets.CopyTo(offsets, 0);
        for (var k = Count + 1; k <= n; k++) offsets[k] = offsets[Count];
        var engagements = new int[n];
        Engagements.CopyTo(engagements, 0);
        return new ItemFeatureTable(Genres, creator, genre, logDuration, impressions, similar, offsets, RecentUsers, engagements);
    }

    /// <summary>
    /// Builds the table from the catalogue and the training impressions.
    /// </summary>
    /// <param name="timeline">Engagements of the training period (null: no recent-user features).</param>
    /// <param name="recentUsers">How many recent users per item to keep.</param>
    /// <param name="similar">Content neighbours of every item (null: no similar-item statistics).</param>
    /// <param name="smoothing">Impressions' worth of weight the global rate gets in the pooled similar-item rates.</param>
    public static ItemFeatureTable Build(IReadOnlyList<Item> items, FeedbackSamples training, RecentUserTimeline? timeline, int recentUsers, NeighborLists? similar, double smoothing)
    {
        var genres = items.Select(i => i.Genre).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var genreIndex = genres.Select((g, k) => (g, k)).ToDictionary(p => p.g, p => p.k, StringComparer.Ordinal);
        var n = items.Count;
        var creator = new int[n];
        var genre = new int[n];
        var logDuration = new float[n];
        for (var k = 0; k < n; k++)
        {
            var item = items[k];
            if (item.Id.Value != k) throw new ArgumentException($"Item {k} of the table has id {item.Id.Value}; ids must be dense and in order.", nameof(items));
            creator[k] = item.Creator.Value;
            genre[k] = genreIndex[item.Genre];
            logDuration[k] = item.DurationMs > 0 ? MathF.Log(item.DurationMs / 20_000f) : 0f;
        }

        var t = FeedbackSamples.TaskCount;
        var impressions = new int[n];
        var sums = new double[n * t];
        for (var r = 0; r < training.Count; r++)
        {
            var i = training.Items[r];
            impressions[i]++;
            for (var m = 0; m < t; m++) sums[i * t + m] += training.Labels[r * t + m];
        }

        var stats = new float[n * SimilarStatistics];
        if (similar is not null)
        {
            if (similar.NodeCount != n) throw new ArgumentException($"The similarity lists cover {similar.NodeCount} items, the catalogue has {n}.", nameof(similar));
            var global = training.MeanLabels();
            var pooled = new double[t];
            for (var i = 0; i < n; i++)
            {
                Array.Clear(pooled);
                long count = 0;
                var neighbors = similar.Neighbors(i);
                foreach (var j in neighbors)
                {
                    count += impressions[j];
                    for (var m = 0; m < t; m++) pooled[m] += sums[j * t + m];
                }
                for (var m = 0; m < t; m++)
                {
                    // Pooled, smoothed rate of the similar items, as a log ratio to the global rate (0 = average).
                    var rate = (pooled[m] + smoothing * global[m]) / (count + smoothing);
                    stats[i * SimilarStatistics + m] = global[m] > 0 ? (float)Math.Log(rate / global[m]) : 0f;
                }
                stats[i * SimilarStatistics + t] = (float)Math.Log(1 + count / (double)Math.Max(1, neighbors.Length));
            }
        }

        var offsets = new int[n + 1];
        var engagements = new int[n];
        var users = new List<long>();
        if (timeline is not null)
        {
            if (timeline.Items != n) throw new ArgumentException($"The timeline has {timeline.Items} items, the catalogue {n}.", nameof(timeline));
            for (var i = 0; i < n; i++)
            {
                engagements[i] = timeline.Before(i, long.MaxValue, recentUsers, users);
                offsets[i + 1] = users.Count;
            }
        }
        return new ItemFeatureTable(genres, creator, genre, logDuration, impressions, stats, offsets, users.Select(u => (int)u).ToArray(), engagements);
    }
}
