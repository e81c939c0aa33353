namespace Twofold.CreatorSide;

/// <summary>Argument checks shared by every <see cref="IAvailabilityStore"/>, so all refuse the same inputs alike.</summary>
internal static class ReservationRules
{
    public static void CheckOpen(int day, int capacity, IReadOnlyCollection<int> activeUsers)
    {
        if (day < 0) throw new ArgumentOutOfRangeException(nameof(day), day, "Days are numbered from 0.");
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The cap Q must be at least 1.");
        foreach (var user in activeUsers)
            if (user < 0) throw new ArgumentOutOfRangeException(nameof(activeUsers), user, "User ids are non-negative.");
    }

    public static void CheckReserve(int day, int item, IReadOnlyList<int> candidates, int limit)
    {
        if (day < 0) throw new ArgumentOutOfRangeException(nameof(day), day, "Days are numbered from 0.");
        if (item < 0) throw new ArgumentOutOfRangeException(nameof(item), item, "Item ids are non-negative.");
        if (limit < 1) throw new ArgumentOutOfRangeException(nameof(limit), limit, "The limit L must be at least 1.");
        foreach (var user in candidates)
            if (user < 0) throw new ArgumentOutOfRangeException(nameof(candidates), user, "User ids are non-negative.");
    }

    public static InvalidOperationException DayNotOpen(int day) => new($"Day {day} has not been opened in the availability store.");

    public static InvalidOperationException CapacityMismatch(int day, int open, int asked) =>
        new($"Day {day} is open with Q = {open}; it cannot be reopened with Q = {asked}.");
}
