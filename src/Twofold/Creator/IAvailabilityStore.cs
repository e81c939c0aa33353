namespace Twofold.CreatorSide;

/// <summary>
/// The ledger of creator-side dispatch (DualRec §4.1–4.2, User Availability Calculation). For each day it holds
/// the users predicted to visit (a_u = 1), the counter |D_u| of items matched to each user, and the result cache
/// D_u itself. The available set is Ũ = {u : a_u = 1, |D_u| &lt; Q}.
/// </summary>
/// <remarks>
/// Guarantees every implementation gives, and the contract tests check: no user ever holds more than Q items in a
/// day; a reservation is applied whole or not at all; dispatching an item twice returns the first result and
/// reserves nothing more; D_u lists items in the order they were reserved.
/// </remarks>
public interface IAvailabilityStore : IDisposable
{
    /// <summary>
    /// Opens <paramref name="day"/> with cap Q = <paramref name="capacity"/> and the users predicted active.
    /// Opening a day that is already open keeps it as it is (so a restarted service can call it again), but a
    /// different capacity is refused.
    /// </summary>
    void OpenDay(int day, int capacity, IReadOnlyCollection<int> activeUsers);

    /// <summary>
    /// Atomically reserves up to <paramref name="limit"/> users for <paramref name="item"/>, taking
    /// <paramref name="candidates"/> in order and skipping users that are inactive, already full, or repeated.
    /// Idempotent by item: a second call for the same item and day returns the first call's users.
    /// </summary>
    Reservation Reserve(int day, int item, IReadOnlyList<int> candidates, int limit);

    /// <summary>
    /// Reserves for several items, each exactly as <see cref="Reserve"/> would in the order given (a later request sees
    /// the earlier ones' reservations). Stores that write a durable ledger commit the whole batch at once, so a crash
    /// leaves all of it or none; the default reserves one item after the other.
    /// </summary>
    IReadOnlyList<Reservation> ReserveMany(int day, IReadOnlyList<ReservationRequest> requests, int limit)
    {
        var reservations = new Reservation[requests.Count];
        for (var k = 0; k < requests.Count; k++) reservations[k] = Reserve(day, requests[k].Item, requests[k].Candidates, limit);
        return reservations;
    }

    /// <summary>D_u: the items matched to <paramref name="user"/> on <paramref name="day"/>, in reservation order.</summary>
    IReadOnlyList<int> MatchedItems(int day, int user);

    /// <summary>The users reserved for <paramref name="item"/> on <paramref name="day"/> (empty when it was not dispatched).</summary>
    IReadOnlyList<int> ReservedUsers(int day, int item);

    /// <summary>Whether <paramref name="user"/> is in the available set Ũ of <paramref name="day"/>.</summary>
    bool IsAvailable(int day, int user);

    /// <summary>
    /// The users of <paramref name="users"/> in the available set Ũ of <paramref name="day"/>, in the order given: what
    /// <see cref="IsAvailable"/> says of each, which is the default. Stores that must check their ledger is current
    /// (another process may share it) do so once for the whole list.
    /// </summary>
    IReadOnlyList<int> AvailableAmong(int day, IEnumerable<int> users) => users.Where(u => IsAvailable(day, u)).ToList();
}

/// <summary>One item of <see cref="IAvailabilityStore.ReserveMany"/>: its ordered candidates.</summary>
public sealed record ReservationRequest(int Item, IReadOnlyList<int> Candidates);

/// <summary>The outcome of <see cref="IAvailabilityStore.Reserve"/>.</summary>
/// <param name="Users">The users matched to the item, in candidate order.</param>
/// <param name="Filled">Users that reached the cap with this reservation (leave the available set).</param>
/// <param name="AlreadyDispatched">True when the item had been dispatched before and nothing new was reserved.</param>
public sealed record Reservation(int Item, IReadOnlyList<int> Users, IReadOnlyList<int> Filled, bool AlreadyDispatched);
