using Twofold.Data;
using Twofold.Domain;

namespace Twofold.Models;

/// <summary>
/// What <see cref="TwoTowerTrainer"/> learns from: the interactions and the side features of the tower inputs.
/// </summary>
/// <remarks>
/// Feature set (kept small on purpose):
/// <list type="bullet">
/// <item>user tower: the user id (datasets carry no user attributes);</item>
/// <item>item tower: the item id, its creator id and its genre (genre strings are mapped to dense ids in ordinal
///   order; the empty genre "unknown" is a genre like any other).</item>
/// </list>
/// Every array is validated on construction, so the ids that reach the embedding tables are in range.
/// </remarks>
public sealed class TwoTowerData
{
    /// <param name="userCount">Users; valid user ids are [0, userCount).</param>
    /// <param name="itemCreators">The creator id of each item; its length is the item count.</param>
    /// <param name="creatorCount">Creators; valid creator ids are [0, creatorCount).</param>
    /// <param name="itemGenres">The genre id of each item (same length as <paramref name="itemCreators"/>).</param>
    /// <param name="genreCount">Genres; valid genre ids are [0, genreCount).</param>
    /// <param name="events">The interactions; users and items must be inside the tables.</param>
    public TwoTowerData(int userCount, int[] itemCreators, int creatorCount, int[] itemGenres, int genreCount, InteractionBatch events)
    {
        ArgumentNullException.ThrowIfNull(itemCreators);
        ArgumentNullException.ThrowIfNull(itemGenres);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentOutOfRangeException.ThrowIfLessThan(userCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(creatorCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(genreCount, 1);
        if (itemCreators.Length == 0) throw new ArgumentException("Expected at least one item, actual 0.", nameof(itemCreators));
        TensorGuard.SameLength(itemGenres.Length, itemCreators.Length, nameof(itemGenres), nameof(itemCreators));
        CheckRange(itemCreators, creatorCount, nameof(itemCreators));
        CheckRange(itemGenres, genreCount, nameof(itemGenres));
        CheckRange(events.Users, userCount, "events.Users");
        CheckRange(events.Items, itemCreators.Length, "events.Items");
        UserCount = userCount;
        _itemCreators = itemCreators;
        CreatorCount = creatorCount;
        _itemGenres = itemGenres;
        GenreCount = genreCount;
        Events = events;
    }

    private readonly int[] _itemCreators;
    private readonly int[] _itemGenres;

    public int UserCount { get; }
    public int ItemCount => _itemCreators.Length;
    public int CreatorCount { get; }
    public int GenreCount { get; }
    /// <summary>The creator id of each item.</summary>
    public ReadOnlySpan<int> ItemCreators => _itemCreators;

    /// <summary>The genre id of each item.</summary>
    public ReadOnlySpan<int> ItemGenres => _itemGenres;
    public InteractionBatch Events { get; }

    /// <summary>
    /// Set when <see cref="Events"/> holds a drawn sample of the training positives rather than the log (see
    /// <see cref="FromDataset(Dataset, TwoTowerOptions, DateOnly?)"/>): the counts over every positive, and the sample's
    /// size per epoch.
    /// </summary>
    internal TwoTowerSample? Sample { get; private init; }

    /// <summary>
    /// What <paramref name="options"/> trains on, read so that a capped fit holds only its sample: when
    /// <see cref="TwoTowerOptions.MaxPositivesPerEpoch"/> m is set, no days are held out for validation and the log has
    /// more than m × <see cref="TwoTowerOptions.Epochs"/> positives, the log is read twice — once to count the positives
    /// of every user and item (log Q needs every positive's share), once to keep the positives the trainer's seeded
    /// shuffle of every positive puts in its first m × Epochs slots (<see cref="ShuffledPrefix"/>), in that order. Epoch
    /// e then trains on slots (e − 1)·m … e·m − 1: the first epoch on exactly the positives and negatives of a fit on the
    /// whole log, later epochs on further positives of that shuffle instead of a reshuffle. Otherwise the whole log up to
    /// <paramref name="to"/> is read (<see cref="FromDataset(Dataset, DateOnly?)"/>).
    /// </summary>
    public static TwoTowerData FromDataset(Dataset dataset, TwoTowerOptions options, DateOnly? to = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxPositivesPerEpoch is not { } perEpoch || options.ValidationDays > 0) return FromDataset(dataset, to);
        var (users, creators, genres, itemCreators, itemGenres) = Tables(dataset);
        var userCounts = new int[users];
        var itemCounts = new int[itemCreators.Length];
        long positives = 0;
        var log = dataset.Events;
        foreach (var batch in log.ReadBatches(to: to, reuse: true))
        {
            CheckRange(batch.Users, users, "events.Users");
            CheckRange(batch.Items, itemCreators.Length, "events.Items");
            for (var r = 0; r < batch.Count; r++)
            {
                if ((batch.Feedback[r] & options.Positive) == 0) continue;
                userCounts[batch.Users[r]]++;
                itemCounts[batch.Items[r]]++;
                positives++;
            }
        }
        var pool = (long)perEpoch * options.Epochs;
        if (positives <= pool) return FromDataset(dataset, to);
        if (positives > int.MaxValue) throw new ArgumentException($"The event log {log.Directory} has {positives:N0} positives, more than {int.MaxValue:N0} can be indexed.");

        // Slot s of the shuffle holds positive number slots[s]; read in log order, placed in slot order.
        var slots = ShuffledPrefix.Draw(new Random(TwoTowerTrainer.ShuffleSeed(options)), (int)positives, (int)pool);
        var byPosition = Enumerable.Range(0, slots.Length).ToArray();
        Array.Sort(slots.ToArray(), byPosition);
        var kept = new Interaction[slots.Length];
        var next = 0;
        var positive = 0;
        foreach (var batch in log.ReadBatches(to: to, reuse: true))
        {
            for (var r = 0; r < batch.Count && next < byPosition.Length; r++)
            {
                if ((batch.Feedback[r] & options.Positive) == 0) continue;
                if (slots[byPosition[next]] == positive) kept[byPosition[next++]] = batch[r];
                positive++;
            }
            if (next == byPosition.Length) break;
        }
        if (next != byPosition.Length) throw new InvalidDataException($"The event log {log.Directory} changed while it was read: {positive:N0} positives where {positives:N0} were counted.");
        var events = new InteractionBatch([], kept.Length);
        foreach (var interaction in kept) events.Add(interaction);
        return new TwoTowerData(users, itemCreators, creators, itemGenres, genres, events)
        {
            Sample = new TwoTowerSample((int)positives, userCounts, itemCounts, perEpoch),
        };
    }

    /// <summary>Reads a dataset: its tables for the counts and item features, and its event log up to <paramref name="to"/> (all of it when null).</summary>
    public static TwoTowerData FromDataset(Dataset dataset, DateOnly? to = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var (users, creators, genres, itemCreators, itemGenres) = Tables(dataset);
        return new TwoTowerData(users, itemCreators, creators, itemGenres, genres, dataset.Events.ReadAll(to: to));
    }

    private static (int Users, int Creators, int Genres, int[] ItemCreators, int[] ItemGenres) Tables(Dataset dataset)
    {
        var items = dataset.ReadItems();
        var genres = items.Select(i => i.Genre).Distinct().Order(StringComparer.Ordinal).ToArray();
        var genreIds = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var g = 0; g < genres.Length; g++) genreIds[genres[g]] = g;
        return (dataset.ReadUsers().Count, Math.Max(1, dataset.ReadCreators().Count), Math.Max(1, genres.Length),
            items.Select(i => i.Creator.Value).ToArray(), items.Select(i => genreIds[i.Genre]).ToArray());
    }

    private static void CheckRange(ReadOnlySpan<int> ids, int count, string name)
    {
        for (var k = 0; k < ids.Length; k++)
            if ((uint)ids[k] >= (uint)count)
                throw new ArgumentException($"Expected ids in [0, {count}), actual {name}[{k}] = {ids[k]}.", name);
    }
}

/// <summary>A sampled <see cref="TwoTowerData"/>: every positive's count, and the positives trained on per epoch.</summary>
internal sealed record TwoTowerSample(int TrainPositives, int[] UserCounts, int[] ItemCounts, int PerEpoch);
