using TorchSharp;
using Twofold.Data;
using Twofold.Models;
using static TorchSharp.torch;

namespace Twofold.Ranking;

/// <summary>
/// A trained multi-task feedback model (DualRec §3.3): for (user, item) pairs, the probability of each feedback of
/// <see cref="FeedbackTasks.All"/> and the expected watch fraction. Immutable; made by <see cref="FeedbackModelTrainer"/>,
/// saved and loaded with <see cref="Save"/> and <see cref="Load"/>.
/// </summary>
/// <remarks>
/// Inputs per pair: user id, item id (the reserved "unknown item" row for items without training impressions),
/// creator, genre, day of week and hour (an "unknown" row when no time is given), ln(duration / 20 s), and with
/// <see cref="FeedbackModelOptions.ExtraFeatures"/> the pooled recent users and similar-item statistics of
/// <see cref="ItemFeatureTable"/>. Item ids index the catalogue the model was trained with.
/// </remarks>
public sealed class FeedbackModel : IFeedbackPredictor, IDisposable
{
    internal const int UserField = 0, ItemField = 1, CreatorField = 2, GenreField = 3, DayField = 4, HourField = 5;
    internal const int Days = 7, Hours = 24;
    // Rows per forward pass. With 8,192 rows a layer's output ([rows, 213] floats, 7 MB) spilled out of the 1 MB L2
    // between the elementwise passes; 1,024 rows cost 15% less CPU per dispatched item (bench/README.md, dispatch).
    private const int PredictBatch = 1024;

    internal FeedbackModel(FeedbackModelOptions options, int users, int creators, ItemFeatureTable items, MultiTaskNetwork network, bool ownsNetwork = true)
    {
        _ownsNetwork = ownsNetwork;
        Options = options;
        Users = users;
        Creators = creators;
        ItemTable = items;
        Network = network;
        // A view over a grown catalogue shares its model's network, already in evaluation mode; setting the mode
        // again would drop the layers the network keeps for inference while other threads predict with them.
        if (ownsNetwork) Network.eval();
    }

    private readonly bool _ownsNetwork;

    public FeedbackModelOptions Options { get; }
    public int Users { get; }
    public int Creators { get; }
    public int Items => ItemTable.Count;
    public ItemFeatureTable ItemTable { get; }
    internal MultiTaskNetwork Network { get; }

    public IReadOnlyList<FeedbackTask> Tasks => FeedbackTasks.All;

