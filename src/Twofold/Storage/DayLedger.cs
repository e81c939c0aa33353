using Twofold.CreatorSide;

namespace Twofold.Storage;

/// <summary>
/// One day of the availability ledger in process memory: the predicted-active users, |D_u| and D_u for each of
/// them, and the users of each dispatched item. The rule that chooses a reservation's users lives here once; the
/// in-memory store applies its choices directly, the SQLite store once they are committed to its durable ledger.
/// Not thread-safe: each store serialises access.
/// </summary>
internal sealed class DayLedger
{
    // Only active users can be matched, so D_u is a fixed row of Q slots per active user, numbered at opening. Users
    // are dense ids, so the slot of a user is an array read (−1: not active) rather than a lookup in a table of
    // hundreds of thousands of entries, which every reservation does for each of its ~1,000 ordered candidates.
    private readonly int[] _slotOf;
    private readonly int _activeCount;
    private readonly int[] _count;
    private readonly int[] _items;
    private readonly Dictionary<int, int[]> _itemUsers = new();
    // Which slots the current Choose or Apply has met, as a stamp per slot: a set per call was a tenth of what a
    // dispatch allocated once the prediction's inputs were pooled. A slot was met in this call when its mark equals
    // the call's stamp.
    private readonly int[] _met;
    private int _stamp;

    public DayLedger(int capacity, IEnumerable<int> activeUsers)
    {
        Capacity = capacity;
        var active = activeUsers as IReadOnlyCollection<int> ?? activeUsers.ToList();
        var largest = -1;
        foreach (var user in active)
        {
            if (user < 0) throw new ArgumentOutOfRangeException(nameof(activeUsers), user, "User ids are not negative.");
            largest = Math.Max(largest, user);
        }
        _slotOf = new int[largest + 1];
        Array.Fill(_slotOf, -1);
        foreach (var user in active)
            if (_slotOf[user] < 0) _slotOf[user] = _activeCount++;
        if ((long)_activeCount * capacity > Array.MaxLength)
            throw new ArgumentException($"{_activeCount} active users × Q = {capacity} exceed what one day's ledger can hold in memory.");
        _count = new int[_activeCount];
        _items = new int[_activeCount * capacity];
        _met = new int[_activeCount];
        // The pages of a new array are mapped at their first write. Left to the day's first reservations (each writes
        // ~200 rows scattered over the 13 MB of a 299,137-user day), those page faults made the day's first three
        // batches spend 10–16 ms reserving instead of 0.1–0.2 ms (bench/README.md, "A day's first dispatches");
        // written here, they are part of opening the day.
        _count.AsSpan().Clear();
        _items.AsSpan().Clear();
        _met.AsSpan().Clear();
    }

    public int Capacity { get; }

    public bool TryGetReservation(int item, out int[] users) => _itemUsers.TryGetValue(item, out users!);

    /// <summary>
    /// The users a reservation would take: candidates in order, skipping inactive, full and repeated users. Reservations
    /// already chosen but not applied yet (<paramref name="pending"/>) count towards the users' totals.
    /// </summary>
    public int[] Choose(IReadOnlyList<int> candidates, int limit, PendingReservations? pending = null)
    {
        var users = new List<int>(Math.Min(limit, candidates.Count));
        var added = pending is { IsEmpty: false } ? pending : null; // the first request of a batch looks nothing up
        NewCall();
        foreach (var user in candidates)
        {
            if (users.Count == limit) break;
            if (SlotOf(user) is var slot and >= 0 && _count[slot] + (added?.Added(user) ?? 0) < Capacity && FirstMeeting(slot)) users.Add(user);
        }
        return [.. users];
    }

    /// <summary>
    /// The users of a reservation just chosen, not yet applied nor among <paramref name="pending"/>, that it brings to
    /// the cap (they leave the available set).
    /// </summary>
    public int[] Filled(int[] users, PendingReservations? pending = null)
    {
        var added = pending is { IsEmpty: false } ? pending : null;
        var filled = new List<int>();
        foreach (var user in users)
            if (_count[_slotOf[user]] + (added?.Added(user) ?? 0) + 1 == Capacity) filled.Add(user);
        return [.. filled];
    }

    /// <summary>Records a reservation chosen by <see cref="Choose"/> (or replayed from a durable ledger).</summary>
    public void Apply(int item, int[] users)
    {
        // Checked before anything changes, so a damaged durable ledger is refused whole rather than half-replayed.
        if (_itemUsers.ContainsKey(item)) throw new InvalidOperationException($"Item {item} is already in the ledger.");
        NewCall();
        foreach (var user in users)
            if (SlotOf(user) is var slot && (slot < 0 || _count[slot] >= Capacity || !FirstMeeting(slot)))
                throw new InvalidOperationException($"Item {item} cannot be matched with user {user}: not active, already full, or listed twice.");
        _itemUsers.Add(item, users);
        foreach (var user in users)
        {
            var slot = _slotOf[user];
            _items[slot * Capacity + _count[slot]++] = item;
        }
    }

    public IReadOnlyList<int> MatchedItems(int user) =>
        SlotOf(user) is var slot and >= 0 ? _items.AsSpan(slot * Capacity, _count[slot]).ToArray() : [];

    public IReadOnlyList<int> ReservedUsers(int item) => _itemUsers.TryGetValue(item, out var users) ? [.. users] : [];

    public bool IsAvailable(int user) => SlotOf(user) is var slot and >= 0 && _count[slot] < Capacity;

    private void NewCall()
    {
        if (++_stamp == int.MaxValue)
        {
            _met.AsSpan().Clear();
            _stamp = 1;
        }
    }

    /// <summary>True the first time the current call meets <paramref name="slot"/>.</summary>
    private bool FirstMeeting(int slot)
    {
        if (_met[slot] == _stamp) return false;
        _met[slot] = _stamp;
        return true;
    }

    /// <summary>The user's row of D_u, or −1 for a user not active this day (any id, negative or beyond the largest, is asked safely).</summary>
    private int SlotOf(int user) => (uint)user < (uint)_slotOf.Length ? _slotOf[user] : -1;
}

/// <summary>
/// Reservations chosen on one day but not applied to its <see cref="DayLedger"/> yet: what the SQLite store decides
/// for a batch before it commits, so that each request of the batch sees the ones before it while readers of the ledger
/// still see only what is durable.
/// </summary>
internal sealed class PendingReservations(int expectedUsers = 0)
{
    private readonly Dictionary<int, int> _added = new(expectedUsers);
    private readonly Dictionary<int, int[]> _reservations = new();

    public bool IsEmpty => _added.Count == 0;

    /// <summary>How many pending reservations hold <paramref name="user"/>.</summary>
    public int Added(int user) => _added.GetValueOrDefault(user);

    public bool TryGetReservation(int item, out int[] users) => _reservations.TryGetValue(item, out users!);

    public void Add(int item, int[] users)
    {
        _reservations.Add(item, users);
        foreach (var user in users) _added[user] = Added(user) + 1;
    }
}
