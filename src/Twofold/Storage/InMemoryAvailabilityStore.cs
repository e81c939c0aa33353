using Twofold.CreatorSide;

namespace Twofold.Storage;

/// <summary>
/// The availability store in process memory: for the simulator and for tests about other things. One lock
/// serialises reservations, which makes each one atomic; reads take the same lock.
/// </summary>
public sealed class InMemoryAvailabilityStore : IAvailabilityStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<int, DayLedger> _days = new();

    public void OpenDay(int day, int capacity, IReadOnlyCollection<int> activeUsers)
    {
        ReservationRules.CheckOpen(day, capacity, activeUsers);
        lock (_gate)
        {
            if (_days.TryGetValue(day, out var open))
            {
                if (open.Capacity != capacity) throw ReservationRules.CapacityMismatch(day, open.Capacity, capacity);
                return;
            }
            _days[day] = new DayLedger(capacity, [.. activeUsers]);
        }
    }

    public Reservation Reserve(int day, int item, IReadOnlyList<int> candidates, int limit)
    {
        ReservationRules.CheckReserve(day, item, candidates, limit);
        lock (_gate)
        {
            var ledger = Ledger(day);
            if (ledger.ItemUsers.TryGetValue(item, out var existing)) return new Reservation(item, existing, [], AlreadyDispatched: true);
            var users = new List<int>();
            var filled = new List<int>();
            foreach (var user in candidates)
            {
                if (users.Count == limit) break;
                if (!ledger.Active.Contains(user) || users.Contains(user)) continue;
                var matched = ledger.Matched.TryGetValue(user, out var list) ? list : null;
                if (matched is not null && matched.Count >= ledger.Capacity) continue;
                if (matched is null) ledger.Matched[user] = matched = [];
                matched.Add(item);
                users.Add(user);
                if (matched.Count == ledger.Capacity) filled.Add(user);
            }
            ledger.ItemUsers[item] = users;
            return new Reservation(item, users, filled, AlreadyDispatched: false);
        }
    }

    public IReadOnlyList<int> MatchedItems(int day, int user)
    {
        lock (_gate) return Ledger(day).Matched.TryGetValue(user, out var list) ? [.. list] : [];
    }

    public IReadOnlyList<int> ReservedUsers(int day, int item)
    {
        lock (_gate) return Ledger(day).ItemUsers.TryGetValue(item, out var users) ? [.. users] : [];
    }

    public bool IsAvailable(int day, int user)
    {
        lock (_gate)
        {
            var ledger = Ledger(day);
            return ledger.Active.Contains(user) && (!ledger.Matched.TryGetValue(user, out var list) || list.Count < ledger.Capacity);
        }
    }

    public void Dispose()
    {
    }

    private DayLedger Ledger(int day) => _days.TryGetValue(day, out var ledger) ? ledger : throw ReservationRules.DayNotOpen(day);

    private sealed class DayLedger(int capacity, HashSet<int> active)
    {
        public int Capacity { get; } = capacity;
        public HashSet<int> Active { get; } = active;
        public Dictionary<int, List<int>> Matched { get; } = new();
        public Dictionary<int, List<int>> ItemUsers { get; } = new();
    }
}