    /// <summary>
    /// Threads one prediction call may use for its batches of rows (default: every core), from the calling thread and
    /// the thread pool. A host whose concurrent requests already keep the cores busy (a service, dispatcher threads)
    /// sets 1: each call then runs on its caller's thread, without handing batches to pool threads that the other
    /// requests need. Views made by <see cref="WithCatalogue"/> take the value of their model at that time.
    /// </summary>
    public int PredictionThreads
    {
        get => _predictionThreads;
        set => _predictionThreads = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "At least one thread predicts.");
    }

    private int _predictionThreads = Environment.ProcessorCount;

    /// <summary>The item embedding's reserved row, after the items the network was trained with.</summary>
    private int UnknownItem => Network.Config.Fields[ItemField].Cardinality - 1;

    /// <summary>The network's shape for a model of these sizes and options.</summary>
    internal static MultiTaskNetworkConfig NetworkConfig(FeedbackModelOptions options, int users, int items, int creators, int genres)
    {
        var d = options.EmbeddingDim;
        CategoricalField[] fields =
        [
            new("user", users, d),
            new("item", items + 1, d), // + the unknown item
            new("creator", creators, d),
            new("genre", Math.Max(1, genres), Math.Max(2, d / 2)),
            new("day of week", Days + 1, 4), // + unknown
            new("hour", Hours + 1, 4),
        ];
        var dense = 1 + (options.ExtraFeatures ? ItemFeatureTable.SimilarStatistics + 1 : 0);
        return new MultiTaskNetworkConfig(fields, dense, options.ExtraFeatures ? UserField : null, FeedbackSamples.TaskCount,
            options.Architecture, options.Experts, options.ExpertHidden, options.ExpertOutput, options.TowerHidden);
    }

    /// <summary>Predictions without a time: day of week and hour are "unknown".</summary>
    public float[] Predict(ReadOnlySpan<int> users, ReadOnlySpan<int> items) => Predict(users, items, ReadOnlySpan<long>.Empty);

    /// <summary>Predictions without a time, into <paramref name="predictions"/> ([pairs, <see cref="Tasks"/>]).</summary>
    /// <exception cref="ArgumentException">Lengths differ, an id is outside the model's tables, or the span is not pairs × tasks.</exception>
    public void Predict(ReadOnlySpan<int> users, ReadOnlySpan<int> items, Span<float> predictions)
    {
        TensorGuard.SameLength(predictions.Length, (long)users.Length * FeedbackSamples.TaskCount, nameof(predictions), "pairs × tasks");
        Predict(users, items, ReadOnlySpan<long>.Empty, asUnknownItems: false, predictions);
    }

    /// <summary>
    /// Row-major predictions [pairs, <see cref="Tasks"/>] in [0, 1]. <paramref name="timesMs"/> (Unix ms, UTC) gives
    /// each pair's day of week and hour; empty means unknown. Validated before any native call; batched; no gradients.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths differ, or a user or item id is outside the model's tables.</exception>
    public float[] Predict(ReadOnlySpan<int> users, ReadOnlySpan<int> items, ReadOnlySpan<long> timesMs) =>
        Predict(users, items, timesMs, asUnknownItems: false);

    private float[] Predict(ReadOnlySpan<int> users, ReadOnlySpan<int> items, ReadOnlySpan<long> timesMs, bool asUnknownItems)
    {
        var result = new float[users.Length * FeedbackSamples.TaskCount];
        Predict(users, items, timesMs, asUnknownItems, result);
        return result;
    }

    /// <summary>
    /// Predictions as if every item were new to the model (its id replaced by the unknown item; side and extra features
    /// kept): the cold-start view that sample augmentation trains.
    /// </summary>
    public float[] PredictAsUnknownItems(ReadOnlySpan<int> users, ReadOnlySpan<int> items, ReadOnlySpan<long> timesMs) =>
        Predict(users, items, timesMs, asUnknownItems: true);

    /// <param name="result">[pairs, tasks], sized by the caller.</param>
    private void Predict(ReadOnlySpan<int> users, ReadOnlySpan<int> items, ReadOnlySpan<long> timesMs, bool asUnknownItems, Span<float> result)
    {
        TensorGuard.SameLength(items.Length, users.Length, nameof(items), nameof(users));
        if (!timesMs.IsEmpty) TensorGuard.SameLength(timesMs.Length, users.Length, nameof(timesMs), nameof(users));
        CheckIds(users, Users, nameof(users));
        CheckIds(items, Items, nameof(items));

        if (users.IsEmpty) return; // no native call for an empty request
        // Callers may predict concurrently (dispatcher threads, service requests), and the batches of one call run in
        // parallel: the network is only read, gradients are off per thread (libtorch's grad mode is thread-local), and
        // the forward holds no temporary Scalar a finalizer could free mid-call (see MultiTaskNetwork).
        var dropItems = asUnknownItems ? Enumerable.Repeat(RowMode.DropItem, Math.Min(PredictBatch, users.Length)).ToArray() : [];
        var batches = (users.Length + PredictBatch - 1) / PredictBatch;
        if (batches == 1 || PredictionThreads == 1)
        {
            using (torch.no_grad())
                for (var batch = 0; batch < batches; batch++) PredictRows(users, items, timesMs, dropItems, batch * PredictBatch, result);
            return;
        }
        // A large call (a simulated day's feeds score hundreds of thousands of rows at once) would otherwise keep one
        // core busy and leave the others idle: the batches are independent and cut at the same rows however many
        // threads run them, so the result does not depend on the machine.
        var (userArray, itemArray, timeArray) = (users.ToArray(), items.ToArray(), timesMs.ToArray());
        var parallelResult = new float[result.Length]; // a span cannot be shared with the loop's workers
        Parallel.For(0, batches, new ParallelOptions { MaxDegreeOfParallelism = PredictionThreads }, batch =>
        {
            using (torch.no_grad()) PredictRows(userArray, itemArray, timeArray, dropItems, batch * PredictBatch, parallelResult);
        });
        parallelResult.CopyTo(result);
    }

    /// <summary>Predicts the rows [start, start + <see cref="PredictBatch"/>) of the pairs into their rows of <paramref name="result"/>.</summary>
    private void PredictRows(ReadOnlySpan<int> users, ReadOnlySpan<int> items, ReadOnlySpan<long> timesMs, RowMode[] dropItems, int start, Span<float> result)
    {
        var tasks = FeedbackSamples.TaskCount;
        var length = Math.Min(PredictBatch, users.Length - start);
        using var buffers = new RentedArrays();
        var input = BuildInput(users.Slice(start, length), items.Slice(start, length),
            timesMs.IsEmpty ? timesMs : timesMs.Slice(start, length), dropItems.Length == 0 ? ReadOnlySpan<RowMode>.Empty : dropItems.AsSpan(0, length), buffers);
        Network.Probabilities(input, result.Slice(start * tasks, length * tasks));
    }

    /// <summary>Per-row changes to the input used in training.</summary>
    [Flags]
    internal enum RowMode : byte
    {
        None = 0,
        /// <summary>Sample augmentation: the item id is replaced by the unknown item.</summary>
        DropItem = 1,
        /// <summary>Day of week and hour are replaced by unknown.</summary>
        DropContext = 2,
    }

    /// <summary>The network input of pairs whose ids were already validated, built in arrays rented from <paramref name="buffers"/>.</summary>
    /// <param name="pointInTime">
    /// Training: each row's recent users and engagement count are read from this timeline as of the row's time. Null:
    /// as of the end of training (<see cref="ItemTable"/>), which is what every later impression sees.
    /// </param>
    internal MultiTaskInput BuildInput(ReadOnlySpan<int> users, ReadOnlySpan<int> items, ReadOnlySpan<long> timesMs, ReadOnlySpan<RowMode> modes,
        RentedArrays buffers, RecentUserTimeline? pointInTime = null)
    {
        var rows = users.Length;
        var config = Network.Config;
        var fields = config.Fields.Count;
        var denseWidth = config.DenseWidth;
        var categoricalMemory = buffers.Memory<long>(rows * fields);
        var denseMemory = buffers.Memory<float>(rows * denseWidth);
        var categorical = categoricalMemory.Span;
        var dense = denseMemory.Span;
        // A bag per row from a timeline (training), otherwise one per distinct item (usually a handful).
        var bagIds = new List<long>(!Options.ExtraFeatures ? 0 : pointInTime is null ? Options.RecentUsers : rows * Options.RecentUsers);
        var bagRows = new List<long>();
        // Without a timeline every row of an item has that item's recent users: one bag per distinct item.
        var rowBagsMemory = Options.ExtraFeatures && pointInTime is null ? buffers.Memory<long>(rows) : (Memory<long>?)null;
        var rowBags = rowBagsMemory is { } bagMemory ? bagMemory.Span : Span<long>.Empty;
        var bagOfItem = rowBagsMemory is null ? null : new Dictionary<int, int>();
        // Without a timeline a row's inputs other than the user are a function of (item, item id given, day, hour):
        // rows that share them form a group whose shared part of the first layer is computed once.
        var groupOfRowMemory = pointInTime is null ? buffers.Memory<long>(rows) : (Memory<long>?)null;
        var groupOfRow = groupOfRowMemory is { } groupMemory ? groupMemory.Span : Span<long>.Empty;
        var groupOfKey = pointInTime is null ? GroupTable() : null;
        var table = ItemTable;
        for (var r = 0; r < rows; r++)
        {
            var (u, i) = (users[r], items[r]);
            var mode = modes.IsEmpty ? RowMode.None : modes[r];
            var c = categorical.Slice(r * fields, fields);
            c[UserField] = u;
            c[ItemField] = (mode & RowMode.DropItem) != 0 || table.TrainingImpressions[i] == 0 ? UnknownItem : i;
            c[CreatorField] = table.Creator[i];
            c[GenreField] = table.Genre[i];
            if (timesMs.IsEmpty || (mode & RowMode.DropContext) != 0)
            {
                c[DayField] = Days;
                c[HourField] = Hours;
            }
            else
            {
                var day = EventLogDays.DayNumber(timesMs[r]);
                c[DayField] = ((day + 3) % Days + Days) % Days; // 1970-01-01 was a Thursday; Monday = 0
                c[HourField] = (int)((timesMs[r] - day * 86_400_000L) / 3_600_000L);
            }
            if (groupOfKey is not null)
            {
                var key = (i, c[ItemField], c[DayField], c[HourField]);
                if (!groupOfKey.TryGetValue(key, out var group))
                {
                    // Grouping pays when groups are shared (a new item's candidates); with more groups than half the
                    // rows (a feed's items) it only adds work, and the table is not filled further.
                    if (groupOfKey.Count == rows / 2) groupOfKey = null;
                    else groupOfKey[key] = group = groupOfKey.Count;
                }
                if (groupOfKey is not null) groupOfRow[r] = group;
            }
            var x = dense.Slice(r * denseWidth, denseWidth);
            x[0] = table.LogDuration[i];
            if (!Options.ExtraFeatures) continue;
            table.SimilarOf(i).CopyTo(x[1..]);
            int engagements;
            var before = bagIds.Count;
            if (pointInTime is not null)
            {
                engagements = pointInTime.Before(i, timesMs[r], Options.RecentUsers, bagIds);
            }
            else
            {
                engagements = table.Engagements[i];
                if (!bagOfItem!.TryGetValue(i, out var itemBag))
                {
                    bagOfItem[i] = itemBag = bagOfItem.Count;
                    foreach (var v in table.RecentUsersOf(i))
                    {
                        bagIds.Add(v);
                        bagRows.Add(itemBag);
                    }
                }
                rowBags[r] = itemBag;
            }
            if (pointInTime is not null)
                for (var k = before; k < bagIds.Count; k++) bagRows.Add(r);
            x[^1] = MathF.Log(1 + engagements);
        }
        var groups = groupOfKey is not null ? new RowGroups(UserField, groupOfRowMemory!.Value) : null;
        return new MultiTaskInput(rows, categoricalMemory, denseMemory, bagIds.ToArray(), bagRows.ToArray(), rowBagsMemory, groups);
    }

    // Each thread reuses one table of groups: made anew for every call, it was the largest allocation of a service
    // serving feeds (a feed's thousand items each start a group until the table gives up at half the rows).
    [ThreadStatic] private static Dictionary<(int Item, long ItemId, long Day, long Hour), int>? t_groups;

    private static Dictionary<(int Item, long ItemId, long Day, long Hour), int> GroupTable()
    {
        var groups = t_groups ??= new Dictionary<(int, long, long, long), int>();
        groups.Clear();
        return groups;
    }

    private static void CheckIds(ReadOnlySpan<int> ids, int count, string name)
    {
        for (var k = 0; k < ids.Length; k++)
            if ((uint)ids[k] >= (uint)count)
                throw new ArgumentException($"Expected ids in [0, {count}), actual {name}[{k}] = {ids[k]}.", name);
    }

    /// <summary>Writes the model to <paramref name="path"/> atomically (see <see cref="FeedbackModelFile"/>).</summary>
    public void Save(string path) => FeedbackModelFile.Save(this, path);

    /// <summary>Reads a model written by <see cref="Save"/>; a damaged or foreign file raises <see cref="InvalidDataException"/>.</summary>
    public static FeedbackModel Load(string path) => FeedbackModelFile.Load(path);

    /// <summary>
    /// The same trained model over a grown catalogue, so items uploaded since training can be scored (see
    /// <see cref="ItemFeatureTable.Extend"/>). It shares this model's network: dispose this model, not the view, last.
    /// </summary>
    public FeedbackModel WithCatalogue(IReadOnlyList<Domain.Item> catalogue) =>
        new(Options, Users, Creators, ItemTable.Extend(catalogue, Creators), Network, ownsNetwork: false) { PredictionThreads = PredictionThreads };

    public void Dispose()
    {
        if (_ownsNetwork) Network.Dispose();
    }
}
