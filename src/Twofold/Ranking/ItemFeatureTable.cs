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

    private readonly Columns _columns;
    private readonly Growth _growth;
    private readonly int _trained;

    internal ItemFeatureTable(string[] genres, int[] creator, int[] genre, float[] logDuration, int[] trainingImpressions,
        float[] similar, int[] recentOffsets, int[] recentUsers, int[] engagements)
    {
        Genres = genres;
        Count = creator.Length;
        _trained = Count;
        _columns = new Columns(creator, genre, logDuration, trainingImpressions, similar, recentOffsets, recentUsers, engagements, Sources: []);
        _growth = new Growth(_columns, Count, genres);
    }

    private ItemFeatureTable(ItemFeatureTable trained, Columns columns, int count)
    {
        Genres = trained.Genres;
        Count = count;
        _trained = trained._trained;
        _columns = columns;
        _growth = trained._growth;
    }

    /// <summary>The genre vocabulary; <see cref="Genre"/> indexes it.</summary>
    public string[] Genres { get; }

    // The per-item arrays of a grown table are buffers with room for later uploads: they may be longer than Count,
    // and entries from Count on are not this table's (a table grown later may have written them).

    public int[] Creator => _columns.Creator;
    public int[] Genre => _columns.Genre;

    /// <summary>ln(duration / 20 s); 0 when the duration is unknown.</summary>
    public float[] LogDuration => _columns.LogDuration;

    /// <summary>Impressions of each item in the training period; 0 marks an item the model has not seen.</summary>
    public int[] TrainingImpressions => _columns.TrainingImpressions;

    /// <summary>Row-major [items, <see cref="SimilarStatistics"/>]; all zeros without extra features.</summary>
    public float[] Similar => _columns.Similar;

    /// <summary>CSR of the recent interacting users of each item (empty without extra features).</summary>
    public int[] RecentOffsets => _columns.RecentOffsets;
    public int[] RecentUsers => _columns.RecentUsers;

    /// <summary>Engagements (<see cref="RecentUserTimeline.Positive"/>) with each item in the training period (zeros without extra features).</summary>
    public int[] Engagements => _columns.Engagements;

    /// <summary>Items of the table (the per-item arrays may be longer).</summary>
    public int Count { get; }

    public ReadOnlySpan<int> RecentUsersOf(int item) => RecentUsers.AsSpan(RecentOffsets[item], RecentOffsets[item + 1] - RecentOffsets[item]);

    public ReadOnlySpan<float> SimilarOf(int item) => Similar.AsSpan(item * SimilarStatistics, SimilarStatistics);

    /// <summary>
    /// This table grown to <paramref name="catalogue"/>: the trained items keep their rows; items added since training
    /// get their creator, genre and duration, no training impressions (so the model scores them through its unknown-item
    /// row, as sample augmentation trained it to), no recent users, and neutral similar-item statistics (0, the log of
    /// an average rate ratio) — their content neighbours' rates are not recomputed.
    /// </summary>
    /// <remarks>
    /// A running service extends the trained table once per upload batch, each time to a catalogue one batch longer.
    /// The tables grown from one trained table therefore share buffers with spare room (grown by half when full): an
    /// extension writes only the rows no earlier extension holds, after checking that the rows it takes over were made
    /// from the same items (a reference comparison per item added since training, features compared where the
    /// references differ). Rows handed out are never overwritten: an extension over another catalogue than the one
    /// the buffers were filled from copies into buffers of its own. The rows are what a copy would give either way.
    /// </remarks>
    public ItemFeatureTable Extend(IReadOnlyList<Item> catalogue, int creators)
    {
        var n = catalogue.Count;
        if (n < Count) throw new ArgumentException($"The catalogue has {n} items, fewer than the {Count} the model was trained with.", nameof(catalogue));
        lock (_growth)
        {
            var shared = _growth.Columns;
            var handedOut = _growth.Rows;
            // Rows of the shared buffers that are this table's followed by the catalogue's: the trained rows are in every
            // buffer of the growth, added rows only in the buffers of the tables they were handed to.
            // A reserve's copy holds the same rows as the buffers it replaced, so a table reading those is on the chain too.
            var onChain = Count == _trained || ReferenceEquals(_columns, shared) || ReferenceEquals(_columns, _growth.ReservedFrom);
            var agree = onChain ? Count : 0;
            if (onChain)
                while (agree < Math.Min(handedOut, n) && _growth.Holds(agree, catalogue[agree])) agree++;

            Columns grown;
            if (onChain && agree == Math.Min(handedOut, n))
            {
                if (n <= handedOut) return new ItemFeatureTable(this, shared, n);
                grown = n <= shared.Capacity ? shared : shared.Copy(handedOut, Room(shared.Capacity, n));
                Fill(grown, handedOut, catalogue, creators);
            }
            else
            {
                // Rows from `agree` on were handed out with other items (or this table is off the growth's chain): copy.
                var source = onChain ? shared : _columns;
                var keep = onChain ? agree : Count;
                grown = source.Copy(keep, Room(source.Capacity, n));
                Fill(grown, keep, catalogue, creators);
            }
            if (!ReferenceEquals(grown, shared)) (_growth.Columns, _growth.ReservedFrom) = (grown, null);
            _growth.Rows = n;
            return new ItemFeatureTable(this, grown, n);
        }
    }

    /// <summary>
    /// Room for <see cref="Extend"/> to reach <paramref name="rows"/> items without copying: when the growth's buffers are
    /// smaller, the rows handed out are copied now into ones of that size, which the next extension on the growth's
    /// chain writes into (tables handed out go on reading their own).
    /// </summary>
    public void ReserveRoom(int rows)
    {
        lock (_growth)
            if (_growth.Columns.Capacity < rows)
                (_growth.Columns, _growth.ReservedFrom) = (_growth.Columns.Copy(_growth.Rows, rows), _growth.Columns);
    }

    /// <summary>Capacity for <paramref name="rows"/> rows: at least half again as many as now, so growth by uploads costs amortised O(1) per row.</summary>
    private static int Room(int capacity, int rows) => Math.Max(rows, capacity + capacity / 2 + 16);

    /// <summary>Writes the rows of the added items <paramref name="from"/> … catalogue.Count − 1, validating each.</summary>
    private void Fill(Columns columns, int from, IReadOnlyList<Item> catalogue, int creators)
    {
        var s = SimilarStatistics;
        var noRecentUsers = columns.RecentOffsets[_trained];
        for (var k = from; k < catalogue.Count; k++)
        {
            var item = catalogue[k];
            if (item.Id.Value != k) throw new ArgumentException($"Item {k} of the catalogue has id {item.Id.Value}; ids must be dense and in order.", nameof(catalogue));
            if ((uint)item.Creator.Value >= (uint)creators)
                throw new ArgumentException($"Item {item.ExternalId} has creator {item.Creator.Value}; the model knows {creators} creators.", nameof(catalogue));
            columns.Creator[k] = item.Creator.Value;
            columns.Genre[k] = _growth.GenreIndex.TryGetValue(item.Genre, out var g) ? g
                : throw new ArgumentException($"Item {item.ExternalId} has genre '{item.Genre}', unknown to the model.", nameof(catalogue));
            columns.LogDuration[k] = LogDurationOf(item);
            columns.TrainingImpressions[k] = 0;
            columns.Similar.AsSpan(k * s, s).Clear();
            columns.RecentOffsets[k + 1] = noRecentUsers;
            columns.Engagements[k] = 0;
            columns.Sources[k] = item;
        }
    }

    private static float LogDurationOf(Item item) => item.DurationMs > 0 ? MathF.Log(item.DurationMs / 20_000f) : 0f;

    /// <summary>
    /// The per-item arrays; their capacity may exceed the rows of a table that uses them. <c>Sources</c> holds the item
    /// each added row was filled from (empty for a trained table's own arrays, which have no added rows).
    /// </summary>
    private sealed record Columns(int[] Creator, int[] Genre, float[] LogDuration, int[] TrainingImpressions, float[] Similar,
        int[] RecentOffsets, int[] RecentUsers, int[] Engagements, Item?[] Sources)
    {
        public int Capacity => Creator.Length;

        /// <summary>The first <paramref name="rows"/> rows in new arrays of <paramref name="capacity"/> rows.</summary>
        public Columns Copy(int rows, int capacity)
        {
            var s = SimilarStatistics;
            return new Columns(Head(Creator, rows, capacity), Head(Genre, rows, capacity), Head(LogDuration, rows, capacity),
                Head(TrainingImpressions, rows, capacity), Head(Similar, rows * s, capacity * s), Head(RecentOffsets, rows + 1, capacity + 1),
                RecentUsers, Head(Engagements, rows, capacity), Sources.Length == 0 ? new Item?[capacity] : Head(Sources, rows, capacity));
        }

        private static T[] Head<T>(T[] values, int count, int length)
        {
            var copy = new T[length];
            Array.Copy(values, copy, count);
            return copy;
        }
    }

    /// <summary>The buffers the tables grown from one trained table share, and how many of their rows are handed out.</summary>
    private sealed class Growth(Columns columns, int rows, string[] genres)
    {
        public Columns Columns { get; set; } = columns;
        /// <summary>The buffers <see cref="ReserveRoom"/> last copied into <see cref="Columns"/> (same rows, less room); null once an extension replaced them.</summary>
        public Columns? ReservedFrom { get; set; }
        public int Rows { get; set; } = rows;
        public Dictionary<string, int> GenreIndex { get; } = genres.Select((g, k) => (g, k)).ToDictionary(p => p.g, p => p.k, StringComparer.Ordinal);

        /// <summary>Whether row <paramref name="k"/> of the shared buffers holds what <paramref name="item"/> would fill it with.</summary>
        public bool Holds(int k, Item item)
        {
            if (ReferenceEquals(Columns.Sources[k], item)) return true;
            if (item.Id.Value != k || Columns.Creator[k] != item.Creator.Value || !GenreIndex.TryGetValue(item.Genre, out var g) || Columns.Genre[k] != g
                || Columns.LogDuration[k] != LogDurationOf(item))
                return false;
            Columns.Sources[k] = item;
            return true;
        }
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
            logDuration[k] = LogDurationOf(item);
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
