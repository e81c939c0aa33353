using Twofold.Data;

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

    /// <summary>Reads a dataset: its tables for the counts and item features, and its event log up to <paramref name="to"/> (all of it when null).</summary>
    public static TwoTowerData FromDataset(Dataset dataset, DateOnly? to = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var items = dataset.ReadItems();
        var genres = items.Select(i => i.Genre).Distinct().Order(StringComparer.Ordinal).ToArray();
        var genreIds = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var g = 0; g < genres.Length; g++) genreIds[genres[g]] = g;
        return new TwoTowerData(
            dataset.ReadUsers().Count,
            items.Select(i => i.Creator.Value).ToArray(),
            Math.Max(1, dataset.ReadCreators().Count),
            items.Select(i => genreIds[i.Genre]).ToArray(),
            Math.Max(1, genres.Length),
            dataset.Events.ReadAll(to: to));
    }

    private static void CheckRange(ReadOnlySpan<int> ids, int count, string name)
    {
        for (var k = 0; k < ids.Length; k++)
            if ((uint)ids[k] >= (uint)count)
                throw new ArgumentException($"Expected ids in [0, {count}), actual {name}[{k}] = {ids[k]}.", name);
    }
}
