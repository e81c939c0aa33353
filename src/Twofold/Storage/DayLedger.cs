using Twofold.CreatorSide;

namespace Twofold.Storage;

/// <summary>
/// One day of the availability ledger in process memory: the predicted-active users, |D_u| and D_u for each of
/// them, and the users of each dispatched item. The rule that chooses a reservation's users lives here once; the
/// in-memory store applies its choices directly, the SQLite store after appending them to its durable ledger.
/// Not thread-safe: each store serialises access.
/// </summary>
internal sealed class DayLedger
{
    // Only active users can be matched, so D_u is a fixed row of Q slots per active user, numbered at opening.
    private readonly Dictionary<int, int> _slotOf;
    private readonly int[] _count;
    private readonly int[] _items;
    private readonly Dictionary<int, int[]> _itemUsers = new();

    public DayLedger(int capacity, IEnumerable<int> activeUsers)
    {
        Capacity = capacity;
        _slotOf = new Dictionary<int, int>();
        foreach (var user in activeUsers) _slotOf.TryAdd(user, _slotOf.Count);
        if ((long)_slotOf.Count * capacity > Array.MaxLength)
            throw new ArgumentException($"{_slotOf.Count} active users × Q = {capacity} exceed what one day's ledger can hold in memory.");
        _count = new int[_slotOf.Count];
        _items = new int[_slotOf.Count * capacity];
    }

    public int Capacity { get; }

    public bool TryGetReservation(int item, out int[] users) => _itemUsers.TryGetValue(item, out users!);

    /// <summary>The users a reservation would take: candidates in order, skipping inactive, full and repeated users.</summary>
    public int[] Choose(IReadOnlyList<int> candidates, int limit)
    {
        var users = new List<int>(Math.Min(limit, candidates.Count));
        var chosen = new HashSet<int>();
        foreach (var user in candidates)
        {
            if (users.Count == limit) break;
            if (_slotOf.TryGetValue(user, out var slot) && _count[slot] < Capacity && chosen.Add(user)) users.Add(user);
        }
        return [.. users];
    }

    /// <summary>Records a reservation chosen by <see cref="Choose"/> (or replayed from a durable ledger); returns the users it filled.</summary>
    public int[] Apply(int item, int[] users)
    {
        // Checked before anything changes, so a damaged durable ledger is refused whole rather than half-replayed.
        if (_itemUsers.ContainsKey(item)) throw new InvalidOperationException($"Item {item} is already in the ledger.");
        var seen = new HashSet<int>();
        foreach (var user in users)
            if (!_slotOf.TryGetValue(user, out var slot) || _count[slot] >= Capacity || !seen.Add(user))
                throw new InvalidOperationException($"Item {item} cannot be matched with user {user}: not active, already full, or listed twice.");
        _itemUsers.Add(item, users);
        var filled = new List<int>();
        foreach (var user in users)
        {
            var slot = _slotOf[user];
            _items[slot * Capacity + _count[slot]++] = item;
            if (_count[slot] == Capacity) filled.Add(user);
        }
        return [.. filled];
    }

    public IReadOnlyList<int> MatchedItems(int user) =>
        _slotOf.TryGetValue(user, out var slot) ? _items.AsSpan(slot * Capacity, _count[slot]).ToArray() : [];

    public IReadOnlyList<int> ReservedUsers(int item) => _itemUsers.TryGetValue(item, out var users) ? [.. users] : [];

    public bool IsAvailable(int user) => _slotOf.TryGetValue(user, out var slot) && _count[slot] < Capacity;
}
