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
            _days[day] = new DayLedger(capacity, activeUsers);
        }
    }

    public Reservation Reserve(int day, int item, IReadOnlyList<int> candidates, int limit) =>
        ReserveMany(day, [new ReservationRequest(item, candidates)], limit)[0];

    public IReadOnlyList<Reservation> ReserveMany(int day, IReadOnlyList<ReservationRequest> requests, int limit)
    {
        foreach (var request in requests) ReservationRules.CheckReserve(day, request.Item, request.Candidates, limit);
        lock (_gate)
        {
            var ledger = Ledger(day);
            return requests.Select(r => ReserveLocked(ledger, r.Item, r.Candidates, limit)).ToList();
        }
    }

    private static Reservation ReserveLocked(DayLedger ledger, int item, IReadOnlyList<int> candidates, int limit)
    {
        if (ledger.TryGetReservation(item, out var existing)) return new Reservation(item, [.. existing], [], AlreadyDispatched: true);
        var users = ledger.Choose(candidates, limit);
        var filled = ledger.Filled(users);
        ledger.Apply(item, users);
        return new Reservation(item, [.. users], filled, AlreadyDispatched: false);
    }

    public IReadOnlyList<int> MatchedItems(int day, int user)
    {
        lock (_gate) return Ledger(day).MatchedItems(user);
    }

    public IReadOnlyList<int> ReservedUsers(int day, int item)
    {
        lock (_gate) return Ledger(day).ReservedUsers(item);
    }

    public bool IsAvailable(int day, int user)
    {
        lock (_gate) return Ledger(day).IsAvailable(user);
    }

    public IReadOnlyList<int> AvailableAmong(int day, IEnumerable<int> users)
    {
        lock (_gate)
        {
            var ledger = Ledger(day);
            return users.Where(ledger.IsAvailable).ToList();
        }
    }

    public void Dispose()
    {
    }

    private DayLedger Ledger(int day) => _days.TryGetValue(day, out var ledger) ? ledger : throw ReservationRules.DayNotOpen(day);
}
