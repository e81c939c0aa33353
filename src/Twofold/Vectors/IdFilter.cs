namespace Twofold.Vectors;

/// <summary>
/// A bitset over point ids that says which ids a search may return. The caller owns it and may set and clear bits
/// while searches run: every update is a single atomic read-modify-write of one 64-bit word, and searches read
/// words with volatile loads, so a search sees each bit either before or after a concurrent change, never torn.
/// </summary>
/// <remarks>
/// Guarantee given to concurrent searches: every id a search returns had its bit set at the moment that search
/// read it. Ids whose bit stays cleared for the whole search are never returned. An id cleared during a search may
/// still be returned if the search read it before the change; a search is not a snapshot of the whole set.
/// </remarks>
public sealed class IdFilter
{
    private readonly ulong[] _words;
    private int _count;

    /// <summary>A filter over ids [0, <paramref name="capacity"/>), all cleared unless <paramref name="allSet"/>.</summary>
    public IdFilter(int capacity, bool allSet = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
        _words = new ulong[(capacity + 63) >> 6];
        if (allSet) SetAll();
    }

    /// <summary>Number of ids the filter covers.</summary>
    public int Capacity { get; }

    /// <summary>Number of ids currently set (exact when no update is in flight).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Fraction of the capacity currently admitted.</summary>
    public double AdmittedFraction => Capacity == 0 ? 0 : (double)Count / Capacity;

    internal ulong[] Words => _words;

    public bool Contains(int id)
    {
        Validation.CheckId(id, Capacity);
        return (Volatile.Read(ref _words[id >> 6]) & (1UL << (id & 63))) != 0;
    }

    /// <summary>Sets the bit of <paramref name="id"/>; returns false if it was already set.</summary>
    public bool Set(int id)
    {
        Validation.CheckId(id, Capacity);
        ulong bit = 1UL << (id & 63);
        ulong before = Interlocked.Or(ref _words[id >> 6], bit);
        if ((before & bit) != 0) return false;
        Interlocked.Increment(ref _count);
        return true;
    }

    /// <summary>Clears the bit of <paramref name="id"/>; returns false if it was already clear.</summary>
    public bool Clear(int id)
    {
        Validation.CheckId(id, Capacity);
        ulong bit = 1UL << (id & 63);
        ulong before = Interlocked.And(ref _words[id >> 6], ~bit);
        if ((before & bit) == 0) return false;
        Interlocked.Decrement(ref _count);
        return true;
    }

    /// <summary>Sets every id. Not atomic as a whole: a concurrent search may see part of the change.</summary>
    public void SetAll()
    {
        for (int w = 0; w < _words.Length; w++)
        {
            int bits = Math.Min(64, Capacity - (w << 6));
            ulong value = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
            ulong before = Interlocked.Exchange(ref _words[w], value);
            Interlocked.Add(ref _count, bits - System.Numerics.BitOperations.PopCount(before));
        }
    }

    /// <summary>Clears every id. Not atomic as a whole: a concurrent search may see part of the change.</summary>
    public void ClearAll()
    {
        for (int w = 0; w < _words.Length; w++)
        {
            ulong before = Interlocked.Exchange(ref _words[w], 0);
            Interlocked.Add(ref _count, -System.Numerics.BitOperations.PopCount(before));
        }
    }

    /// <summary>The 64 bits for ids [64·<paramref name="word"/>, 64·<paramref name="word"/> + 64), read atomically.</summary>
    internal ulong ReadWord(int word) => Volatile.Read(ref _words[word]);

    /// <summary>Admission test without the range check (the caller guarantees 0 ≤ id &lt; Capacity).</summary>
    internal bool ContainsUnchecked(int id) => (Volatile.Read(ref _words[id >> 6]) & (1UL << (id & 63))) != 0;
}
